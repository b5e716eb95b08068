//! An instance's ended jobs and their sets in 24 bytes a record ([`SetRecord`]), read as
//! whole [`JobRecord`]s through [`History`].
//!
//! A record keeps its end, mode and flags (what settling and T-6 read) and, for a job whose
//! fields follow from them the way the simulation gives them, the rest: its ids are one
//! serial number (job and set ids advance together from `FIRST_JOB_ID` and
//! `FIRST_BACKUP_ID`), its start is its end less its duration, its size fits 32 bits. Any
//! other record (one that failed before its planned end, or read from a state whose ids do
//! not follow the counters) is *odd*: it is kept whole in the backup state's side list, in
//! history order, and its 24 bytes keep only its end, mode, method, type and flags. Whether
//! a record is odd is decided field by field ([`regular`]: exactly when decoding gives it
//! back), so the encoding is exact and canonical: equal histories are equal records
//! (docs/performance.md, issue 12, seventh pass).

use crate::ids::{BackupId, BackupJobId, FIRST_BACKUP_ID, FIRST_JOB_ID};
use crate::job::{ActiveJob, JobRecord};
use crate::time::{Timestamp, MILLIS_PER_SECOND};
use crate::vocab::{BackupMethod, BackupMode, BackupType, SetStatus};

/// The outcome was `Failed`.
const FAILED: u8 = 1;
/// `DeleteBackup` or T-6 hid the set.
const DELETED: u8 = 2;
/// The whole record is in the side list.
const ODD: u8 = 4;

/// One ended job and its set, in 24 bytes (`set_record_is_24_bytes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct SetRecord {
    /// `BackupEndTime`.
    ended: Timestamp,
    /// The planned duration in seconds; 0 for an odd record.
    duration_seconds: u32,
    /// `BackupJobId − FIRST_JOB_ID`, also `BackupId − FIRST_BACKUP_ID`; 0 for an odd record.
    serial: u32,
    /// `BackupSize`; 0 for an odd record.
    size: u32,
    mode: BackupMode,
    method: BackupMethod,
    backup_type: BackupType,
    /// [`FAILED`], [`DELETED`], [`ODD`].
    flags: u8,
}

impl SetRecord {
    /// `record` in 24 bytes, and whether it is odd (kept whole beside).
    pub(crate) fn encode(record: &JobRecord) -> (SetRecord, bool) {
        let deleted = if record.set_deleted { DELETED } else { 0 };
        let derived = regular(
            record.id,
            record.backup_id,
            record.started,
            record.duration_seconds,
            record.ended,
            record.size,
        );
        let (duration_seconds, serial, size, odd) = match derived {
            Some((serial, size)) => (record.duration_seconds, serial, size, 0),
            None => (0, 0, 0, ODD),
        };
        let compact = SetRecord {
            ended: record.ended,
            duration_seconds,
            serial,
            size,
            mode: record.mode,
            method: record.method,
            backup_type: record.backup_type,
            flags: outcome_flag(record.outcome) | deleted | odd,
        };
        debug_assert!(odd != 0 || compact.decode() == *record, "decodes to itself");
        (compact, odd != 0)
    }

    /// The record `job` leaves when it ends at `at` with `outcome` and a set of `size`
    /// bytes, if it is regular (what `encode` of that record gives, without building it):
    /// the settling's path, where a job ends at its planned end.
    #[inline(always)]
    pub(crate) fn of_job(
        job: &ActiveJob,
        at: Timestamp,
        outcome: SetStatus,
        size: u64,
    ) -> Option<SetRecord> {
        let (serial, size) = regular(
            job.id,
            job.backup_id,
            job.started,
            job.duration_seconds,
            at,
            size,
        )?;
        Some(SetRecord {
            ended: at,
            duration_seconds: job.duration_seconds,
            serial,
            size,
            mode: job.mode,
            method: job.method,
            backup_type: job.backup_type,
            flags: outcome_flag(outcome),
        })
    }

