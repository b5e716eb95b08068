//! The real clock, read in exactly one place.
//!
//! Everything else in this crate takes `now` as a parameter (the gateway's timestamp window
//! and nonce expiry, `--clock real`), so tests inject any time and never wait.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

/// The current real time (UTC).
#[allow(clippy::disallowed_methods)] // The server's edge: the one read of the real clock.
pub fn real_now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}
