//! Every action name of the real RDS API (version 2014-08-15), kept in the repository as
//! data (`rds-actions.txt`, copied from the spec's reference list), so that a real action
//! the simulator does not emulate answers 501 `Sim.NotImplemented` (rule NI-1) instead of
//! the `InvalidAction.NotFound` of a typo. `replay` and the emulator's gateway both ask
//! this module.

use std::borrow::Cow;

use super::API_ACTIONS;
use crate::error::ErrorCode;

/// The list: a `#` comment header, then one name a line.
const RDS_ACTIONS: &str = include_str!("rds-actions.txt");

/// Every real RDS action name, in the file's (code-point) order.
pub fn rds_action_names() -> impl Iterator<Item = &'static str> {
    RDS_ACTIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether `name` is a real RDS action (exact, case-sensitive).
pub fn is_rds_action(name: &str) -> bool {
    rds_action_names().any(|n| n == name)
}

/// The emulated actions, in code-point order.
pub fn emulated_actions() -> Vec<&'static str> {
    let mut names = API_ACTIONS.to_vec();
    names.sort_unstable();
    names
}

/// The `Sim.NotImplemented` message for `action` (emulator.md, the gateway table).
pub fn not_implemented_message(action: &str) -> String {
    format!(
        "RDS action {action} is not emulated by rds-backup-sim; emulated actions: {}.",
        emulated_actions().join(", ")
    )
}

/// The answer to a request for `action` that is not emulated: `Sim.NotImplemented` for a
/// real RDS action, `InvalidAction.NotFound` for anything else; `None` for an emulated
/// API action.
pub fn refusal(action: &str) -> Option<(ErrorCode, Cow<'static, str>)> {
    if super::Scenario::is_api_action(action) {
        None
    } else if is_rds_action(action) {
        Some((
            ErrorCode::SimNotImplemented,
            Cow::Owned(not_implemented_message(action)),
        ))
    } else {
        let code = ErrorCode::InvalidAction;
        Some((code, Cow::Borrowed(code.spec().message)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_every_emulated_action_and_the_common_real_ones() {
        assert_eq!(rds_action_names().count(), 419);
        for name in API_ACTIONS {
            assert!(is_rds_action(name), "{name}");
        }
        for name in ["DescribeRegions", "CreateDBInstance", "RestoreTable"] {
            assert!(is_rds_action(name), "{name}");
        }
        for name in ["describeRegions", "CreateBackups", "Sim.Configure", ""] {
            assert!(!is_rds_action(name), "{name}");
        }
        let names: Vec<_> = rds_action_names().collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }

    #[test]
    fn the_message_lists_the_emulated_actions_in_code_point_order() {
        assert_eq!(
            not_implemented_message("DescribeRegions"),
            "RDS action DescribeRegions is not emulated by rds-backup-sim; emulated actions: \
             CreateBackup, DeleteBackup, DescribeBackupPolicy, DescribeBackupTasks, \
             DescribeBackups, DescribeDBInstanceAttribute, DescribeDBInstances, \
             ModifyBackupPolicy."
        );
        assert_eq!(refusal("CreateBackup"), None);
        assert_eq!(
            refusal("CreateBackupz").map(|r| r.0),
            Some(ErrorCode::InvalidAction)
        );
        assert_eq!(
            refusal("DescribeRegions").map(|r| r.0),
            Some(ErrorCode::SimNotImplemented)
        );
    }
}
