//! Every closed set of wire values in the spec (create-backup.md, section 1), as types.
//!
//! Wire strings are parsed once, at the edge, with `from_wire`; past the edge the crate
//! only sees these enums. `as_str` gives the exact wire spelling back.

use std::fmt;

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the spec's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The exact wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                }
            }

            /// Parses the exact (case-sensitive) wire spelling.
            pub fn from_wire(text: &str) -> Option<$name> {
                match text {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl WireEnum for $name {
            const ALL: &'static [$name] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn from_wire(text: &str) -> Option<Self> {
                $name::from_wire(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
                $name::from_wire(&text).ok_or_else(|| {
                    serde::de::Error::custom(format_args!(
                        "unknown {} {:?}", stringify!($name), crate::vocab::clip(&text)
                    ))
                })
            }
        }
    };
}

/// A closed set of wire values (every enum of this module).
pub trait WireEnum: Copy + 'static {
    /// Every value, in the spec's order.
    const ALL: &'static [Self];
    /// The exact wire spelling.
    fn as_str(self) -> &'static str;
    /// Parses the exact (case-sensitive) wire spelling.
    fn from_wire(text: &str) -> Option<Self>;

    /// The wire spellings joined with ", ", for messages.
    fn list() -> String {
        Self::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// At most 64 characters of `text`, for messages that quote input.
#[inline]
pub(crate) fn clip(text: &str) -> &str {
    if text.len() <= 64 {
        // No more bytes than the limit: no more characters either.
        return text;
    }
    match text.char_indices().nth(64) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

wire_enum! {
    /// `Engine`.
    pub enum Engine {
        /// MySQL.
        MySql => "MySQL",
        /// PostgreSQL.
        PostgreSql => "PostgreSQL",
        /// SQL Server.
        SqlServer => "SQLServer",
        /// MariaDB (cloud disks only).
        MariaDb => "MariaDB",
    }
}

impl Engine {
    /// The default `EngineVersion` of the engine.
    pub const fn default_version(self) -> &'static str {
        match self {
            Engine::MySql => "8.0",
            Engine::PostgreSql => "16.0",
            Engine::SqlServer => "2019_std_ha",
            Engine::MariaDb => "10.3",
        }
    }

    /// The default storage of the engine: `local_ssd`, but `cloud_essd` for MariaDB.
    pub const fn default_storage(self) -> StorageType {
        match self {
            Engine::MariaDb => StorageType::CloudEssd,
            Engine::MySql | Engine::PostgreSql | Engine::SqlServer => StorageType::LocalSsd,
        }
    }
}

wire_enum! {
    /// `DBInstanceStorageType`.
    pub enum StorageType {
        /// Premium local SSD.
        LocalSsd => "local_ssd",
        /// Standard SSD cloud disk.
        CloudSsd => "cloud_ssd",
        /// PL1 ESSD.
        CloudEssd => "cloud_essd",
        /// PL2 ESSD.
        CloudEssd2 => "cloud_essd2",
        /// PL3 ESSD.
        CloudEssd3 => "cloud_essd3",
        /// Premium ESSD.
        GeneralEssd => "general_essd",
    }
}

impl StorageType {
    /// Every storage but `local_ssd` is a cloud disk.
    pub const fn is_cloud_disk(self) -> bool {
        !matches!(self, StorageType::LocalSsd)
    }
}

wire_enum! {
    /// `DBInstanceType`.
    pub enum InstanceKind {
        /// A primary instance.
        Primary => "Primary",
        /// A read-only instance.
        Readonly => "Readonly",
        /// A disaster-recovery instance.
        Guard => "Guard",
        /// A temporary instance.
        Temp => "Temp",
    }
}

wire_enum! {
    /// `DBInstanceStatus`.
    pub enum InstanceStatus {
        /// Being created.
        Creating => "Creating",
        /// Running: the only state in which backups are allowed.
        Running => "Running",
        /// Being deleted.
        Deleting => "Deleting",
        /// Restarting.
        Rebooting => "Rebooting",
        /// Being stopped.
        Stopping => "Stopping",
        /// Stopped.
        Stopped => "Stopped",
        /// Changing class.
        ClassChanging => "DBInstanceClassChanging",
        /// Being migrated.
        Transing => "TRANSING",
        /// Upgrading its engine version.
        EngineVersionUpgrading => "EngineVersionUpgrading",
        /// Migrating data to another instance.
        TransingToOthers => "TransingToOthers",
        /// Creating its disaster-recovery instance.
        GuardCreating => "GuardDBInstanceCreating",
        /// Restoring from a backup.
        Restoring => "Restoring",
        /// Importing data.
        Importing => "Importing",
        /// Importing data from another instance.
        ImportingFromOthers => "ImportingFromOthers",
        /// Changing its network type.
        NetTypeChanging => "DBInstanceNetTypeChanging",
        /// Failing over to its disaster-recovery instance.
        GuardSwitching => "GuardSwitching",
        /// Being cloned.
        Cloning => "INS_CLONING",
        /// Released.
        Released => "Released",
    }
}

wire_enum! {
    /// `LockMode`.
    pub enum LockMode {
        /// Not locked.
        Unlock => "Unlock",
        /// Locked by hand.
        ManualLock => "ManualLock",
        /// Locked because it expired.
        LockByExpiration => "LockByExpiration",
        /// Locked while rolling back.
        LockByRestoration => "LockByRestoration",
        /// Locked because its disk is full.
        LockByDiskQuota => "LockByDiskQuota",
        /// A read-only instance locked because its disk is full.
        LockReadInstanceByDiskQuota => "LockReadInstanceByDiskQuota",
    }
}

wire_enum! {
    /// `Category` (edition).
    pub enum Category {
        /// Basic edition.
        Basic => "Basic",
        /// High-availability edition.
        HighAvailability => "HighAvailability",
        /// MySQL or PostgreSQL cluster edition.
        Cluster => "cluster",
        /// SQL Server cluster edition.
        AlwaysOn => "AlwaysOn",
        /// Enterprise edition.
        Finance => "Finance",
        /// Serverless basic.
        ServerlessBasic => "serverless_basic",
        /// Serverless standard.
        ServerlessStandard => "serverless_standard",
        /// Serverless high availability.
        ServerlessHa => "serverless_ha",
    }
}

wire_enum! {
    /// A database's `DBStatus`.
    pub enum DbStatus {
        /// Being created.
        Creating => "Creating",
        /// Running.
        Running => "Running",
        /// Being deleted.
        Deleting => "Deleting",
        /// Archived.
        Cold => "Cold",
    }
}

wire_enum! {
    /// `BackupMethod`, as requested and as recorded.
    pub enum BackupMethod {
        /// A logical dump (MySQL on local SSD only).
        Logical => "Logical",
        /// A physical backup.
        Physical => "Physical",
        /// A cloud-disk snapshot.
        Snapshot => "Snapshot",
    }
}

wire_enum! {
    /// `BackupType` as requested (SQL Server only).
    pub enum RequestedBackupType {
        /// Let the service choose full or incremental (rule CB-A3).
        Auto => "Auto",
        /// A full backup.
        FullBackup => "FullBackup",
    }
}

wire_enum! {
    /// `BackupType` as recorded on a job and its set.
    pub enum BackupType {
        /// A full backup.
        FullBackup => "FullBackup",
        /// An incremental (SQL Server: differential) backup.
        IncrementalBackup => "IncrementalBackup",
    }
}

wire_enum! {
    /// `BackupStrategy`.
    pub enum BackupStrategy {
        /// Back up the named databases.
        Db => "db",
        /// Back up the whole instance.
        Instance => "instance",
    }
}

wire_enum! {
    /// A job's `BackupStatus`.
    pub enum JobStatus {
        /// Accepted, not started.
        NoStart => "NoStart",
        /// Checking.
        Checking => "Checking",
        /// Preparing.
        Preparing => "Preparing",
        /// Waiting.
        Waiting => "Waiting",
        /// Uploading.
        Uploading => "Uploading",
        /// Ended successfully.
        Finished => "Finished",
        /// Ended in failure.
        Failed => "Failed",
    }
}

impl JobStatus {
    /// A job is active until it is `Finished` or `Failed`.
    pub const fn is_active(self) -> bool {
        !matches!(self, JobStatus::Finished | JobStatus::Failed)
    }
}

wire_enum! {
    /// A backup set's `BackupStatus`.
    pub enum SetStatus {
        /// The job finished.
        Success => "Success",
        /// The job failed.
        Failed => "Failed",
    }
}

wire_enum! {
    /// `JobMode` of a job and `BackupMode` of a set.
    pub enum BackupMode {
        /// Requested with `CreateBackup`.
        Manual => "Manual",
        /// Started by the instance's backup policy.
        Automated => "Automated",
    }
}

impl BackupMode {
    /// `TaskAction`: `TempBackupTask` for manual jobs, `NormalBackupTask` for automatic ones.
    pub const fn task_action(self) -> &'static str {
        match self {
            BackupMode::Manual => "TempBackupTask",
            BackupMode::Automated => "NormalBackupTask",
        }
    }

    /// `BackupInitiator`: `User` for manual sets, `System` for automatic ones.
    pub const fn initiator(self) -> Initiator {
        match self {
            BackupMode::Manual => Initiator::User,
            BackupMode::Automated => Initiator::System,
        }
    }
}

