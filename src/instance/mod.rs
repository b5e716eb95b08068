//! Instances: what they are (create-backup.md section 1) and their backup state.
//!
//! `mod.rs` holds the entity and its getters; `wire.rs` the state's JSON shape of an
//! instance; `spec.rs` what `Sim.CreateInstance` and `Sim.ModifyInstance` give, and its
//! validation.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::ids::InstanceId;
use crate::job::ActiveJob;
use crate::policy::{BackupPolicy, RetentionDays};
use crate::quota::QuotaLedger;
use crate::time::{MaybeTimestamp, Timestamp};
use crate::vocab::{
    Category, DbStatus, Engine, InstanceKind, InstanceStatus, LockMode, StorageType,
};

mod backup_state;
mod history;
mod profile;
mod spec;
mod wire;

pub(crate) use backup_state::{BackupState, Backups};
pub(crate) use history::SetRecord;
pub use history::{History, HistoryIter};
pub(crate) use profile::{Profile, ProfilePool, SharedProfile};

pub(crate) use spec::{compact_tags, validate_databases, validate_duration, validate_tags};
pub use spec::{InstanceChanges, InstanceSpec, InvalidField};
use wire::InstanceWire;

/// The default `AccountId` of instances and of the root identity.
pub const DEFAULT_ACCOUNT_ID: &str = "1000000000000001";
/// The default `RegionId`.
pub const DEFAULT_REGION_ID: &str = "cn-hangzhou";

/// A database on an instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Database {
    /// `DBName`.
    #[serde(rename = "DBName")]
    pub name: CompactString,
    /// `DBStatus`.
    #[serde(rename = "DBStatus")]
    pub status: DbStatus,
}

impl Database {
    /// A `Running` database.
    pub fn running(name: &str) -> Database {
        Database {
            name: CompactString::new(name),
            status: DbStatus::Running,
        }
    }
}

/// Section 1's naming rule for databases on an instance: 2–64 characters of
/// `[a-z0-9_-]`, starting with a letter and ending with a letter or digit.
pub fn is_valid_database_name(name: &str) -> bool {
    let b = name.as_bytes();
    (2..=64).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// An instance and its backup state. Read it with the getters; change it only through
/// [`crate::Simulation`]'s transitions, which keep its invariants.
///
/// Laid out for the backup rules: one 64-byte line holds what settling and `CreateBackup`
/// read of every instance (the id, the closed-set fields, the next automatic start) and
/// two pointers: to its profile (databases, policy, duration and the descriptive fields,
/// shared by the instances configured alike) and to its backup state (the active job, the
/// history, the quota ledger), absent until its first job (docs/architecture.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "InstanceWire", into = "InstanceWire")]
// One whole cache line (`layout_is_one_line`).
#[repr(C, align(64))]
pub struct Instance {
    pub(crate) id: InstanceId,
    pub(crate) engine: Engine,
    pub(crate) storage: StorageType,
    pub(crate) kind: InstanceKind,
    pub(crate) status: InstanceStatus,
    pub(crate) lock: LockMode,
    pub(crate) category: Category,
    /// `BackupRetentionPeriod`: how long automatic sets are kept (T-6).
    pub(crate) retention: RetentionDays,
    /// The next automatic start (T-5), kept with the policy.
    pub(crate) next_auto_start: MaybeTimestamp,
    /// `CreateTime`: the simulation time of its `Sim.CreateInstance`.
    pub(crate) created: Timestamp,
    /// The databases, the policy, the duration and the descriptive fields; shared with
    /// the instances configured alike (interned by `InstanceMap`).
    pub(crate) profile: SharedProfile,
    /// The active job, the history, the quota ledger and the SQL Server marks.
    pub(crate) backup: Backups,
}

/// Where the last successful full backup of an instance started, and what it held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FullBackupMark {
    /// Its `BackupStartTime`.
    pub started: Timestamp,
    /// The database names on the instance when it started.
    pub databases: Vec<CompactString>,
}

impl Instance {
    /// Reads this instance's backup state line (what settling and `CreateBackup` read
    /// there: the active job, the oldest record's end), discarding it: the batch API's way
    /// to have those misses overlap for a run of requests.
    #[inline(always)]
    pub(crate) fn warm_backup_state(&self) {
        let state = self.backup.get();
        std::hint::black_box((
            state.active_job.as_ref().map(|j| j.started),
            state.oldest_ended(),
        ));
    }

    /// Reads the heap block the backup state points to where an acceptance reads and
    /// writes it (the newest history record), discarding it: the batch API's last warming
    /// pass. (The quota's summary is in the backup state's own line.)
    #[inline(always)]
    pub(crate) fn warm_backup_blocks(&self) {
        let state = self.backup.get();
        std::hint::black_box(state.records().last().map(|r| r.ended()));
    }

