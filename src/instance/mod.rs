//! Instances: what they are (create-backup.md section 1) and their backup state.
//!
//! `mod.rs` holds the entity and its getters; `wire.rs` the state's JSON shape of an
//! instance; `spec.rs` what `Sim.CreateInstance` and `Sim.ModifyInstance` give, and its
//! validation.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;

use crate::ids::InstanceId;
use crate::job::{ActiveJob, JobRecord};
use crate::policy::{BackupPolicy, RetentionDays};
use crate::quota::QuotaLedger;
use crate::time::{MaybeTimestamp, Timestamp};
use crate::vocab::{
    Category, DbStatus, Engine, InstanceKind, InstanceStatus, LockMode, StorageType,
};

mod databases;
mod spec;
mod wire;

pub(crate) use databases::{DatabaseList, DatabasePool};

pub(crate) use spec::{validate_databases, validate_duration, validate_tags};
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
/// Laid out for the backup rules: what `CreateBackup` and settling read on every call
/// (the id, the closed-set fields, the active job, the policy, the quota ledger, the
/// history) sits in the struct; the descriptive fields the rules never read (engine
/// version, region, account, tags) and the rarely read SQL Server marks sit behind one
/// pointer, absent while they hold their defaults (docs/architecture.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "InstanceWire", into = "InstanceWire")]
// In this order, 128 bytes on two whole cache lines: the first holds what a refused
// `CreateBackup` decides on (the id, the closed-set fields, the active job), the second
// what settling and an acceptance add (settling reads the next automatic start there on
// every call; aligned to 128, the two lines are one aligned 128-byte pair, which many
// processors fetch together), then the descriptive rest (`layout_is_two_lines`).
#[repr(C, align(128))]
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
    pub(crate) active_job: Option<ActiveJob>,
    /// The next automatic start (T-5), kept with the policy.
    pub(crate) next_auto_start: MaybeTimestamp,
    /// Ended jobs and their sets, in the order they ended.
    pub(crate) history: ThinVec<JobRecord>,
    pub(crate) quota: QuotaLedger,
    pub(crate) policy: Option<BackupPolicy>,
    /// `BackupDurationSeconds` of this instance; `None` uses the simulation's default.
    pub(crate) backup_duration_seconds: Option<u32>,
    /// `CreateTime`: the simulation time of its `Sim.CreateInstance`.
    pub(crate) created: Timestamp,
    /// Shared with the instances that hold the same list (interned by `InstanceMap`).
    pub(crate) databases: DatabaseList,
    /// Everything else; `None` while every field of it has its default.
    pub(crate) details: Option<Box<InstanceDetails>>,
}

/// The fields of an instance that the backup rules read rarely or never.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InstanceDetails {
    /// `None`: the engine's default version.
    engine_version: Option<CompactString>,
    region: CompactString,
    account_id: CompactString,
    tags: Vec<(CompactString, CompactString)>,
    /// CB-A3: the start and databases of the last successful full backup (SQL Server).
    last_full: Option<FullBackupMark>,
    /// For an active SQL Server full backup: the database names when it started.
    job_databases: Option<Vec<CompactString>>,
}

impl InstanceDetails {
    /// Whether every field holds its default.
    fn is_default(&self) -> bool {
        self.engine_version.is_none()
            && self.region == DEFAULT_REGION_ID
            && self.account_id == DEFAULT_ACCOUNT_ID
            && self.tags.is_empty()
            && self.last_full.is_none()
            && self.job_databases.is_none()
    }
}

impl Default for InstanceDetails {
    fn default() -> Self {
        InstanceDetails {
            engine_version: None,
            region: CompactString::const_new(DEFAULT_REGION_ID),
            account_id: CompactString::const_new(DEFAULT_ACCOUNT_ID),
            tags: Vec::new(),
            last_full: None,
            job_databases: None,
        }
    }
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
    /// Reads what settling and `CreateBackup` read of this instance beyond its own struct
    /// (the newest and oldest history records, the oldest quota time), discarding it: the
    /// batch API's way to have those misses overlap for a run of requests.
    #[inline(always)]
    pub(crate) fn warm_backup_state(&self) {
        std::hint::black_box((
            self.history.first().map(|r| r.ended),
            self.history.last().map(|r| r.ended),
            self.quota.oldest_stored(),
        ));
    }

