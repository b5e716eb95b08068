//! Fail-points: named places in the log writer where a crash test stops the process
//! (feature `failpoints`; a test hook, unstable, not covered by semver, and compiled out
//! without the feature: then every function here is empty).
//!
//! `RDS_BACKUP_SIM_FAILPOINTS` names the points to stop at, separated by commas. At a
//! named [`pause`] point the thread writes `rds-backup-sim serve: fail-point NAME reached`
//! on standard error, then waits for a line on standard input before it goes on; on end
//! of input it waits for ever (for the test's `kill -9`). A [`notice`] point only writes
//! its line and goes on. Nothing is timed: a test reads standard error until the line,
//! then kills the process or releases it.
//!
//! | point | where |
//! |---|---|
//! | `wal-write` | the writer took a batch of records, before writing it (their answers wait) |
//! | `compaction-start` | every record up to the snapshot's is synced and answered; nothing of the snapshot is written |
//! | `snapshot-temp-half` | half of `snapshot.tmp` is written |
//! | `snapshot-temp` | `snapshot.tmp` is written and synced, not yet renamed |
//! | `snapshot-renamed` | `snapshot` replaced and the directory synced; the old log still whole |
//! | `log-temp` | `wal.log.tmp` (the records after the snapshot) written and synced, not yet renamed |
//! | `log-renamed` | `wal.log` replaced and the directory synced, before the writer reopens it |
//! | `durable-wait` (notice) | an answer starts waiting for a record that is not yet durable: `… reached: record N` |

/// The environment variable that names the points.
pub const VARIABLE: &str = "RDS_BACKUP_SIM_FAILPOINTS";

#[cfg(feature = "failpoints")]
fn named(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            std::env::var(VARIABLE)
                .unwrap_or_default()
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .iter()
        .any(|n| n == name)
}

/// Stops at `name` when it is named (module docs).
#[cfg(feature = "failpoints")]
pub fn pause(name: &str) {
    if !named(name) {
        return;
    }
    eprintln!("rds-backup-sim serve: fail-point {name} reached");
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(n) if n > 0 => {}
        // End of input: stay here until killed.
        _ => loop {
            std::thread::park();
        },
    }
}

/// Writes `name`'s line with `detail` when it is named and `detail` gives one (module
/// docs).
#[cfg(feature = "failpoints")]
pub fn notice(name: &str, detail: impl FnOnce() -> Option<String>) {
    if !named(name) {
        return;
    }
    if let Some(detail) = detail() {
        eprintln!("rds-backup-sim serve: fail-point {name} reached: {detail}");
    }
}

/// Without the feature: nothing.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn pause(_name: &str) {}

/// Without the feature: nothing.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn notice(_name: &str, _detail: impl FnOnce() -> Option<String>) {}
