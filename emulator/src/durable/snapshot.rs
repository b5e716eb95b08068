//! Snapshots: the simulation as of one log record, which replaces the log's prefix up to it
//! (spec/emulator.md, "the stored log stays small").
//!
//! Compaction, each step crash-safe:
//!
//! 1. every record up to the snapshot's is written and synced (the log alone is complete);
//! 2. `snapshot.tmp` is written and synced (a crash here leaves a stray temp file, removed
//!    at the next start; the old snapshot and the whole log still hold everything);
//! 3. it is renamed over `snapshot` and the directory synced (a crash here leaves the new
//!    snapshot and a log whose records up to its sequence number recovery skips);
//! 4. the records after the snapshot's are written to `wal.log.tmp`, synced, and renamed
//!    over `wal.log`, the directory synced (a crash before the rename leaves the old log,
//!    whose covered records recovery skips, and a stray temp file removed at the next
//!    start; after it, the new log).
//!
//! Each step has a fail-point (module [`super::fail_point`]) where a test kills the
//! process.
//!
//! The file is one line, `CRC32 SP JSON`, like a log record, so that damage is detected.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use rds_backup_sim::scenario::Scenario;

use super::fail_point;
use super::record::{frame, unframe};
use serde::{Deserialize, Serialize};

/// The snapshot's file name inside the state directory.
pub const SNAPSHOT_FILE: &str = "snapshot";
/// The temporary file a snapshot is written to before its rename.
pub const SNAPSHOT_TEMP: &str = "snapshot.tmp";

/// The durable state as of record `seq`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The last record it covers.
    pub seq: u64,
    /// `--clock real`: the clock's offset.
    pub offset_ms: i64,
    /// The nonce store's unexpired entries (fingerprint and expiry), hex.
    pub nonces: Vec<String>,
    /// The simulation.
    pub state: Scenario,
}

/// Why a snapshot cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// I/O.
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    /// A damaged snapshot (it is only ever renamed into place whole, so this is damage).
    #[error("{0} is damaged: {1}")]
    Damaged(String, String),
}

impl Snapshot {
    /// The nonce entries, parsed (a malformed one is skipped: it was written by
    /// [`Snapshot::nonce_entry`]).
    pub fn nonce_entries(&self) -> impl Iterator<Item = u128> + '_ {
        self.nonces
            .iter()
            .filter_map(|hex| u128::from_str_radix(hex, 16).ok())
    }

    /// One nonce entry as stored.
    pub fn nonce_entry(entry: u128) -> String {
        format!("{entry:032x}")
    }

    /// Writes the snapshot into `dir` (steps 2 and 3 of the module docs).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let mut line = Vec::with_capacity(json.len() + 10);
        frame(&json, &mut line);
        drop(json);
        let temp = dir.join(SNAPSHOT_TEMP);
        let mut file = File::create(&temp)?;
        let (first, rest) = line.split_at(line.len() / 2);
        file.write_all(first)?;
        fail_point::pause("snapshot-temp-half");
        file.write_all(rest)?;
        file.sync_all()?;
        drop(file);
        fail_point::pause("snapshot-temp");
        std::fs::rename(&temp, dir.join(SNAPSHOT_FILE))?;
        File::open(dir)?.sync_all()?;
        fail_point::pause("snapshot-renamed");
        Ok(())
    }

    /// Reads `dir`'s snapshot, if there is one, removing a stray temp file.
    pub fn read(dir: &Path) -> Result<Option<Snapshot>, SnapshotError> {
        let path = dir.join(SNAPSHOT_FILE);
        let shown = path.display().to_string();
        match std::fs::remove_file(dir.join(SNAPSHOT_TEMP)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SnapshotError::Io(shown, e)),
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SnapshotError::Io(shown, e)),
        };
        let damaged = |why: &str| SnapshotError::Damaged(shown.clone(), why.to_owned());
        let line = bytes
            .strip_suffix(b"\n")
            .ok_or_else(|| damaged("no line end"))?;
        let json = unframe(line).map_err(|e| damaged(&e.to_string()))?;
        serde_json::from_slice(json)
            .map(Some)
            .map_err(|e| damaged(&e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rbs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_snapshot_round_trips_and_a_stray_temp_file_is_removed() {
        let dir = tempdir("snap-round");
        assert!(Snapshot::read(&dir).unwrap().is_none());
        let snap = Snapshot {
            seq: 42,
            offset_ms: -7,
            nonces: vec![Snapshot::nonce_entry(0xabc)],
            state: Scenario::new(),
        };
        snap.write(&dir).unwrap();
        std::fs::write(dir.join(SNAPSHOT_TEMP), b"half a snap").unwrap();
        let back = Snapshot::read(&dir).unwrap().unwrap();
        assert_eq!((back.seq, back.offset_ms), (42, -7));
        assert_eq!(back.nonce_entries().collect::<Vec<_>>(), vec![0xabc]);
        assert!(!dir.join(SNAPSHOT_TEMP).exists());
        // Damage is refused, never taken for an empty simulation.
        let mut bytes = std::fs::read(dir.join(SNAPSHOT_FILE)).unwrap();
        let at = bytes.len() - 3;
        bytes[at] ^= 1;
        std::fs::write(dir.join(SNAPSHOT_FILE), &bytes).unwrap();
        let err = Snapshot::read(&dir).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{} is damaged: checksum mismatch",
                dir.join(SNAPSHOT_FILE).display()
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
