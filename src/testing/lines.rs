//! Rendering scenario lines: JSON text for instances, databases and policies.

use crate::instance::{Database, InstanceSpec};
use crate::policy::BackupPolicy;

/// A JSON string literal.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `Sim.CreateInstance` line of `spec`.
pub fn instance_line(spec: &InstanceSpec) -> String {
    let mut fields = vec![
        format!("\"DBInstanceId\":{}", quote(spec.id.as_str())),
        format!("\"Engine\":\"{}\"", spec.engine.as_str()),
        format!("\"DBInstanceType\":\"{}\"", spec.kind.as_str()),
        format!("\"DBInstanceStatus\":\"{}\"", spec.status.as_str()),
        format!("\"LockMode\":\"{}\"", spec.lock.as_str()),
        format!("\"Category\":\"{}\"", spec.category.as_str()),
    ];
    if let Some(storage) = spec.storage {
        fields.push(format!(
            "\"DBInstanceStorageType\":\"{}\"",
            storage.as_str()
        ));
    }
    fields.push(format!("\"Databases\":{}", databases_json(&spec.databases)));
    if let Some(seconds) = spec.backup_duration_seconds {
        fields.push(format!("\"BackupDurationSeconds\":{seconds}"));
    }
    if let Some(policy) = &spec.policy {
        fields.push(format!("\"BackupPolicy\":{}", policy_json(policy)));
    }
    format!("{{\"Action\":\"Sim.CreateInstance\",{}}}", fields.join(","))
}

/// `Databases` as the scenario format writes it.
pub fn databases_json(databases: &[Database]) -> String {
    let items: Vec<String> = databases
        .iter()
        .map(|d| {
            format!(
                "{{\"DBName\":{},\"DBStatus\":\"{}\"}}",
                quote(&d.name),
                d.status.as_str()
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// `BackupPolicy` as the scenario format writes it.
pub fn policy_json(policy: &BackupPolicy) -> String {
    format!(
        "{{\"PreferredBackupTime\":\"{}\",\"PreferredBackupPeriod\":\"{}\"}}",
        policy.time_text(),
        policy.period_text()
    )
}
