//! The write-ahead log with group commit.
//!
//! [`Log::append`] frames a record into an in-memory batch and returns a [`Ticket`]; it is
//! called while the caller holds the simulation's lock, so the log's order is the order in
//! which changes applied. One writer thread takes the whole batch, writes it and
//! `fdatasync`s the file, then publishes the highest sequence number that is durable. Every
//! request that appended while the previous sync ran shares the next one: under load one
//! sync covers many answers, and alone a request costs one sync.
//!
//! A write or sync error is final: the log reports the failure to every waiting and later
//! ticket (their requests answer 500 `Sim.StorageFailure`) and the engine applies no
//! further change, because memory and disk can no longer be shown to agree.

use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::watch;

use super::fail_point;
use super::record::{EncodedChange, Record, StoredNonce};
use super::snapshot::Snapshot;

/// What is durable: every record up to `upto`, unless the log failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durability {
    /// The highest durable sequence number.
    pub upto: u64,
    /// Why the log stopped, if it did.
    pub failure: Option<Arc<str>>,
}

#[derive(Debug, Default)]
struct Pending {
    batch: Vec<u8>,
    last_seq: u64,
    closing: bool,
    /// Bytes appended since the last compaction was asked for.
    since_compaction: u64,
    /// A snapshot to write once every record before it is synced, then replace the log
    /// with the records after it.
    compact: Option<Box<Snapshot>>,
}

#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    durable: watch::Sender<Durability>,
    syncs: AtomicU64,
}