    /// Reads the fields of this instance that settling and `CreateBackup` read, on every
    /// cache line they lie on, discarding them (the batch API's first touch).
    #[inline(always)]
    pub(crate) fn warm_fields(&self) {
        std::hint::black_box((
            self.active_job.as_ref().map(|j| j.started),
            self.next_auto_start.get(),
            self.status,
            self.retention,
            self.backup_duration_seconds,
        ));
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
        match self
            .details
            .as_deref()
            .and_then(|d| d.engine_version.as_deref())
        {
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
        self.details
            .as_deref()
            .map_or(DEFAULT_REGION_ID, |d| &d.region)
    }
    /// `AccountId` of the owner.
    pub fn account_id(&self) -> &str {
        self.details
            .as_deref()
            .map_or(DEFAULT_ACCOUNT_ID, |d| &d.account_id)
    }
    /// `Tags`, in the order given.
    pub fn tags(&self) -> &[(CompactString, CompactString)] {
        self.details.as_deref().map_or(&[], |d| &d.tags)
    }
    /// The databases.
    pub fn databases(&self) -> &[Database] {
        &self.databases
    }
    /// The backup policy, if any.
    pub fn policy(&self) -> Option<&BackupPolicy> {
        self.policy.as_ref()
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
    pub fn active_job(&self) -> Option<&ActiveJob> {
        self.active_job.as_ref()
    }
    /// Ended jobs with their sets, in the order they ended.
    pub fn history(&self) -> &[JobRecord] {
        &self.history
    }
    /// The quota ledger.
    pub fn quota(&self) -> &QuotaLedger {
        &self.quota
    }
    /// CB-A3: the last successful full backup (SQL Server), if any.
    pub(crate) fn last_full(&self) -> Option<&FullBackupMark> {
        self.details.as_deref().and_then(|d| d.last_full.as_ref())
    }
    /// The details, created with their defaults if absent.
    pub(crate) fn details_mut(&mut self) -> &mut InstanceDetails {
        self.details.get_or_insert_with(Default::default)
    }
    /// Sets `Tags`.
    pub(crate) fn set_tags(&mut self, tags: Vec<(String, String)>) {
        let tags: Vec<_> = tags
            .into_iter()
            .map(|(k, v)| (CompactString::new(k), CompactString::new(v)))
            .collect();
        if !tags.is_empty() || self.details.is_some() {
            self.details_mut().tags = tags;
            self.tidy_details();
        }
    }
    /// Records the database names at the start of a SQL Server full backup (CB-A3).
    #[inline]
    pub(crate) fn set_job_databases(&mut self, names: Option<Vec<CompactString>>) {
        if names.is_some() || self.details.is_some() {
            self.details_mut().job_databases = names;
            self.tidy_details();
        }
    }
    /// Takes the database names recorded at the start of the active job.
    #[inline]
    pub(crate) fn take_job_databases(&mut self) -> Option<Vec<CompactString>> {
        let names = self.details.as_deref_mut()?.job_databases.take()?;
        self.tidy_details();
        Some(names)
    }
    /// Drops the details when every field holds its default, so that equal instances
    /// compare equal whatever their past (and as they deserialize).
    fn tidy_details(&mut self) {
        if self
            .details
            .as_deref()
            .is_some_and(InstanceDetails::is_default)
        {
            self.details = None;
        }
    }
    /// Sets the last successful full backup (CB-A3).
    pub(crate) fn set_last_full(&mut self, mark: FullBackupMark) {
        self.details_mut().last_full = Some(mark);
    }
    /// Whether the last ended job failed (CB-A3).
    pub fn last_job_failed(&self) -> bool {
        self.history
            .last()
            .is_some_and(|r| r.outcome == crate::vocab::SetStatus::Failed)
    }
    /// Whether a database of this name is `Running` (CB-12, CB-15).
    pub fn has_running_database(&self, name: &str) -> bool {
        self.databases
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

    /// Two whole cache lines, the first holding the id, the closed-set fields and the
    /// active job (what a refusal reads): a change that grows the instance or moves a hot
    /// field past the first line fails here, not only in a benchmark.
    #[test]
    fn layout_is_two_lines() {
        use std::mem::{align_of, offset_of, size_of};
        assert_eq!((size_of::<Instance>(), align_of::<Instance>()), (128, 128));
        assert_eq!(offset_of!(Instance, id), 0);
        assert!(offset_of!(Instance, active_job) + size_of::<Option<ActiveJob>>() <= 64);
        assert!(offset_of!(Instance, retention) < 64);
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
