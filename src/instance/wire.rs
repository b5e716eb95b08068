//! The state's JSON shape of an instance (docs/emulator.md): one wire struct, so that the
//! shape does not follow the in-memory layout.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::{BackupState, Backups, Database, FullBackupMark, Instance, Profile, SharedProfile};
use crate::ids::InstanceId;
use crate::job::{ActiveJob, JobRecord};
use crate::policy::{BackupPolicy, RetentionDays};
use crate::quota::QuotaLedger;
use crate::time::Timestamp;
use crate::vocab::{Category, Engine, InstanceKind, InstanceStatus, LockMode, StorageType};

/// The serialized form of an [`Instance`] (the state's JSON shape, docs/emulator.md).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct InstanceWire {
    id: InstanceId,
    engine: Engine,
    engine_version: CompactString,
    storage: StorageType,
    kind: InstanceKind,
    status: InstanceStatus,
    lock: LockMode,
    category: Category,
    /// Absent in states written before it existed: read as the default start.
    #[serde(default = "default_created")]
    create_time: Timestamp,
    region: CompactString,
    account_id: CompactString,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<(CompactString, CompactString)>,
    databases: Vec<Database>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_duration_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<BackupPolicy>,
    /// T-6; absent in states written before retention existed.
    #[serde(default)]
    backup_retention_period: RetentionDays,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_auto_start: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    active_job: Option<ActiveJob>,
    /// For an active SQL Server full backup: the database names when it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    active_job_databases: Option<Vec<CompactString>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    history: Vec<JobRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_full: Option<FullBackupMark>,
    #[serde(default)]
    quota: QuotaLedger,
}

impl From<Instance> for InstanceWire {
    fn from(i: Instance) -> InstanceWire {
        let engine_version = CompactString::new(i.engine_version());
        let p = (*i.profile).clone();
        let b = i.backup.get();
        InstanceWire {
            id: i.id,
            engine: i.engine,
            engine_version,
            storage: i.storage,
            kind: i.kind,
            status: i.status,
            lock: i.lock,
            category: i.category,
            create_time: i.created,
            region: p.region,
            account_id: p.account_id,
            tags: p.tags,
            databases: p.databases,
            backup_duration_seconds: p.backup_duration_seconds,
            policy: p.policy,
            backup_retention_period: i.retention,
            next_auto_start: i.next_auto_start.get(),
            active_job: b.active_job,
            active_job_databases: b.job_databases().cloned(),
            history: b.history().iter().collect(),
            last_full: b.last_full().cloned(),
            quota: b.quota_ledger(),
        }
    }
}

impl From<InstanceWire> for Instance {
    fn from(w: InstanceWire) -> Instance {
        let backup = BackupState::from_parts(
            w.active_job,
            w.history,
            w.quota,
            w.last_full,
            w.active_job_databases,
        );
        let profile = Profile {
            databases: w.databases,
            policy: w.policy,
            backup_duration_seconds: w.backup_duration_seconds,
            engine_version: (w.engine_version != w.engine.default_version())
                .then_some(w.engine_version),
            region: w.region,
            account_id: w.account_id,
            tags: w.tags,
        };
        Instance {
            id: w.id,
            engine: w.engine,
            storage: w.storage,
            kind: w.kind,
            status: w.status,
            lock: w.lock,
            category: w.category,
            created: w.create_time,
            retention: w.backup_retention_period,
            next_auto_start: crate::time::MaybeTimestamp::new(w.next_auto_start),
            profile: SharedProfile::new(profile),
            backup: Backups::new(backup),
        }
    }
}

/// The `CreateTime` of an instance in a state written before instances kept it.
fn default_created() -> Timestamp {
    crate::simulation::DEFAULT_START
}
