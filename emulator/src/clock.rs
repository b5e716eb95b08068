//! The real clock, read in exactly one place.
//!
//! Everything else in this crate takes `now` as a parameter (the gateway's timestamp window
//! and nonce expiry, `--clock real`), so tests inject any time and never wait. The server
//! reads wall time through a [`RealClock`]: [`SystemClock`] in production, [`TestClock`]
//! (set by hand) in tests. Connection idleness is measured on tokio's monotonic clock
//! ([`monotonic_now`]), which tests can pause and advance (`tokio::time::pause`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, TimeDelta, Utc};

/// The current real time (UTC).
#[allow(clippy::disallowed_methods)] // The server's edge: the one read of the real clock.
pub fn real_now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

/// Tokio's monotonic now (follows `tokio::time::pause` in tests).
pub fn monotonic_now() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// Where the server reads wall time from.
pub trait RealClock: Send + Sync + 'static {
    /// The current real time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock, through [`real_now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl RealClock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        real_now()
    }
}

/// A clock that moves only when told to (tests: the timestamp and nonce windows).
#[derive(Debug)]
pub struct TestClock {
    millis: AtomicI64,
}

impl TestClock {
    /// A clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> TestClock {
        TestClock {
            millis: AtomicI64::new(at.timestamp_millis()),
        }
    }

    /// Moves the clock by `by` (either direction).
    pub fn advance(&self, by: TimeDelta) {
        self.millis
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        self.millis.store(at.timestamp_millis(), Ordering::SeqCst);
    }
}

impl RealClock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}