wire_enum! {
    /// A set's `BackupInitiator`.
    pub enum Initiator {
        /// A user asked for it (`CreateBackup`).
        User => "User",
        /// The backup policy started it.
        System => "System",
    }
}

wire_enum! {
    /// The `BackupJobStatus` filter of `DescribeBackupTasks`.
    pub enum JobStatusFilter {
        /// Jobs not started.
        NoStart => "NoStart",
        /// Jobs in any intermediate phase.
        Progressing => "Progressing",
    }
}

wire_enum! {
    /// The quota window kind (rules ).
    pub enum QuotaWindow {
        /// The calendar day at the configured UTC offset that contains `now`.
        CalendarDay => "CalendarDay",
        /// The 24 hours `(now − 24 h, now]`.
        Rolling24h => "Rolling24h",
    }
}

wire_enum! {
    /// A day of `PreferredBackupPeriod`.
    pub enum Weekday {
        /// Monday.
        Monday => "Monday",
        /// Tuesday.
        Tuesday => "Tuesday",
        /// Wednesday.
        Wednesday => "Wednesday",
        /// Thursday.
        Thursday => "Thursday",
        /// Friday.
        Friday => "Friday",
        /// Saturday.
        Saturday => "Saturday",
        /// Sunday.
        Sunday => "Sunday",
    }
}

