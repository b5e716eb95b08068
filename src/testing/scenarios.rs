//! Whole scenarios and their steps, as scenario lines.

use proptest::prelude::*;
use proptest::sample::select;

use crate::ids::InstanceId;
use crate::vocab::{InstanceStatus, LockMode};

use super::lines::{databases_json, instance_line, quote};
use super::requests::{create_backup_params, CreateBackupParams};
use super::{backup_policy, backupable_instance_spec, databases, instance_spec, wire};

/// The instance ids [`scenario_lines`] uses.
pub const SCENARIO_INSTANCE_IDS: &[&str] = &["rm-a", "rm-b", "rm-c"];

/// A whole scenario as scenario lines (scenario-format.md): a `Sim.Configure` first line
/// (seed, a small daily limit, either window, an offset), the instances of
/// [`SCENARIO_INSTANCE_IDS`], then `steps` lines mixing `CreateBackup` (valid and invalid),
/// the describe, delete and policy actions, time steps of seconds to more than a day,
/// failed jobs, instance and settings changes.
pub fn scenario_lines(steps: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    let ids: Vec<String> = SCENARIO_INSTANCE_IDS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let header = (
        any::<u64>(),
        select(&[0u32, 1, 2, 3, 20][..]),
        wire::<crate::vocab::QuotaWindow>(),
        select(&["+00:00", "+08:00", "-05:30"][..]),
    )
        .prop_map(|(seed, limit, window, offset)| {
            format!(
                "{{\"Action\":\"Sim.Configure\",\"Seed\":{seed},\"DailyBackupLimit\":{limit},\"QuotaWindow\":\"{}\",\"QuotaUtcOffset\":\"{offset}\"}}",
                window.as_str()
            )
        });
    let instances: Vec<_> = SCENARIO_INSTANCE_IDS
        .iter()
        .map(|id| {
            let id = InstanceId::new(id).unwrap_or_else(|| unreachable!("constant ids"));
            prop_oneof![2 => backupable_instance_spec(id.clone()), 1 => instance_spec(id)]
                .prop_map(|spec| instance_line(&spec))
        })
        .collect();
    (
        header,
        instances,
        proptest::collection::vec(scenario_step(ids), steps),
    )
        .prop_map(|(header, instances, steps)| {
            let mut lines = vec![header];
            lines.extend(instances);
            lines.extend(steps);
            lines
        })
}

/// One line of a scenario after its header: any action on the instances `ids`.
pub fn scenario_step(ids: Vec<String>) -> impl Strategy<Value = String> {
    let id = select(ids.clone());
    let id_line = |action: &'static str| {
        select(ids.clone()).prop_map(move |id| {
            format!(
                "{{\"Action\":\"{action}\",\"DBInstanceId\":{}}}",
                quote(&id)
            )
        })
    };
    prop_oneof![
        4 => create_backup_params(ids.clone()).prop_map(|p| p.to_line()),
        8 => (id.clone(), select(&[None, Some("Physical"), Some("Snapshot")][..])).prop_map(
            |(id, method)| CreateBackupParams {
                db_instance_id: Some(id),
                backup_method: method.map(str::to_owned),
                ..CreateBackupParams::default()
            }
            .to_line()
        ),
        4 => prop_oneof![
            0u64..=700,
            3_000u64..=11_000,
            80_000u64..=100_000,
        ]
        .prop_map(|s| format!("{{\"Action\":\"Sim.AdvanceTime\",\"Seconds\":{s}}}")),
        2 => id_line("Sim.FailBackupJob"),
        2 => id_line("DescribeBackupTasks"),
        2 => id_line("DescribeBackups"),
        1 => id_line("DescribeDBInstanceAttribute"),
        1 => id_line("DescribeBackupPolicy"),
        1 => (id.clone(), 300_001u64..300_020).prop_map(|(id, set)| format!(
            "{{\"Action\":\"DeleteBackup\",\"DBInstanceId\":{},\"BackupId\":\"{set}\"}}",
            quote(&id)
        )),
        1 => (id.clone(), backup_policy()).prop_map(|(id, p)| format!(
            "{{\"Action\":\"ModifyBackupPolicy\",\"DBInstanceId\":{},\"PreferredBackupTime\":\"{}\",\"PreferredBackupPeriod\":\"{}\"}}",
            quote(&id), p.time_text(), p.period_text()
        )),
        1 => (id.clone(), wire::<InstanceStatus>(), wire::<LockMode>(), databases()).prop_map(
            |(id, status, lock, dbs)| format!(
                "{{\"Action\":\"Sim.ModifyInstance\",\"DBInstanceId\":{},\"DBInstanceStatus\":\"{}\",\"LockMode\":\"{}\",\"Databases\":{}}}",
                quote(&id), status.as_str(), lock.as_str(), databases_json(&dbs)
            )
        ),
        1 => (select(&[0u32, 1, 2, 20][..]), wire::<crate::vocab::QuotaWindow>()).prop_map(
            |(limit, window)| format!(
                "{{\"Action\":\"Sim.Configure\",\"DailyBackupLimit\":{limit},\"QuotaWindow\":\"{}\"}}",
                window.as_str()
            )
        ),
    ]
}