/// The log: an append side for requests, a writer thread for the file.
#[derive(Debug)]
pub struct Log {
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// A record's place in the log; [`Ticket::durable`] waits until it is synced.
#[derive(Debug)]
pub struct Ticket {
    seq: u64,
    durable: watch::Receiver<Durability>,
}

impl Ticket {
    /// Waits until the record is durable, or the log failed.
    pub async fn durable(mut self) -> Result<(), Arc<str>> {
        let seq = self.seq;
        fail_point::notice("durable-wait", || {
            let durable = self.durable.borrow();
            (durable.upto < seq && durable.failure.is_none()).then(|| format!("record {seq}"))
        });
        match self
            .durable
            .wait_for(|d| d.upto >= seq || d.failure.is_some())
            .await
        {
            Ok(d) => match (&d.failure, d.upto >= seq) {
                (_, true) => Ok(()),
                (Some(failure), false) => Err(failure.clone()),
                (None, false) => Err("the log stopped".into()),
            },
            Err(_) => Err("the log stopped".into()),
        }
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Pending> {
    shared
        .pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

impl Log {
    /// Starts the writer on `file` (opened for appending) in `dir`; `last_seq` is the last
    /// record already in it (or in the snapshot).
    pub fn start(file: File, dir: PathBuf, last_seq: u64) -> std::io::Result<Log> {
        let (durable, _) = watch::channel(Durability {
            upto: last_seq,
            failure: None,
        });
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                last_seq,
                ..Pending::default()
            }),
            wake: Condvar::new(),
            durable,
            syncs: AtomicU64::new(0),
        });
        let for_writer = shared.clone();
        let writer = std::thread::Builder::new()
            .name("wal-writer".into())
            .spawn(move || write_loop(&for_writer, file, &dir))?;
        Ok(Log {
            shared,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Gives `change` the next sequence number, frames it into the batch and wakes the
    /// writer. Refused once the log has failed; a record that cannot be framed takes no
    /// sequence number.
    pub fn append(
        &self,
        change: &EncodedChange,
        offset_ms: Option<i64>,
        nonce: Option<&StoredNonce>,
    ) -> Result<Ticket, Arc<str>> {
        if let Some(failure) = self.failure() {
            return Err(failure);
        }
        let mut pending = lock(&self.shared);
        let seq = pending.last_seq + 1;
        let before = pending.batch.len();
        Record::frame_into(seq, change, offset_ms, nonce, &mut pending.batch)
            .map_err(|e| Arc::<str>::from(e.to_string()))?;
        pending.since_compaction += (pending.batch.len() - before) as u64;
        pending.last_seq = seq;
        drop(pending);
        self.shared.wake.notify_one();
        Ok(Ticket {
            seq,
            durable: self.shared.durable.subscribe(),
        })
    }

    /// A ticket for every record appended so far: a read waits on it, so that it shows
    /// only durable changes.
    pub fn barrier(&self) -> Ticket {
        Ticket {
            seq: lock(&self.shared).last_seq,
            durable: self.shared.durable.subscribe(),
        }
    }

    /// Whether more than `bound` bytes were appended since the last compaction.
    pub fn outgrew(&self, bound: u64) -> bool {
        lock(&self.shared).since_compaction > bound
    }

    /// Asks the writer to write `snapshot` (taken under the simulation's lock right after
    /// record `snapshot.seq` applied) once every record up to it is synced, then to replace
    /// the log with the records after it (module [`super::snapshot`]).
    pub fn compact(&self, snapshot: Snapshot) {
        let mut pending = lock(&self.shared);
        pending.since_compaction = 0;
        pending.compact = Some(Box::new(snapshot));
        drop(pending);
        self.shared.wake.notify_one();
    }

    /// Why the log stopped, if it did.
    pub fn failure(&self) -> Option<Arc<str>> {
        self.shared.durable.borrow().failure.clone()
    }

    /// The last sequence number given out.
    pub fn last_seq(&self) -> u64 {
        lock(&self.shared).last_seq
    }

    /// How many syncs ran (group commit makes it far fewer than records under load).
    pub fn syncs(&self) -> u64 {
        self.shared.syncs.load(Ordering::Relaxed)
    }

    /// Writes and syncs what is pending, then stops the writer.
    pub fn close(&self) {
        lock(&self.shared).closing = true;
        self.shared.wake.notify_one();
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            // The writer does not panic (every error is published); a join error would
            // only repeat what `failure` says.
            let _ = handle.join();
        }
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        self.close();
    }
}

fn write_loop(shared: &Shared, mut file: File, dir: &std::path::Path) {
    loop {
        let (batch, upto, closing, compact) = {
            let mut pending = lock(shared);
            while pending.batch.is_empty() && !pending.closing && pending.compact.is_none() {
                pending = shared
                    .wake
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            (
                std::mem::take(&mut pending.batch),
                pending.last_seq,
                pending.closing,
                pending.compact.take(),
            )
        };
        if !batch.is_empty() {
            fail_point::pause("wal-write");
            let result = file.write_all(&batch).and_then(|()| file.sync_data());
            shared.syncs.fetch_add(1, Ordering::Relaxed);
            match result {
                Ok(()) => {
                    shared.durable.send_modify(|d| d.upto = upto);
                }
                Err(error) => {
                    let failure: Arc<str> = format!("the write-ahead log failed: {error}").into();
                    eprintln!("rds-backup-sim serve: {failure}");
                    shared
                        .durable
                        .send_modify(|d| d.failure = Some(failure.clone()));
                    return;
                }
            }
        }
        if let Some(snapshot) = compact {
            // Every record up to the snapshot's was in this batch or an earlier one (the
            // snapshot was asked for under the lock that orders appends) and is synced; this
            // batch may also hold records appended after it, which the new log keeps. A
            // failed snapshot costs nothing but size: the log is still whole.
            fail_point::pause("compaction-start");
            let compacted = snapshot
                .write(dir)
                .and_then(|()| replace_log(dir, &records_after(&batch, snapshot.seq)));
            match compacted {
                Ok(new_file) => file = new_file,
                Err(error) => eprintln!("rds-backup-sim serve: compaction skipped: {error}"),
            }
        }
        if closing && lock(shared).batch.is_empty() {
            return;
        }
    }
}

/// The framed records of `batch` whose sequence number is above `seq`, in order. A line
/// that does not decode is kept: compaction never drops what it cannot read.
fn records_after(batch: &[u8], seq: u64) -> Vec<u8> {
    let mut kept = Vec::new();
    for line in batch.split_inclusive(|&b| b == b'\n') {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        if Record::decode(text).map_or(true, |r| r.seq > seq) {
            kept.extend_from_slice(line);
        }
    }
    kept
}

/// Replaces `dir/wal.log` with one holding `records`, atomically (a temporary file, synced,
/// renamed over the log, the directory synced), and returns it opened for appending. A crash
/// before the rename leaves the old log, whose records the snapshot covers are skipped at
/// recovery; after it, the new one.
fn replace_log(dir: &std::path::Path, records: &[u8]) -> std::io::Result<File> {
    let path = dir.join(super::recovery::WAL_FILE);
    let temp = dir.join(super::recovery::WAL_TEMP);
    let mut file = File::create(&temp)?;
    file.write_all(records)?;
    file.sync_all()?;
    drop(file);
    fail_point::pause("log-temp");
    std::fs::rename(&temp, &path)?;
    File::open(dir)?.sync_all()?;
    fail_point::pause("log-renamed");
    std::fs::OpenOptions::new().append(true).open(&path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::record::Change;
    use rds_backup_sim::Timestamp;

    fn record() -> EncodedChange {
        EncodedChange::new(&Change::Reset {
            start: Timestamp::from_millis(0).unwrap(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn tickets_resolve_once_synced_and_the_file_holds_every_record_in_order() {
        let dir = tempdir("log-order");
        let path = dir.join("wal.log");
        let file = File::create(&path).unwrap();
        let log = Log::start(file, dir.clone(), 0).unwrap();
        let mut tickets = Vec::new();
        for _ in 0..100 {
            tickets.push(log.append(&record(), None, None).unwrap());
        }
        for t in tickets {
            assert_eq!(t.durable().await, Ok(()));
        }
        assert_eq!(log.last_seq(), 100);
        assert!(log.syncs() >= 1 && log.syncs() <= 100);
        log.close();
        let text = std::fs::read(&path).unwrap();
        let seqs: Vec<u64> = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| Record::decode(l).unwrap().seq)
            .collect();
        assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_failed_write_fails_the_ticket_and_refuses_later_appends() {
        // A file opened read-only: the first write fails.
        let dir = tempdir("log-fail");
        let path = dir.join("wal.log");
        std::fs::write(&path, b"").unwrap();
        let file = File::open(&path).unwrap();
        let log = Log::start(file, dir.clone(), 5).unwrap();
        let ticket = log.append(&record(), None, None).unwrap();
        let err = ticket.durable().await.unwrap_err();
        assert!(
            err.starts_with("the write-ahead log failed: "),
            "unexpected failure text {err}"
        );
        assert_eq!(log.append(&record(), None, None).unwrap_err(), err);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_barrier_waits_for_every_record_appended_before_it() {
        // A read that saw a change whose write then fails must not answer: its barrier
        // carries the failure instead of resolving.
        let dir = tempdir("log-barrier");
        let path = dir.join("wal.log");
        std::fs::write(&path, b"").unwrap();
        let log = Log::start(File::open(&path).unwrap(), dir.clone(), 3).unwrap();
        assert_eq!(log.barrier().durable().await, Ok(()), "nothing pending");
        let _ticket = log.append(&record(), None, None).unwrap();
        let err = log.barrier().durable().await.unwrap_err();
        assert!(err.starts_with("the write-ahead log failed: "), "{err}");
        let good = Log::start(File::create(dir.join("good.log")).unwrap(), dir.clone(), 0).unwrap();
        for _ in 0..50 {
            let _ = good.append(&record(), None, None).unwrap();
        }
        let barrier = good.barrier();
        assert_eq!(barrier.seq, 50);
        assert_eq!(barrier.durable().await, Ok(()));
        assert!(good.shared.durable.borrow().upto >= 50);
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn seqs_in(path: &std::path::Path) -> Vec<u64> {
        std::fs::read(path)
            .unwrap()
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| Record::decode(l).unwrap().seq)
            .collect()
    }

    /// Compaction keeps the records appended after the snapshot's: a snapshot as of record
    /// 3, asked for right after it (as the engine does, under its lock), with records 4 to 9
    /// appended before the writer takes them, leaves exactly 4 to 9 in the log (they were
    /// lost when the log was simply truncated).
    #[tokio::test]
    async fn compaction_keeps_the_records_appended_after_the_snapshot() {
        for round in 0..20 {
            let dir = tempdir(&format!("log-compact-race-{round}"));
            let path = dir.join("wal.log");
            let log = Log::start(File::create(&path).unwrap(), dir.clone(), 0).unwrap();
            for _ in 0..3 {
                log.append(&record(), None, None).unwrap();
            }
            log.compact(Snapshot {
                seq: log.last_seq(),
                offset_ms: 0,
                nonces: Vec::new(),
                state: rds_backup_sim::scenario::Scenario::new(),
            });
            let mut last = None;
            for _ in 0..6 {
                last = Some(log.append(&record(), None, None).unwrap());
            }
            if let Some(ticket) = last {
                assert_eq!(ticket.durable().await, Ok(()));
            }
            log.close();
            assert_eq!(seqs_in(&path), (4..=9).collect::<Vec<_>>(), "round {round}");
            assert!(dir.join("snapshot").exists());
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn records_after_keeps_the_later_lines_and_any_it_cannot_read() {
        let mut batch = Vec::new();
        for seq in 5..=8 {
            Record::frame_into(seq, &record(), None, None, &mut batch).unwrap();
        }
        batch.extend_from_slice(b"not a record\n");
        let kept = records_after(&batch, 6);
        let lines: Vec<&[u8]> = kept
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(Record::decode(lines[0]).unwrap().seq, 7);
        assert_eq!(Record::decode(lines[1]).unwrap().seq, 8);
        assert_eq!(lines[2], b"not a record");
    }

    fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rbs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
