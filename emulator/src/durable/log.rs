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
    /// A snapshot to write once every record before it is synced, then truncate the log.
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
    /// record `snapshot.seq` applied) once every record up to it is synced, then to truncate
    /// the log (module [`super::snapshot`]).
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
            // snapshot was asked for under the lock that orders appends) and is synced.
            // A failed snapshot costs nothing but size: the log is still whole.
            let truncated = snapshot
                .write(dir)
                .and_then(|()| file.set_len(0))
                .and_then(|()| file.sync_all());
            if let Err(error) = truncated {
                eprintln!("rds-backup-sim serve: compaction skipped: {error}");
            }
        }
        if closing && lock(shared).batch.is_empty() {
            return;
        }
    }
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

    fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rbs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
