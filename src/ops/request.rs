//! The served API actions and their parameters, as types: one declaration gives the
//! [`ApiAction`] enum, its wire names ([`super::API_ACTIONS`]), the [`ApiParam`] enum and
//! which parameters each action reads. A scenario line and an emulator request are both
//! parsed into these at the edge (`scenario::ApiRequest`); nothing past the edge matches
//! action names as strings.

use std::fmt;

/// An enum of wire names: the variants, `ALL`, `as_str` and `from_wire`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`.")]
                $variant,
            )*
        }

        impl $name {
            #[doc = concat!("Every ", $what, ", in declaration order.")]
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            #[doc = concat!("The ", $what, " with this exact (case-sensitive) wire name.")]
            pub fn from_wire(name: &str) -> Option<$name> {
                match name {
                    $($wire => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

macro_rules! api_params {
    ($($variant:ident = $wire:literal,)*) => {
        wire_enum!(
            /// A parameter an API action reads, by its wire name.
            ApiParam, "parameter", { $($variant = $wire,)* }
        );
    };
}

api_params! {
    AccessKeyId = "AccessKeyId",
    RegionId = "RegionId",
    DBInstanceId = "DBInstanceId",
    DBName = "DBName",
    BackupStrategy = "BackupStrategy",
    BackupMethod = "BackupMethod",
    BackupType = "BackupType",
    BackupJobId = "BackupJobId",
    BackupMode = "BackupMode",
    BackupJobStatus = "BackupJobStatus",
    BackupId = "BackupId",
    BackupStatus = "BackupStatus",
    StartTime = "StartTime",
    EndTime = "EndTime",
    PageSize = "PageSize",
    PageNumber = "PageNumber",
    PreferredBackupTime = "PreferredBackupTime",
    PreferredBackupPeriod = "PreferredBackupPeriod",
    BackupRetentionPeriod = "BackupRetentionPeriod",
    Engine = "Engine",
    DBInstanceStatus = "DBInstanceStatus",
    DBInstanceType = "DBInstanceType",
    Tags = "Tags",
    MaxResults = "MaxResults",
    NextToken = "NextToken",
}

/// The parameters every action reads: the caller's key and region (ram.md) and the
/// instance (faults.md filters on it).
pub const COMMON_PARAMS: [ApiParam; 3] = [
    ApiParam::AccessKeyId,
    ApiParam::RegionId,
    ApiParam::DBInstanceId,
];

macro_rules! api_actions {
    ($($variant:ident = $wire:literal [$($param:ident),*],)*) => {
        wire_enum!(
            /// The API actions served (scenario-format.md; `Sim.*` actions are not among them).
            ApiAction, "action", { $($variant = $wire,)* }
        );

        impl ApiAction {
            /// The parameters this action reads besides [`COMMON_PARAMS`], in the order
            /// of its request type.
            pub const fn params(self) -> &'static [ApiParam] {
                match self {
                    $(ApiAction::$variant => &[$(ApiParam::$param),*],)*
                }
            }
        }

        /// The wire names of [`ApiAction::ALL`], in the same order.
        pub const API_ACTIONS: &[&str] = &[$($wire),*];
    };
}

api_actions! {
    CreateBackup = "CreateBackup" [DBName, BackupStrategy, BackupMethod, BackupType],
    DescribeBackupTasks = "DescribeBackupTasks" [BackupJobId, BackupMode, BackupJobStatus],
    DescribeBackups = "DescribeBackups" [
        BackupId, BackupStatus, BackupMode, BackupType, StartTime, EndTime, PageSize,
        PageNumber
    ],
    DeleteBackup = "DeleteBackup" [BackupId],
    DescribeDBInstanceAttribute = "DescribeDBInstanceAttribute" [],
    DescribeDBInstances = "DescribeDBInstances" [
        Engine, DBInstanceStatus, DBInstanceType, Tags, PageSize, PageNumber, MaxResults,
        NextToken
    ],
    ModifyBackupPolicy = "ModifyBackupPolicy" [
        PreferredBackupTime, PreferredBackupPeriod, BackupRetentionPeriod
    ],
    DescribeBackupPolicy = "DescribeBackupPolicy" [],
}

impl ApiAction {
    /// Whether the action only reads (a `Describe…`): its answer never changes the state.
    pub fn is_read(self) -> bool {
        self.as_str().starts_with("Describe")
    }

    /// Whether the action reads `param`.
    pub fn reads(self, param: ApiParam) -> bool {
        COMMON_PARAMS.contains(&param) || self.params().contains(&param)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_parameter_round_trips_and_names_are_exact() {
        for &action in ApiAction::ALL {
            assert_eq!(ApiAction::from_wire(action.as_str()), Some(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        for &param in ApiParam::ALL {
            assert_eq!(ApiParam::from_wire(param.as_str()), Some(param));
        }
        assert_eq!(ApiAction::from_wire("createbackup"), None);
        assert_eq!(ApiAction::from_wire("Sim.AdvanceTime"), None);
        assert_eq!(ApiParam::from_wire("dbinstanceid"), None);
        let names: Vec<_> = ApiAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names, API_ACTIONS);
    }

    #[test]
    fn only_describes_are_reads_and_each_action_reads_its_own_parameters() {
        let reads: Vec<_> = ApiAction::ALL.iter().filter(|a| a.is_read()).collect();
        assert_eq!(reads.len(), 5);
        assert!(!ApiAction::CreateBackup.is_read());
        assert!(ApiAction::CreateBackup.reads(ApiParam::DBName));
        assert!(ApiAction::CreateBackup.reads(ApiParam::AccessKeyId));
        assert!(!ApiAction::CreateBackup.reads(ApiParam::BackupId));
        assert!(ApiAction::DeleteBackup.reads(ApiParam::BackupId));
    }
}