    /// `DBInstanceId`.
    pub fn id(&self) -> &InstanceId {
        &self.id
    }
    /// `Engine`.
    pub fn engine(&self) -> Engine {
        self.engine
    }
    /// `EngineVersion`.
    pub fn engine_version(&self) -> &str {
        match self.profile.engine_version.as_deref() {
            Some(version) => version,
            None => self.engine.default_version(),
        }
    }
    /// `CreateTime`: the simulation time of its `Sim.CreateInstance`.
    pub fn create_time(&self) -> Timestamp {
        self.created
    }
    /// `DBInstanceStorageType`.
    pub fn storage(&self) -> StorageType {
        self.storage
    }
    /// `DBInstanceType`.
    pub fn kind(&self) -> InstanceKind {
        self.kind
    }
    /// `DBInstanceStatus`.
    pub fn status(&self) -> InstanceStatus {
        self.status
    }
    /// `LockMode`.
    pub fn lock(&self) -> LockMode {
        self.lock
    }
    /// `Category`.
    pub fn category(&self) -> Category {
        self.category
    }
    /// `RegionId`.
    pub fn region(&self) -> &str {
        &self.profile.region
    }
    /// `AccountId` of the owner.
    pub fn account_id(&self) -> &str {
        &self.profile.account_id
    }
    /// `Tags`, in the order given.
    pub fn tags(&self) -> &[(CompactString, CompactString)] {
        &self.profile.tags
    }
    /// The databases.
    pub fn databases(&self) -> &[Database] {
        &self.profile.databases
    }
    /// The backup policy, if any.
    pub fn policy(&self) -> Option<&BackupPolicy> {
        self.profile.policy.as_ref()
    }
    /// `BackupDurationSeconds` of this instance; `None` uses the simulation's default.
    pub fn backup_duration_seconds(&self) -> Option<u32> {
        self.profile.backup_duration_seconds
    }
    /// `BackupRetentionPeriod`: how long automatic sets are kept (T-6).
    pub fn retention(&self) -> RetentionDays {
        self.retention
    }
    /// The next automatic start, if a policy is set.
    pub fn next_auto_start(&self) -> Option<Timestamp> {
        self.next_auto_start.get()
    }
    /// The job that has not ended, as of the last time the instance was settled.
    #[inline(always)]
    pub fn active_job(&self) -> Option<&ActiveJob> {
        self.backup.get().active_job.as_ref()
    }
    /// Ended jobs with their sets, in the order they ended.
    #[inline(always)]
    pub fn history(&self) -> History<'_> {
        self.backup.get().history()
    }
    /// The acceptance times of its manual backups, the 24 hours up to the newest (read
    /// from its jobs: the check itself reads a summary, `quota.rs`).
    pub fn quota(&self) -> QuotaLedger {
        self.backup.get().quota_ledger()
    }
    /// CB-A3: the last successful full backup (SQL Server), if any.
    pub(crate) fn last_full(&self) -> Option<&FullBackupMark> {
        self.backup.get().last_full()
    }
    /// Whether the last ended job failed (CB-A3).
    pub fn last_job_failed(&self) -> bool {
        self.backup
            .get()
            .records()
            .last()
            .is_some_and(|r| r.failed())
    }
    /// Whether a database of this name is `Running` (CB-12, CB-15).
    pub fn has_running_database(&self, name: &str) -> bool {
        self.databases()
            .iter()
            .any(|d| d.name == name && d.status == DbStatus::Running)
    }
    /// Whether an automatic job may start now (T-5) or a manual one passes CB-7 to CB-10.
    pub fn can_back_up(&self) -> bool {
        !matches!(self.kind, InstanceKind::Readonly | InstanceKind::Temp)
            && self.status == InstanceStatus::Running
            && self.lock == LockMode::Unlock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One whole cache line, and the backup state 64 bytes more: a change that grows
    /// either fails here, not only in a benchmark.
    #[test]
    fn layout_is_one_line() {
        use std::mem::{align_of, size_of};
        assert_eq!((size_of::<Instance>(), align_of::<Instance>()), (64, 64));
        assert_eq!(
            (size_of::<BackupState>(), align_of::<BackupState>()),
            (64, 8)
        );
        assert_eq!(size_of::<MaybeTimestamp>(), 8);
    }

    #[test]
    fn section1_database_naming_rule() {
        assert!(is_valid_database_name("sales-eu"));
        assert!(is_valid_database_name("db1"));
        assert!(!is_valid_database_name("d"));
        assert!(!is_valid_database_name("1db"));
        assert!(!is_valid_database_name("db_"));
        assert!(!is_valid_database_name("Db1"));
        assert!(is_valid_database_name(&"a".repeat(64)));
        assert!(!is_valid_database_name(&"a".repeat(65)));
    }

    /// T-6: the retention is part of the state's JSON (`BackupRetentionPeriod`, days); a
    /// state written before it existed reads as 7 days; a value outside 7–730 is refused.
    #[test]
    fn t6_retention_in_the_state_json() {
        let now = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        let mut spec = InstanceSpec::new(InstanceId::new("rm-1").unwrap(), Engine::MySql);
        spec.retention = RetentionDays::new(30).unwrap();
        let instance = spec.build(now).unwrap();
        let json = serde_json::to_value(&instance).unwrap();
        assert_eq!(json["BackupRetentionPeriod"], 30);
        let back: Instance = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, instance);
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("BackupRetentionPeriod");
        let old: Instance = serde_json::from_value(old).unwrap();
        assert_eq!(old.retention(), RetentionDays::DEFAULT);
        let mut bad = json;
        bad["BackupRetentionPeriod"] = 6.into();
        let refused = serde_json::from_value::<Instance>(bad).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "a retention of 6 days is not from 7 to 730"
        );
    }
}
