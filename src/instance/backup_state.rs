//! What an instance's backups left ([`BackupState`]): the active job, the ended jobs and
//! their sets, the quota ledger and CB-A3's SQL Server marks, behind one pointer
//! ([`Backups`]) that stays empty until the instance's first job. A fresh instance is one
//! 64-byte line; the backup state is 64 bytes more, read by every call that settles or
//! decides on an instance that has backed up (docs/architecture.md, docs/performance.md:
//! a one-line instance).

use std::ops::{Deref, DerefMut};

use compact_str::CompactString;
use thin_vec::ThinVec;

use super::FullBackupMark;
use crate::job::{ActiveJob, JobRecord};
use crate::quota::QuotaLedger;
use crate::time::{MaybeTimestamp, Timestamp};

/// What an instance's backups left, in 64 bytes: the active job and the oldest record's
/// end (T-6's check on every call) first. Not aligned to 64: an allocator with 64-byte
/// size classes (mimalloc, the program's) places it on one line anyway, and glibc's
/// aligned allocation cost an acceptance at 1e6 a fifth more in the first round that
/// allocates it (docs/performance.md, issue 12, sixth pass).
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct BackupState {
    /// The job that has not ended, as of the last settle.
    pub(crate) active_job: Option<ActiveJob>,
    /// The `ended` of the first record of `history`, kept with it by [`HistoryMut`].
    oldest_ended: MaybeTimestamp,
    /// Ended jobs and their sets, in the order they ended.
    history: ThinVec<JobRecord>,
    /// The times of the accepted manual backups (CB-17).
    pub(crate) quota: QuotaLedger,
    /// CB-A3's SQL Server marks; `None` while both are absent.
    marks: Option<Box<SqlServerMarks>>,
}

/// What CB-A3 remembers of an instance's SQL Server full backups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SqlServerMarks {
    /// The start and databases of the last successful full backup.
    last_full: Option<FullBackupMark>,
    /// For an active full backup: the database names when it started.
    job_databases: Option<Vec<CompactString>>,
}

/// The state of an instance that never backed up.
static NONE_YET: BackupState = BackupState::EMPTY;

impl BackupState {
    /// No job, no history, no quota use, no marks.
    pub(crate) const EMPTY: BackupState = BackupState {
        active_job: None,
        oldest_ended: MaybeTimestamp::NONE,
        history: ThinVec::new(),
        quota: QuotaLedger::EMPTY,
        marks: None,
    };

    /// The state with these parts (the state's JSON).
    pub(crate) fn from_parts(
        active_job: Option<ActiveJob>,
        history: ThinVec<JobRecord>,
        quota: QuotaLedger,
        last_full: Option<FullBackupMark>,
        job_databases: Option<Vec<CompactString>>,
    ) -> BackupState {
        let marks = (last_full.is_some() || job_databases.is_some()).then(|| {
            Box::new(SqlServerMarks {
                last_full,
                job_databases,
            })
        });
        BackupState {
            active_job,
            oldest_ended: MaybeTimestamp::new(history.first().map(|r| r.ended)),
            history,
            quota,
            marks,
        }
    }

    /// Ended jobs and their sets, in the order they ended.
    #[inline(always)]
    pub(crate) fn history(&self) -> &[JobRecord] {
        &self.history
    }

