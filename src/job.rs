//! Backup jobs and the sets they leave (rules T-2, T-3, CB-A1).
//!
//! A job is an [`ActiveJob`] from its acceptance until it ends; then it becomes a
//! [`JobRecord`], which is also its backup set (what `DescribeBackups` lists) until the set
//! is deleted. Only the `Finished` boundary is contractual (T-2); the phases in between
//! share the duration as [`ActiveJob::status_at`] documents.

use serde::{Deserialize, Serialize};

use crate::ids::{BackupId, BackupJobId};
use crate::time::{Timestamp, MILLIS_PER_SECOND};
use crate::vocab::{BackupMethod, BackupMode, BackupType, JobStatus, SetStatus};

/// A job that has not ended: it blocks `CreateBackup` (CB-16) until `started + duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActiveJob {
    /// `BackupJobId`.
    pub id: BackupJobId,
    /// The `BackupId` its set will carry, reserved at acceptance.
    pub backup_id: BackupId,
    /// `JobMode`.
    pub mode: BackupMode,
    /// The method recorded on the set (after CB-11's "recorded as `Snapshot`").
    pub method: BackupMethod,
    /// The resolved type (CB-A3).
    pub backup_type: BackupType,
    /// When it was accepted or started automatically.
    pub started: Timestamp,
    /// How long it takes, in seconds (> 0).
    pub duration_seconds: u32,
    /// It will end `Failed` at its end time (an injected `JobFails` fault fired when it
    /// started).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fails: bool,
}

impl ActiveJob {
    /// `started + duration`: at this instant the job is `Finished` (T-2).
    pub fn ends_at(&self) -> Timestamp {
        self.started
            .saturating_add_millis(i64::from(self.duration_seconds) * MILLIS_PER_SECOND)
    }

    /// The record it leaves when it ends at `ended` with `outcome` and a set of `size`
    /// bytes.
    pub fn record(&self, ended: Timestamp, outcome: SetStatus, size: u64) -> JobRecord {
        JobRecord {
            id: self.id,
            backup_id: self.backup_id,
            mode: self.mode,
            method: self.method,
            backup_type: self.backup_type,
            started: self.started,
            ended,
            duration_seconds: self.duration_seconds,
            outcome,
            size,
            set_deleted: false,
        }
    }

    /// Permille of the duration elapsed at `now`, in `0..=1000`.
    fn permille(&self, now: Timestamp) -> i64 {
        let total = i64::from(self.duration_seconds) * MILLIS_PER_SECOND;
        let elapsed = (now.as_millis() - self.started.as_millis()).clamp(0, total);
        elapsed * 1000 / total.max(1)
    }

    /// The phase at `now` (the job must not have ended): of the duration, the first 10 %
    /// is `NoStart`, then 10 % `Checking`, 20 % `Preparing`, 10 % `Waiting` and the last
    /// 50 % `Uploading`.
    pub fn status_at(&self, now: Timestamp) -> JobStatus {
        match self.permille(now) {
            0..=99 => JobStatus::NoStart,
            100..=199 => JobStatus::Checking,
            200..=399 => JobStatus::Preparing,
            400..=499 => JobStatus::Waiting,
            _ => JobStatus::Uploading,
        }
    }

    /// `Process`: the whole percent of the duration elapsed at `now`.
    pub fn process_at(&self, now: Timestamp) -> u8 {
        (self.permille(now) / 10) as u8
    }
}

/// An ended job, and the backup set it recorded (T-2, T-3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobRecord {
    /// `BackupJobId`.
    pub id: BackupJobId,
    /// `BackupId` of its set.
    pub backup_id: BackupId,
    /// `JobMode` / `BackupMode`.
    pub mode: BackupMode,
    /// `BackupMethod`.
    pub method: BackupMethod,
    /// `BackupType`.
    pub backup_type: BackupType,
    /// `BackupStartTime`.
    pub started: Timestamp,
    /// `BackupEndTime`.
    pub ended: Timestamp,
    /// The planned duration in seconds.
    pub duration_seconds: u32,
    /// `Success` (the job finished) or `Failed`.
    pub outcome: SetStatus,
    /// `BackupSize` in bytes.
    pub size: u64,
    /// Whether `DeleteBackup` removed the set (the job stays visible by id).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub set_deleted: bool,
}

