//! What `Sim.CreateInstance` gives ([`InstanceSpec`]) and `Sim.ModifyInstance` changes
//! ([`InstanceChanges`]), and their validation ([`InvalidField`] names the field).

use compact_str::CompactString;

use super::{
    is_valid_database_name, Backups, Database, Instance, Profile, SharedProfile,
    DEFAULT_ACCOUNT_ID, DEFAULT_REGION_ID,
};
use crate::ids::InstanceId;
use crate::policy::{BackupPolicy, RetentionDays};
use crate::time::Timestamp;
use crate::vocab::{Category, Engine, InstanceKind, InstanceStatus, LockMode, StorageType};

/// Everything `Sim.CreateInstance` gives: the instance fields of section 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceSpec {
    /// `DBInstanceId`.
    pub id: InstanceId,
    /// `Engine`.
    pub engine: Engine,
    /// `EngineVersion`; `None` for the engine's default.
    pub engine_version: Option<String>,
    /// `DBInstanceStorageType`; `None` for the engine's default.
    pub storage: Option<StorageType>,
    /// `DBInstanceType`.
    pub kind: InstanceKind,
    /// `DBInstanceStatus`.
    pub status: InstanceStatus,
    /// `LockMode`.
    pub lock: LockMode,
    /// `Category`.
    pub category: Category,
    /// `RegionId`; `None` for `cn-hangzhou`.
    pub region: Option<String>,
    /// `AccountId`; `None` for the default account.
    pub account_id: Option<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// The databases.
    pub databases: Vec<Database>,
    /// `BackupDurationSeconds`; `None` for the simulation's default.
    pub backup_duration_seconds: Option<u32>,
    /// `BackupPolicy`.
    pub policy: Option<BackupPolicy>,
    /// `BackupRetentionPeriod` (T-6).
    pub retention: RetentionDays,
}

impl InstanceSpec {
    /// A `Running`, unlocked, primary, high-availability instance with the engine's
    /// defaults and no databases.
    pub fn new(id: InstanceId, engine: Engine) -> InstanceSpec {
        InstanceSpec {
            id,
            engine,
            engine_version: None,
            storage: None,
            kind: InstanceKind::Primary,
            status: InstanceStatus::Running,
            lock: LockMode::Unlock,
            category: Category::HighAvailability,
            region: None,
            account_id: None,
            tags: Vec::new(),
            databases: Vec::new(),
            backup_duration_seconds: None,
            policy: None,
            retention: RetentionDays::DEFAULT,
        }
    }
}

/// What `Sim.ModifyInstance` may change; `None` keeps a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceChanges {
    /// New `DBInstanceStatus`.
    pub status: Option<InstanceStatus>,
    /// New `LockMode`.
    pub lock: Option<LockMode>,
    /// New `DBInstanceType`.
    pub kind: Option<InstanceKind>,
    /// The new list of databases (replaces the list).
    pub databases: Option<Vec<Database>>,
    /// `Some(None)` removes the policy.
    pub policy: Option<Option<BackupPolicy>>,
    /// New `BackupRetentionPeriod` (T-6).
    pub retention: Option<RetentionDays>,
    /// New `BackupDurationSeconds`.
    pub backup_duration_seconds: Option<u32>,
    /// New `Tags` (replaces them).
    pub tags: Option<Vec<(String, String)>>,
}

/// Why an instance description was refused; the message names the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidField {
    /// The field, as the scenario format spells it.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

impl InvalidField {
    /// A refusal of `field` for `reason`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> InvalidField {
        InvalidField {
            field,
            reason: reason.into(),
        }
    }
}

pub(crate) fn validate_databases(databases: &[Database]) -> Result<(), InvalidField> {
    for (i, db) in databases.iter().enumerate() {
        if !is_valid_database_name(&db.name) {
            return Err(InvalidField::new(
                "Databases",
                format!(
                    "{:?} is not a database name (2-64 of a-z, 0-9, _ and -, starting with a letter, ending with a letter or digit)",
                    crate::vocab::clip(&db.name)
                ),
            ));
        }
        if databases[..i].iter().any(|other| other.name == db.name) {
            return Err(InvalidField::new(
                "Databases",
                format!("{:?} is listed twice", db.name.as_str()),
            ));
        }
    }
    Ok(())
}

pub(crate) fn validate_tags(tags: &[(String, String)]) -> Result<(), InvalidField> {
    if tags.len() > 20 {
        return Err(InvalidField::new("Tags", "at most 20 tags"));
    }
    for (key, value) in tags {
        if !(1..=128).contains(&key.chars().count()) {
            return Err(InvalidField::new(
                "Tags",
                "a tag key must be 1-128 characters",
            ));
        }
        if value.chars().count() > 128 {
            return Err(InvalidField::new(
                "Tags",
                "a tag value must be at most 128 characters",
            ));
        }
    }
    Ok(())
}