wire_enum! {
    /// `Fault`: what an injected fault does.
    pub enum FaultKind {
        /// 400 `Throttling.User`.
        Throttling => "Throttling",
        /// 503 `ServiceUnavailable`.
        ServiceUnavailable => "ServiceUnavailable",
        /// 500 `InternalError`.
        InternalError => "InternalError",
        /// The emulator holds the request, then closes the connection; `replay` answers 504
        /// `Sim.Timeout`.
        Timeout => "Timeout",
        /// The emulator holds the request, then answers normally; no effect in `replay`.
        Latency => "Latency",
        /// Jobs that start on a matching instance end `Failed` (rule T-3's outcome).
        JobFails => "JobFails",
    }
}

wire_enum! {
    /// `Phase`: whether the request is applied before the fault answers.
    pub enum FaultPhase {
        /// The request is answered with the fault and not applied.
        Before => "Before",
        /// The request is applied, then answered with the fault instead of its own answer.
        After => "After",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clip_keeps_64_characters_counting_characters_not_bytes() {
        let short = "a".repeat(64);
        assert_eq!(clip(&short), short);
        let long = "b".repeat(65);
        assert_eq!(clip(&long), &long[..64]);
        // 64 two-byte characters are 128 bytes and are kept whole; a 65th is cut.
        let wide = "é".repeat(64);
        assert_eq!(clip(&wide), wide);
        let wider = "é".repeat(65);
        assert_eq!(clip(&wider), &wider[..128]);
        assert_eq!(clip(""), "");
    }

    use super::*;

    #[test]
    fn every_value_round_trips_through_its_wire_spelling() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            from: fn(&str) -> Option<T>,
        ) {
            for &value in all {
                assert_eq!(from(as_str(value)), Some(value));
            }
        }
        check(Engine::ALL, Engine::as_str, Engine::from_wire);
        check(
            StorageType::ALL,
            StorageType::as_str,
            StorageType::from_wire,
        );
        check(
            InstanceKind::ALL,
            InstanceKind::as_str,
            InstanceKind::from_wire,
        );
        check(
            InstanceStatus::ALL,
            InstanceStatus::as_str,
            InstanceStatus::from_wire,
        );
        check(LockMode::ALL, LockMode::as_str, LockMode::from_wire);
        check(Category::ALL, Category::as_str, Category::from_wire);
        check(DbStatus::ALL, DbStatus::as_str, DbStatus::from_wire);
        check(
            BackupMethod::ALL,
            BackupMethod::as_str,
            BackupMethod::from_wire,
        );
        check(Weekday::ALL, Weekday::as_str, Weekday::from_wire);
        assert_eq!(InstanceStatus::ALL.len(), 18);
        assert_eq!(BackupMethod::from_wire("physical"), None);
        assert_eq!(Category::from_wire("cluster"), Some(Category::Cluster));
    }
}