impl JobRecord {
    /// `DescribeBackups`' order: newest `BackupStartTime` first, equal start times larger
    /// `BackupId` first.
    pub fn newest_first(a: &JobRecord, b: &JobRecord) -> std::cmp::Ordering {
        b.started
            .cmp(&a.started)
            .then(b.backup_id.cmp(&a.backup_id))
    }

    /// The job's final `BackupStatus`.
    pub fn job_status(&self) -> JobStatus {
        match self.outcome {
            SetStatus::Success => JobStatus::Finished,
            SetStatus::Failed => JobStatus::Failed,
        }
    }

    /// `Process` of the ended job: 100 when finished, the percent reached when failed.
    pub fn process(&self) -> u8 {
        match self.outcome {
            SetStatus::Success => 100,
            SetStatus::Failed => {
                let total = i64::from(self.duration_seconds) * MILLIS_PER_SECOND;
                let elapsed = (self.ended.as_millis() - self.started.as_millis()).clamp(0, total);
                (elapsed * 100 / total.max(1)) as u8
            }
        }
    }
}

/// A deterministic `BackupSize` for a set: a function of the seed, the id and the number of
/// databases, between 1 MiB and about 1 GiB.
pub fn backup_size(seed: u64, backup_id: BackupId, databases: usize) -> u64 {
    let noise = crate::ids::splitmix64(seed ^ backup_id.0.rotate_left(17)) % (256 << 20);
    (1 << 20) + noise + (databases as u64) * (16 << 20)
}

/// How many records at the front of `history` satisfy `pred`, for a `pred` that holds for
/// a prefix (jobs end in order, so "ended before" is such a predicate). A galloping search
/// from the front: the answer is nearly always 0 or a few records (what a request or a
/// day's forgetting has to drop), and then it costs one to three loads whose addresses do
/// not depend on each other, where a binary search over the whole history is a chain of
/// dependent loads on every request (docs/performance.md, issue 12: 27% of `simulate`).
#[inline]
pub(crate) fn leading<R>(history: &[R], pred: impl Fn(&R) -> bool) -> usize {
    // `history[..known]` satisfies `pred`; `history[..probe]` is the next guess.
    let mut known = 0;
    let mut probe = 1;
    while probe <= history.len() && pred(&history[probe - 1]) {
        known = probe;
        probe *= 2;
    }
    let end = probe.min(history.len());
    known + history[known..end].partition_point(pred)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(duration_seconds: u32) -> ActiveJob {
        ActiveJob {
            id: BackupJobId(1),
            backup_id: BackupId(2),
            mode: BackupMode::Manual,
            method: BackupMethod::Physical,
            backup_type: BackupType::FullBackup,
            started: Timestamp::parse_rfc3339("2026-04-01T08:00:00Z").unwrap(),
            duration_seconds,
            fails: false,
        }
    }

    #[test]
    fn t2_phases_walk_in_order_and_process_rises() {
        let j = job(600);
        let at = |s: i64| j.started.saturating_add_millis(s * 1000);
        assert_eq!(
            (j.status_at(at(0)), j.process_at(at(0))),
            (JobStatus::NoStart, 0)
        );
        assert_eq!(
            (j.status_at(at(60)), j.process_at(at(60))),
            (JobStatus::Checking, 10)
        );
        assert_eq!(j.status_at(at(120)), JobStatus::Preparing);
        assert_eq!(j.status_at(at(240)), JobStatus::Waiting);
        assert_eq!(j.status_at(at(300)), JobStatus::Uploading);
        assert_eq!(
            (j.status_at(at(599)), j.process_at(at(599))),
            (JobStatus::Uploading, 99)
        );
        assert_eq!(j.ends_at(), at(600));
    }

    #[test]
    fn leading_counts_the_prefix_for_every_length_and_cut() {
        let started = job(600).started;
        let record = |ended: i64| JobRecord {
            id: BackupJobId(1),
            backup_id: BackupId(2),
            mode: BackupMode::Manual,
            method: BackupMethod::Physical,
            backup_type: BackupType::FullBackup,
            started,
            ended: started.saturating_add_millis(ended),
            duration_seconds: 600,
            outcome: SetStatus::Success,
            size: 1,
            set_deleted: false,
        };
        for len in 0..40_i64 {
            let history: Vec<JobRecord> = (0..len).map(record).collect();
            for cut in 0..=len + 1 {
                let due = |r: &JobRecord| r.ended < started.saturating_add_millis(cut);
                assert_eq!(
                    leading(&history, due),
                    history.partition_point(due),
                    "len {len}, cut {cut}"
                );
            }
        }
    }
}