pub(crate) fn validate_duration(seconds: u32) -> Result<(), InvalidField> {
    if seconds == 0 || u64::from(seconds) > crate::settings::MAX_BACKUP_DURATION_SECONDS {
        return Err(InvalidField::new(
            "BackupDurationSeconds",
            format!(
                "must be an integer from 1 to {}",
                crate::settings::MAX_BACKUP_DURATION_SECONDS
            ),
        ));
    }
    Ok(())
}

/// `Tags` as the profile keeps them.
pub(crate) fn compact_tags(tags: Vec<(String, String)>) -> Vec<(CompactString, CompactString)> {
    tags.into_iter()
        .map(|(k, v)| (CompactString::new(k), CompactString::new(v)))
        .collect()
}

impl InstanceSpec {
    /// Checks every field; builds the instance at `now` only if all are valid.
    pub(crate) fn build(self, now: Timestamp) -> Result<Instance, InvalidField> {
        let storage = self.storage.unwrap_or(self.engine.default_storage());
        if self.engine == Engine::MariaDb && !storage.is_cloud_disk() {
            return Err(InvalidField::new(
                "DBInstanceStorageType",
                "MariaDB runs on cloud disks only: local_ssd is refused",
            ));
        }
        validate_databases(&self.databases)?;
        validate_tags(&self.tags)?;
        if let Some(seconds) = self.backup_duration_seconds {
            validate_duration(seconds)?;
        }
        // Borrowed: a default costs no allocation (one per instance of a fleet).
        let account_id = self.account_id.as_deref().unwrap_or(DEFAULT_ACCOUNT_ID);
        if account_id.len() != 16 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidField::new("AccountId", "must be 16 digits"));
        }
        let engine_version = self
            .engine_version
            .as_deref()
            .unwrap_or(self.engine.default_version());
        if engine_version.is_empty() || engine_version.len() > 64 {
            return Err(InvalidField::new("EngineVersion", "must be 1-64 bytes"));
        }
        let region = self.region.as_deref().unwrap_or(DEFAULT_REGION_ID);
        if region.is_empty() || region.len() > 64 {
            return Err(InvalidField::new("RegionId", "must be 1-64 bytes"));
        }
        let profile = Profile {
            databases: self.databases,
            policy: self.policy,
            backup_duration_seconds: self.backup_duration_seconds,
            engine_version: (engine_version != self.engine.default_version())
                .then(|| CompactString::new(engine_version)),
            region: CompactString::new(region),
            account_id: CompactString::new(account_id),
            tags: compact_tags(self.tags),
        };
        Ok(Instance {
            id: self.id,
            engine: self.engine,
            storage,
            kind: self.kind,
            status: self.status,
            lock: self.lock,
            category: self.category,
            created: now,
            next_auto_start: crate::time::MaybeTimestamp::new(
                self.policy.and_then(|p| p.next_start_after(now)),
            ),
            retention: self.retention,
            profile: SharedProfile::new(profile),
            backup: Backups::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> InstanceSpec {
        InstanceSpec::new(InstanceId::new("rm-1").expect("not empty"), Engine::MySql)
    }

    fn refusal(spec: InstanceSpec) -> Option<InvalidField> {
        spec.build(Timestamp::MIN).err()
    }

    #[test]
    fn account_region_and_engine_version_are_checked_exactly() {
        let account = |text: &str| {
            refusal(InstanceSpec {
                account_id: Some(text.to_owned()),
                ..spec()
            })
        };
        let digits = InvalidField::new("AccountId", "must be 16 digits");
        assert_eq!(account("123456789012345a"), Some(digits.clone()));
        assert_eq!(account("12345678901234567"), Some(digits.clone()));
        assert_eq!(account("123456789012345"), Some(digits));
        assert_eq!(account("1234567890123456"), None);

        // 1 to 64 bytes, each bound exactly.
        let bytes = |field: &'static str, with: fn(String) -> InstanceSpec| {
            let refused = Some(InvalidField::new(field, "must be 1-64 bytes"));
            assert_eq!(refusal(with(String::new())), refused);
            assert_eq!(refusal(with("8".repeat(65))), refused);
            assert_eq!(refusal(with("8".repeat(64))), None);
            assert_eq!(refusal(with("8".to_owned())), None);
        };
        bytes("EngineVersion", |text| InstanceSpec {
            engine_version: Some(text),
            ..spec()
        });
        bytes("RegionId", |text| InstanceSpec {
            region: Some(text),
            ..spec()
        });
    }

    #[test]
    fn defaults_leave_the_default_profile_and_others_are_kept() {
        let plain = spec().build(Timestamp::MIN).expect("a valid instance");
        assert_eq!(plain.profile, SharedProfile::default());
        assert_eq!(plain.engine_version(), Engine::MySql.default_version());
        let custom = InstanceSpec {
            engine_version: Some("5.7".to_owned()),
            region: Some("cn-beijing".to_owned()),
            account_id: Some("1234567890123456".to_owned()),
            ..spec()
        }
        .build(Timestamp::MIN)
        .expect("a valid instance");
        assert_eq!(custom.engine_version(), "5.7");
        assert_eq!(custom.region(), "cn-beijing");
        assert_eq!(custom.account_id(), "1234567890123456");
    }
}