    /// The whole record of a regular (not odd) one.
    fn decode(&self) -> JobRecord {
        let serial = u64::from(self.serial);
        JobRecord {
            id: BackupJobId(FIRST_JOB_ID + serial),
            backup_id: BackupId(FIRST_BACKUP_ID + serial),
            mode: self.mode,
            method: self.method,
            backup_type: self.backup_type,
            started: self
                .ended
                .saturating_add_millis(-i64::from(self.duration_seconds) * MILLIS_PER_SECOND),
            ended: self.ended,
            duration_seconds: self.duration_seconds,
            outcome: if self.flags & FAILED != 0 {
                SetStatus::Failed
            } else {
                SetStatus::Success
            },
            size: u64::from(self.size),
            set_deleted: self.is_deleted(),
        }
    }

    /// `BackupEndTime`.
    #[inline(always)]
    pub(crate) fn ended(&self) -> Timestamp {
        self.ended
    }
    /// `JobMode` / `BackupMode`.
    #[inline(always)]
    pub(crate) fn mode(&self) -> BackupMode {
        self.mode
    }
    /// `BackupMethod`.
    #[inline(always)]
    pub(crate) fn method(&self) -> BackupMethod {
        self.method
    }
    /// Whether the job failed.
    #[inline(always)]
    pub(crate) fn failed(&self) -> bool {
        self.flags & FAILED != 0
    }
    /// Whether the set was deleted.
    #[inline(always)]
    pub(crate) fn is_deleted(&self) -> bool {
        self.flags & DELETED != 0
    }
    /// Hides the set (`set_deleted`).
    pub(crate) fn hide(&mut self) {
        self.flags |= DELETED;
    }
    /// Whether the whole record is in the side list.
    #[inline(always)]
    pub(crate) fn is_odd(&self) -> bool {
        self.flags & ODD != 0
    }
}

/// [`FAILED`] for a failed job.
fn outcome_flag(outcome: SetStatus) -> u8 {
    match outcome {
        SetStatus::Success => 0,
        SetStatus::Failed => FAILED,
    }
}

/// The serial number and the 32-bit size of a record with these fields, if it is regular:
/// both ids the same distance from their first values, that distance and the size within
/// 32 bits, and the end exactly the start plus the duration. `decode` then gives them back
/// exactly (the start as the end less the duration, which cannot saturate). Without
/// branches: settling asks it of every job that ends.
#[inline(always)]
fn regular(
    id: BackupJobId,
    backup_id: BackupId,
    started: Timestamp,
    duration_seconds: u32,
    ended: Timestamp,
    size: u64,
) -> Option<(u32, u32)> {
    let serial = id.0.wrapping_sub(FIRST_JOB_ID);
    let size32 = u32::try_from(size);
    let serial32 = u32::try_from(serial);
    // Timestamps are within years 1..=9999 and a duration within 2^32 s: no overflow.
    let ends = started.as_millis() + i64::from(duration_seconds) * MILLIS_PER_SECOND;
    let follows =
        (backup_id.0.wrapping_sub(FIRST_BACKUP_ID) == serial) & (ends == ended.as_millis());
    match (serial32, size32) {
        (Ok(serial), Ok(size)) if follows => Some((serial, size)),
        _ => None,
    }
}

/// An instance's ended jobs with their sets, in the order they ended, read as whole
/// [`JobRecord`]s (each decoded when read; `Debug` lists them so).
#[derive(Clone, Copy)]
pub struct History<'a> {
    records: &'a [SetRecord],
    /// The odd records, in history order.
    odd: &'a [JobRecord],
}

impl<'a> History<'a> {
    pub(crate) fn new(records: &'a [SetRecord], odd: &'a [JobRecord]) -> History<'a> {
        History { records, odd }
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records, oldest first.
    pub fn iter(&self) -> HistoryIter<'a> {
        HistoryIter {
            records: self.records,
            odd: self.odd,
            front: 0,
            back: self.records.len(),
            odd_front: 0,
            odd_back: self.odd.len(),
        }
    }

    /// The record at `index` (oldest first), if any.
    pub fn get(&self, index: usize) -> Option<JobRecord> {
        let record = self.records.get(index)?;
        Some(whole(record, self.odd, || {
            self.records[..index].iter().filter(|r| r.is_odd()).count()
        }))
    }

    /// The oldest record.
    pub fn first(&self) -> Option<JobRecord> {
        self.iter().next()
    }

    /// The newest record.
    pub fn last(&self) -> Option<JobRecord> {
        self.iter().next_back()
    }
}

