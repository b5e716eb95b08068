//! The directory lock: `DIR/lock`, held with an exclusive `flock` for the process's life.
//! The kernel releases it when the process ends, even by `kill -9`, so a crash never leaves
//! a stale lock; a second process on the directory finds it held and refuses to start.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

/// The lock file's name inside the state directory.
pub const LOCK_FILE: &str = "lock";

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("another process holds the state directory (lock file {0})")]
    Held(PathBuf),
    /// The file could not be opened.
    #[error("cannot open the lock file {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock of `dir`, without waiting.
    pub fn take(dir: &Path) -> Result<DirLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LockError::Io(path.clone(), e))?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(rustix::io::Errno::WOULDBLOCK) => Err(LockError::Held(path)),
            Err(e) => Err(LockError::Io(path, e.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_directory_is_refused_until_the_first_is_dropped() {
        let dir = std::env::temp_dir().join(format!("rbs-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = DirLock::take(&dir).unwrap();
        match DirLock::take(&dir) {
            Err(LockError::Held(path)) => assert_eq!(path, dir.join("lock")),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        assert!(DirLock::take(&dir).is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