    /// The history, to change it; the oldest record's end is brought up to date when the
    /// guard drops.
    #[inline(always)]
    pub(crate) fn history_mut(&mut self) -> HistoryMut<'_> {
        HistoryMut(self)
    }

    /// Appends the record of a job that just ended (the last to end, so the oldest
    /// record's end changes only when there was none).
    #[inline(always)]
    pub(crate) fn push_record(&mut self, record: JobRecord) {
        if self.history.is_empty() {
            self.oldest_ended = MaybeTimestamp::new(Some(record.ended));
            // A first set: room for one (a `Vec` would reserve four, 224 bytes).
            self.history.reserve_exact(1);
        }
        self.history.push(record);
    }

    /// When the oldest ended job ended (T-6's check), if any.
    #[inline(always)]
    pub(crate) fn oldest_ended(&self) -> Option<Timestamp> {
        self.oldest_ended.get()
    }

    /// T-6's check: whether the oldest record's retention of `keep_millis` ran out by
    /// `now` (if it did not, no record's did: jobs end one after another).
    #[inline(always)]
    pub(crate) fn oldest_expired(&self, keep_millis: i64, now: Timestamp) -> bool {
        self.oldest_ended()
            .is_some_and(|ended| ended.saturating_add_millis(keep_millis) <= now)
    }

    /// CB-A3: the last successful full backup (SQL Server), if any.
    pub(crate) fn last_full(&self) -> Option<&FullBackupMark> {
        self.marks.as_deref()?.last_full.as_ref()
    }

    /// For an active SQL Server full backup: the database names when it started.
    pub(crate) fn job_databases(&self) -> Option<&Vec<CompactString>> {
        self.marks.as_deref()?.job_databases.as_ref()
    }

    /// Records the database names at the start of a SQL Server full backup (CB-A3).
    /// Inlined for its usual case: no names, and no marks to clear.
    #[inline(always)]
    pub(crate) fn set_job_databases(&mut self, names: Option<Vec<CompactString>>) {
        if names.is_some() || self.marks.is_some() {
            self.marks.get_or_insert_default().job_databases = names;
            self.tidy_marks();
        }
    }

    /// Takes the database names recorded at the start of the active job.
    #[inline(always)]
    pub(crate) fn take_job_databases(&mut self) -> Option<Vec<CompactString>> {
        let names = self.marks.as_deref_mut()?.job_databases.take()?;
        self.tidy_marks();
        Some(names)
    }

    /// Sets the last successful full backup (CB-A3).
    pub(crate) fn set_last_full(&mut self, mark: FullBackupMark) {
        self.marks.get_or_insert_default().last_full = Some(mark);
    }

    /// Drops the marks when both are absent, so that equal states compare equal whatever
    /// their past (and as they deserialize).
    fn tidy_marks(&mut self) {
        if self
            .marks
            .as_deref()
            .is_some_and(|m| m.last_full.is_none() && m.job_databases.is_none())
        {
            self.marks = None;
        }
    }
}

/// The history of a [`BackupState`], borrowed to change it. Dropping it records the oldest
/// record's end, so that no change can leave T-6's check reading a stale one.
pub(crate) struct HistoryMut<'a>(&'a mut BackupState);

impl Deref for HistoryMut<'_> {
    type Target = ThinVec<JobRecord>;

    #[inline(always)]
    fn deref(&self) -> &ThinVec<JobRecord> {
        &self.0.history
    }
}

impl DerefMut for HistoryMut<'_> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut ThinVec<JobRecord> {
        &mut self.0.history
    }
}

impl Drop for HistoryMut<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.oldest_ended = MaybeTimestamp::new(self.0.history.first().map(|r| r.ended));
    }
}

/// An instance's [`BackupState`], allocated at its first job. Equality is by value: an
/// instance that never backed up equals one whose state is empty again.
#[derive(Clone, Debug, Default)]
pub(crate) struct Backups(Option<Box<BackupState>>);

impl Backups {
    /// Holds `state`, nothing while it is empty.
    pub(crate) fn new(state: BackupState) -> Backups {
        Backups((state != BackupState::EMPTY).then(|| Box::new(state)))
    }

    /// The state; the empty one before the first job.
    #[inline(always)]
    pub(crate) fn get(&self) -> &BackupState {
        self.0.as_deref().unwrap_or(&NONE_YET)
    }

    /// The state, to change it; allocated if absent.
    #[inline(always)]
    pub(crate) fn get_mut(&mut self) -> &mut BackupState {
        self.0.get_or_insert_with(first_state)
    }

    /// The state, to change it, if the instance ever had a job.
    #[inline(always)]
    pub(crate) fn existing_mut(&mut self) -> Option<&mut BackupState> {
        self.0.as_deref_mut()
    }

    /// Whether the state is allocated.
    #[cfg(test)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.0.is_some()
    }
}

/// The state allocated at an instance's first job; kept out of line, so that the callers'
/// usual case (the state exists) stays short.
#[cold]
#[inline(never)]
fn first_state() -> Box<BackupState> {
    Box::new(BackupState::EMPTY)
}