/// `record` whole: decoded, or the odd record of rank `rank()` with its hidden flag.
fn whole(record: &SetRecord, odd: &[JobRecord], rank: impl FnOnce() -> usize) -> JobRecord {
    if !record.is_odd() {
        return record.decode();
    }
    match odd.get(rank()) {
        Some(kept) => JobRecord {
            set_deleted: record.is_deleted(),
            ..kept.clone()
        },
        // `BackupState` keeps one side record for each odd one; never reached.
        None => record.decode(),
    }
}

impl std::fmt::Debug for History<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for History<'a> {
    type Item = JobRecord;
    type IntoIter = HistoryIter<'a>;

    fn into_iter(self) -> HistoryIter<'a> {
        self.iter()
    }
}

/// The records of a [`History`], each decoded when read.
#[derive(Clone, Debug)]
pub struct HistoryIter<'a> {
    records: &'a [SetRecord],
    odd: &'a [JobRecord],
    front: usize,
    back: usize,
    odd_front: usize,
    odd_back: usize,
}

impl Iterator for HistoryIter<'_> {
    type Item = JobRecord;

    fn next(&mut self) -> Option<JobRecord> {
        if self.front == self.back {
            return None;
        }
        let record = &self.records[self.front];
        self.front += 1;
        let rank = self.odd_front;
        if record.is_odd() {
            self.odd_front += 1;
        }
        Some(whole(record, self.odd, || rank))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }
}

impl DoubleEndedIterator for HistoryIter<'_> {
    fn next_back(&mut self) -> Option<JobRecord> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        let record = &self.records[self.back];
        if record.is_odd() {
            self.odd_back = self.odd_back.saturating_sub(1);
        }
        Some(whole(record, self.odd, || self.odd_back))
    }
}

impl ExactSizeIterator for HistoryIter<'_> {}

