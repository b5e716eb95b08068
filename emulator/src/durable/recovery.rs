//! Reading the log back at start.
//!
//! Records are read in order. A last line without its `\n`, or whose checksum or JSON
//! does not hold, is a write the crash interrupted: it was never synced, so never answered;
//! it is dropped and the file truncated to the last whole record. A bad record followed by
//! good ones is not a torn write but damage, and start is refused.

use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::path::Path;

use super::record::{FrameError, Record};
use super::snapshot::{Snapshot, SnapshotError};

/// The log's file name inside the state directory.
pub const WAL_FILE: &str = "wal.log";

/// What recovery found.
#[derive(Debug)]
pub struct Recovered {
    /// The snapshot the records follow, if any.
    pub snapshot: Option<Snapshot>,
    /// The whole records after the snapshot, in order.
    pub records: Vec<Record>,
    /// Bytes of a torn tail that were dropped.
    pub dropped_bytes: usize,
    /// The file, positioned for appending after the last whole record.
    pub file: File,
}

/// Why the log cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The snapshot cannot be read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// I/O.
    #[error("cannot read or repair {0}: {1}")]
    Io(String, std::io::Error),
    /// A damaged record before the end.
    #[error("{path} is damaged at record {line} (byte {offset}): {error}; later records follow, so this is not a torn write")]
    Damaged {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Byte offset of the line.
        offset: usize,
        /// What is wrong.
        error: FrameError,
    },
    /// Sequence numbers do not follow each other.
    #[error("{path}: record {line} has sequence number {seq}, expected {expected}")]
    OutOfSequence {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Found.
        seq: u64,
        /// Expected.
        expected: u64,
    },
}

/// Reads (creating if absent) `dir/wal.log`.
pub fn recover(dir: &Path) -> Result<Recovered, RecoveryError> {
    let snapshot = Snapshot::read(dir)?;
    // Records the snapshot covers are skipped: a crash between its rename and the log's
    // truncation leaves them (module `snapshot`).
    let base = snapshot.as_ref().map_or(0, |s| s.seq);
    let path = dir.join(WAL_FILE);
    let shown = path.display().to_string();
    let io = |e| RecoveryError::Io(shown.clone(), e);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    let mut records = Vec::new();
    let mut good_end = 0;
    let mut offset = 0;
    let mut line_no = 0;
    while offset < bytes.len() {
        line_no += 1;
        let rest = &bytes[offset..];
        let Some(len) = rest.iter().position(|&b| b == b'\n') else {
            break; // a last line without its newline: torn
        };
        match Record::decode(&rest[..len]) {
            Ok(record) if record.seq <= base => {
                offset += len + 1;
                good_end = offset;
            }
            Ok(record) => {
                let expected = base + records.len() as u64 + 1;
                if record.seq != expected {
                    return Err(RecoveryError::OutOfSequence {
                        path: shown,
                        line: line_no,
                        seq: record.seq,
                        expected,
                    });
                }
                records.push(record);
                offset += len + 1;
                good_end = offset;
            }
            Err(error) => {
                if offset + len + 1 < bytes.len() {
                    return Err(RecoveryError::Damaged {
                        path: shown,
                        line: line_no,
                        offset,
                        error,
                    });
                }
                break; // the last line is torn
            }
        }
    }
    let dropped_bytes = bytes.len() - good_end;
    if dropped_bytes > 0 {
        file.set_len(good_end as u64).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    if let Ok(dir_handle) = File::open(dir) {
        // Makes a newly created log's directory entry durable.
        dir_handle.sync_all().map_err(io)?;
    }
    Ok(Recovered {
        snapshot,
        records,
        dropped_bytes,
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::record::Change;
    use rds_backup_sim::Timestamp;

    fn record(seq: u64) -> Record {
        Record {
            seq,
            change: Change::Line {
                at: Timestamp::from_millis(0).unwrap(),
                line: format!("{{\"Action\":\"Sim.AdvanceTime\",\"Seconds\":{seq}}}"),
            },
            offset_ms: None,
            nonce: None,
        }
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rbs-recover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_torn_tail_is_dropped_and_the_file_truncated() {
        let d = dir("torn");
        let mut bytes = Vec::new();
        record(1).encode_into(&mut bytes).unwrap();
        record(2).encode_into(&mut bytes).unwrap();
        let whole = bytes.len();
        let mut third = Vec::new();
        record(3).encode_into(&mut third).unwrap();
        bytes.extend_from_slice(&third[..third.len() / 2]);
        std::fs::write(d.join(WAL_FILE), &bytes).unwrap();
        let r = recover(&d).unwrap();
        assert_eq!(r.records, vec![record(1), record(2)]);
        assert_eq!(r.dropped_bytes, third.len() / 2);
        assert_eq!(
            std::fs::metadata(d.join(WAL_FILE)).unwrap().len(),
            whole as u64
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn damage_before_the_end_refuses_to_start() {
        let d = dir("damaged");
        let mut bytes = Vec::new();
        record(1).encode_into(&mut bytes).unwrap();
        bytes[12] ^= 0x20;
        record(2).encode_into(&mut bytes).unwrap();
        std::fs::write(d.join(WAL_FILE), &bytes).unwrap();
        let err = recover(&d).unwrap_err();
        assert!(
            matches!(
                err,
                RecoveryError::Damaged {
                    line: 1,
                    offset: 0,
                    error: FrameError::ChecksumMismatch,
                    ..
                }
            ),
            "{err:?}"
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_missing_log_is_created_empty() {
        let d = dir("empty");
        let r = recover(&d).unwrap();
        assert!(r.records.is_empty());
        assert_eq!(r.dropped_bytes, 0);
        assert!(d.join(WAL_FILE).exists());
        std::fs::remove_dir_all(d).unwrap();
    }
}