impl PartialEq for Backups {
    fn eq(&self, other: &Backups) -> bool {
        self.get() == other.get()
    }
}

impl Eq for Backups {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BackupId, BackupJobId};
    use crate::vocab::{BackupMethod, BackupMode, BackupType, SetStatus};

    fn record(id: u64, ended: i64) -> JobRecord {
        JobRecord {
            id: BackupJobId(id),
            backup_id: BackupId(id),
            mode: BackupMode::Automated,
            method: BackupMethod::Physical,
            backup_type: BackupType::FullBackup,
            started: Timestamp::from_millis(ended - 1000).expect("in range"),
            ended: Timestamp::from_millis(ended).expect("in range"),
            duration_seconds: 1,
            outcome: SetStatus::Success,
            size: 1,
            set_deleted: false,
        }
    }

    /// T-6 reads the oldest record's end from the state's own line: every change through
    /// `history_mut` keeps it, and building from parts sets it.
    #[test]
    fn t6_the_oldest_end_follows_every_change_of_the_history() {
        let at = |millis| Some(Timestamp::from_millis(millis).expect("in range"));
        let mut state = BackupState::EMPTY;
        assert_eq!(state.oldest_ended(), None);
        state.history_mut().push(record(1, 10_000));
        assert_eq!(state.oldest_ended(), at(10_000));
        state.history_mut().push(record(2, 20_000));
        assert_eq!(state.oldest_ended(), at(10_000));
        state.history_mut().remove(0);
        assert_eq!(state.oldest_ended(), at(20_000));
        state.history_mut().clear();
        assert_eq!(state.oldest_ended(), None);
        let built = BackupState::from_parts(
            None,
            [record(3, 30_000), record(4, 40_000)].into_iter().collect(),
            QuotaLedger::EMPTY,
            None,
            None,
        );
        assert_eq!(built.oldest_ended(), at(30_000));
        assert!(built.marks.is_none());
    }

    /// No allocation until there is something to keep; equality by value, so a state that
    /// is empty again equals none at all.
    #[test]
    fn an_empty_state_is_not_allocated_and_equals_none() {
        assert!(!Backups::new(BackupState::EMPTY).is_allocated());
        let mut backups = Backups::default();
        assert_eq!(backups.get(), &BackupState::EMPTY);
        assert!(backups.existing_mut().is_none());
        backups.get_mut().history_mut().push(record(1, 10_000));
        assert!(backups.is_allocated());
        assert_ne!(backups, Backups::default());
        backups.get_mut().history_mut().clear();
        assert!(backups.is_allocated());
        assert_eq!(backups, Backups::default());
    }

    /// The SQL Server marks: taken names leave nothing behind; a last full stays.
    #[test]
    fn cb_a3_marks_are_kept_and_tidied() {
        let mut state = BackupState::EMPTY;
        state.set_job_databases(None);
        assert!(state.marks.is_none());
        state.set_job_databases(Some(vec![CompactString::new("app")]));
        assert_eq!(
            state.job_databases(),
            Some(&vec![CompactString::new("app")])
        );
        let names = state.take_job_databases();
        assert_eq!(names, Some(vec![CompactString::new("app")]));
        assert!(state.marks.is_none());
        let mark = FullBackupMark {
            started: Timestamp::MIN,
            databases: vec![CompactString::new("app")],
        };
        state.set_last_full(mark.clone());
        assert_eq!(state.last_full(), Some(&mark));
        assert_eq!(state.take_job_databases(), None);
        assert_eq!(state.last_full(), Some(&mark));
        // From the state's JSON: either mark alone is kept.
        let names = vec![CompactString::new("app")];
        let parts = |last_full, job_databases| {
            BackupState::from_parts(
                None,
                ThinVec::new(),
                QuotaLedger::EMPTY,
                last_full,
                job_databases,
            )
        };
        assert_eq!(parts(Some(mark.clone()), None).last_full(), Some(&mark));
        assert_eq!(
            parts(None, Some(names.clone())).job_databases(),
            Some(&names)
        );
        assert_eq!(parts(Some(mark), None), state);
    }
}