/// The `serial`th job's record as the simulation gives it (regular: 24 bytes): an
/// automatic, successful physical full backup of `duration_seconds` that ended at `ended`.
#[cfg(test)]
pub(crate) fn regular_record(serial: u64, ended: Timestamp, duration_seconds: u32) -> JobRecord {
    JobRecord {
        id: BackupJobId(FIRST_JOB_ID + serial),
        backup_id: BackupId(FIRST_BACKUP_ID + serial),
        mode: BackupMode::Automated,
        method: BackupMethod::Physical,
        backup_type: BackupType::FullBackup,
        started: ended.saturating_add_millis(-i64::from(duration_seconds) * MILLIS_PER_SECOND),
        ended,
        duration_seconds,
        outcome: SetStatus::Success,
        size: 1,
        set_deleted: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regular incremental snapshot of 600 s, or one failed 1.5 s in (odd).
    fn record(serial: u64, failed_early: bool) -> JobRecord {
        let started = Timestamp::parse_rfc3339("2026-04-01T08:00:00Z").expect("valid");
        let ended = started.saturating_add_millis(600_000);
        let mut record = regular_record(serial, ended, 600);
        record.method = BackupMethod::Snapshot;
        record.backup_type = BackupType::IncrementalBackup;
        record.size = 5 << 20;
        if failed_early {
            record.ended = started.saturating_add_millis(1_500);
            record.outcome = SetStatus::Failed;
        }
        record
    }

    #[test]
    fn set_record_is_24_bytes() {
        assert_eq!(
            (
                std::mem::size_of::<SetRecord>(),
                std::mem::align_of::<SetRecord>()
            ),
            (24, 8)
        );
    }

    /// What the simulation gives is regular and decodes to itself; every field that
    /// cannot be derived makes the record odd, never a different record.
    #[test]
    fn regular_records_round_trip_and_the_rest_are_odd() {
        let regular = record(41, false);
        let (compact, odd) = SetRecord::encode(&regular);
        assert!(!odd);
        assert_eq!(compact.decode(), regular);
        assert_eq!(
            (compact.mode(), compact.method(), compact.failed()),
            (BackupMode::Automated, BackupMethod::Snapshot, false)
        );
        let mut deleted_failed = regular.clone();
        deleted_failed.set_deleted = true;
        deleted_failed.outcome = SetStatus::Failed;
        let (compact, odd) = SetRecord::encode(&deleted_failed);
        assert!(!odd && compact.is_deleted() && compact.failed());
        assert_eq!(compact.decode(), deleted_failed);
        let variants: [fn(&mut JobRecord); 7] = [
            |r| r.ended = r.ended.saturating_add_millis(-1),
            |r| r.backup_id = BackupId(r.backup_id.0 + 1),
            |r| r.backup_id = BackupId(FIRST_BACKUP_ID - 1),
            |r| r.id = BackupJobId(FIRST_JOB_ID - 1),
            |r| r.id = BackupJobId(FIRST_JOB_ID + (1 << 32)),
            |r| r.size = 1 << 32,
            |r| r.started = Timestamp::MIN,
        ];
        for (n, change) in variants.iter().enumerate() {
            let mut changed = regular.clone();
            change(&mut changed);
            let (compact, odd) = SetRecord::encode(&changed);
            assert!(odd, "variant {n}");
            let history = [compact];
            let side = [changed.clone()];
            assert_eq!(
                History::new(&history, &side).get(0).as_ref(),
                Some(&changed),
                "variant {n}"
            );
            assert_eq!(
                (compact.ended(), compact.mode(), compact.is_odd()),
                (changed.ended, changed.mode, true),
                "variant {n}"
            );
        }
    }

    /// The settling's path gives what encoding the whole record gives, and nothing for a
    /// record that is odd.
    #[test]
    fn a_job_ending_gives_its_encoded_record() {
        let whole = record(7, false);
        let job = ActiveJob {
            id: whole.id,
            backup_id: whole.backup_id,
            mode: whole.mode,
            method: whole.method,
            backup_type: whole.backup_type,
            started: whole.started,
            duration_seconds: whole.duration_seconds,
            fails: false,
        };
        let ended = whole.ended;
        for outcome in [SetStatus::Success, SetStatus::Failed] {
            let mut expected = whole.clone();
            expected.outcome = outcome;
            assert_eq!(
                SetRecord::of_job(&job, ended, outcome, whole.size),
                Some(SetRecord::encode(&expected).0)
            );
        }
        let early = ended.saturating_add_millis(-1);
        assert_eq!(SetRecord::of_job(&job, early, SetStatus::Failed, 1), None);
        assert_eq!(
            SetRecord::of_job(&job, ended, SetStatus::Success, 1 << 32),
            None
        );
        let other_set = ActiveJob {
            backup_id: BackupId(whole.backup_id.0 + 1),
            ..job
        };
        assert_eq!(
            SetRecord::of_job(&other_set, ended, SetStatus::Success, 1),
            None
        );
        let below = ActiveJob {
            id: BackupJobId(FIRST_JOB_ID - 1),
            ..job
        };
        assert_eq!(
            SetRecord::of_job(&below, ended, SetStatus::Success, 1),
            None
        );
    }

    /// Odd records are found by their rank among the odd ones, from either end.
    #[test]
    fn history_reads_odd_records_in_place_from_both_ends() {
        let records = [
            record(1, false),
            record(2, true),
            record(3, false),
            record(4, true),
        ];
        let mut compact = Vec::new();
        let mut odd = Vec::new();
        for r in &records {
            let (c, is_odd) = SetRecord::encode(r);
            compact.push(c);
            if is_odd {
                odd.push(r.clone());
            }
        }
        assert_eq!(odd.len(), 2);
        let history = History::new(&compact, &odd);
        assert_eq!((history.len(), history.is_empty()), (4, false));
        assert!(History::new(&[], &[]).is_empty());
        assert_eq!(history.iter().collect::<Vec<_>>(), records);
        assert_eq!(format!("{history:?}"), format!("{records:?}"));
        let mut backwards: Vec<JobRecord> = history.iter().rev().collect();
        backwards.reverse();
        assert_eq!(backwards, records);
        for (index, r) in records.iter().enumerate() {
            assert_eq!(history.get(index).as_ref(), Some(r));
        }
        assert_eq!(history.get(4), None);
        assert_eq!(history.first().as_ref(), records.first());
        assert_eq!(history.last().as_ref(), records.last());
        let mut both = history.iter();
        assert_eq!(both.next().as_ref(), Some(&records[0]));
        assert_eq!(both.next_back().as_ref(), Some(&records[3]));
        assert_eq!(both.len(), 2);
        assert_eq!(both.next_back().as_ref(), Some(&records[2]));
        assert_eq!(both.next().as_ref(), Some(&records[1]));
        assert_eq!(both.next(), None);
    }
}
