//! What a verified request asks for: one of the served API actions, answered in a format.

use std::fmt;

/// The API actions served on `/` (scenario-format.md; `Sim.*` actions are not among them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiAction {
    /// `CreateBackup`.
    CreateBackup,
    /// `DescribeBackupTasks`.
    DescribeBackupTasks,
    /// `DescribeBackups`.
    DescribeBackups,
    /// `DeleteBackup`.
    DeleteBackup,
    /// `DescribeDBInstanceAttribute`.
    DescribeDBInstanceAttribute,
    /// `DescribeDBInstances`.
    DescribeDBInstances,
    /// `ModifyBackupPolicy`.
    ModifyBackupPolicy,
    /// `DescribeBackupPolicy`.
    DescribeBackupPolicy,
}

impl ApiAction {
    /// Every served action, in the spec's order.
    pub const ALL: [ApiAction; 8] = [
        ApiAction::CreateBackup,
        ApiAction::DescribeBackupTasks,
        ApiAction::DescribeBackups,
        ApiAction::DeleteBackup,
        ApiAction::DescribeDBInstanceAttribute,
        ApiAction::DescribeDBInstances,
        ApiAction::ModifyBackupPolicy,
        ApiAction::DescribeBackupPolicy,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiAction::CreateBackup => "CreateBackup",
            ApiAction::DescribeBackupTasks => "DescribeBackupTasks",
            ApiAction::DescribeBackups => "DescribeBackups",
            ApiAction::DeleteBackup => "DeleteBackup",
            ApiAction::DescribeDBInstanceAttribute => "DescribeDBInstanceAttribute",
            ApiAction::DescribeDBInstances => "DescribeDBInstances",
            ApiAction::ModifyBackupPolicy => "ModifyBackupPolicy",
            ApiAction::DescribeBackupPolicy => "DescribeBackupPolicy",
        }
    }

    /// The action with this exact (case-sensitive) wire name.
    pub fn from_wire(name: &str) -> Option<ApiAction> {
        ApiAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl fmt::Display for ApiAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer's body format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `application/json;charset=utf-8`, the default.
    #[default]
    Json,
    /// `text/xml;charset=utf-8`, when `Format=XML` (any case).
    Xml,
}

impl Format {
    /// The format a `Format` parameter asks for: XML for `xml` in any case, JSON otherwise
    /// (absent, `JSON`, `json`, anything else).
    pub fn from_param(value: Option<&str>) -> Format {
        match value {
            Some(v) if v.eq_ignore_ascii_case("xml") => Format::Xml,
            _ => Format::Json,
        }
    }

    /// The `Content-Type` of an answer in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json;charset=utf-8",
            Format::Xml => "text/xml;charset=utf-8",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_and_names_are_exact() {
        for action in ApiAction::ALL {
            assert_eq!(ApiAction::from_wire(action.as_str()), Some(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        assert_eq!(ApiAction::from_wire("createbackup"), None);
        assert_eq!(ApiAction::from_wire("Sim.AdvanceTime"), None);
        assert_eq!(ApiAction::from_wire(""), None);
        let names: Vec<_> = ApiAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            names,
            rds_backup_sim::scenario::API_ACTIONS,
            "the core's list"
        );
    }

    #[test]
    fn format_parameter_is_case_insensitive_and_defaults_to_json() {
        assert_eq!(Format::from_param(Some("XML")), Format::Xml);
        assert_eq!(Format::from_param(Some("xml")), Format::Xml);
        assert_eq!(Format::from_param(Some("json")), Format::Json);
        assert_eq!(Format::from_param(Some("yaml")), Format::Json);
        assert_eq!(Format::from_param(None), Format::Json);
        assert_eq!(Format::Xml.content_type(), "text/xml;charset=utf-8");
        assert_eq!(
            Format::Json.content_type(),
            "application/json;charset=utf-8"
        );
    }
}
