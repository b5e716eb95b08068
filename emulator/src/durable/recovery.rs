//! Reading the log back at start.
//!
//! Records are read in order. A last line without its `\n`, or whose checksum or JSON
//! does not hold, is a write the crash interrupted: it was never synced, so never answered;
//! it is dropped and the file truncated to the last whole record. A bad record followed by
//! good ones is not a torn write but damage, and start is refused.

use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader};
use std::path::Path;

use super::record::{FrameError, Record};
use super::snapshot::{Snapshot, SnapshotError};

/// The log's file name inside the state directory.
pub const WAL_FILE: &str = "wal.log";
/// The temporary file a compacted log is written to before its rename.
pub const WAL_TEMP: &str = "wal.log.tmp";

/// What recovery found, in order: the snapshot, then each whole record after it.
#[derive(Debug)]
pub enum Found {
    /// The snapshot the records follow.
    Snapshot(Box<Snapshot>),
    /// One record after it.
    Record(Box<Record>),
}

/// What recovery leaves.
#[derive(Debug)]
pub struct Recovered {
    /// The last sequence number, of the snapshot or of a record (0 for a new directory).
    pub last_seq: u64,
    /// Bytes of a torn tail that were dropped.
    pub dropped_bytes: u64,
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
        offset: u64,
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

/// Removes the temp file a crash during compaction left, if any.
fn remove_stray(path: &Path) -> Result<(), RecoveryError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RecoveryError::Io(path.display().to_string(), e)),
    }
}

/// Reads `dir/snapshot` (if any) and `dir/wal.log` (created if absent), handing each to
/// `found` in order, one record at a time: memory holds one line, not the log.
pub fn recover(dir: &Path, mut found: impl FnMut(Found)) -> Result<Recovered, RecoveryError> {
    let snapshot = Snapshot::read(dir)?;
    // Records the snapshot covers are skipped: a crash between its rename and the log's
    // leaves them, and perhaps a temp log, removed (module `snapshot`).
    remove_stray(&dir.join(WAL_TEMP))?;
    let base = snapshot.as_ref().map_or(0, |s| s.seq);
    if let Some(snapshot) = snapshot {
        found(Found::Snapshot(Box::new(snapshot)));
    }
    let path = dir.join(WAL_FILE);
    let shown = path.display().to_string();
    let io = |e| RecoveryError::Io(shown.clone(), e);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    let mut reader = BufReader::with_capacity(1 << 20, &file);
    let mut line = Vec::new();
    let mut last_seq = base;
    let mut good_end: u64 = 0;
    let mut line_no = 0;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(io)?;
        if read == 0 || line.last() != Some(&b'\n') {
            break; // the end, or a last line without its newline: torn
        }
        line_no += 1;
        match Record::decode(&line[..line.len() - 1]) {
            Ok(record) if record.seq <= base => {}
            Ok(record) => {
                let expected = last_seq + 1;
                if record.seq != expected {
                    return Err(RecoveryError::OutOfSequence {
                        path: shown,
                        line: line_no,
                        seq: record.seq,
                        expected,
                    });
                }
                last_seq = record.seq;
                found(Found::Record(Box::new(record)));
            }
            Err(error) => {
                if !reader.fill_buf().map_err(io)?.is_empty() {
                    return Err(RecoveryError::Damaged {
                        path: shown,
                        line: line_no,
                        offset: good_end,
                        error,
                    });
                }
                break; // the last line is torn
            }
        }
        good_end += line.len() as u64;
    }
    drop(reader);
    let len = file.metadata().map_err(io)?.len();
    let dropped_bytes = len - good_end.min(len);
    if dropped_bytes > 0 {
        file.set_len(good_end).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    if let Ok(dir_handle) = File::open(dir) {
        // Makes a newly created log's directory entry durable.
        dir_handle.sync_all().map_err(io)?;
    }
    Ok(Recovered {
        last_seq,
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

    fn collect(d: &Path) -> Result<(Recovered, Vec<Record>), RecoveryError> {
        let mut records = Vec::new();
        let r = recover(d, |found| match found {
            Found::Record(record) => records.push(*record),
            Found::Snapshot(_) => {}
        })?;
        Ok((r, records))
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
        let (r, records) = collect(&d).unwrap();
        assert_eq!(records, vec![record(1), record(2)]);
        assert_eq!(r.last_seq, 2);
        assert_eq!(r.dropped_bytes, (third.len() / 2) as u64);
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
        let err = collect(&d).unwrap_err();
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
        let (r, records) = collect(&d).unwrap();
        assert!(records.is_empty());
        assert_eq!(r.last_seq, 0);
        assert_eq!(r.dropped_bytes, 0);
        assert!(d.join(WAL_FILE).exists());
        std::fs::remove_dir_all(d).unwrap();
    }
}
