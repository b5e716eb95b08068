//! The invariant checker is itself checked: the suite leans on `check_invariants` after
//! every step, so each of its checks must reject a state that breaks it, with its message.
//! States are broken by editing a serialized state (the only way past the typed API).

use serde_json::{json, Value};

use rds_backup_sim::scenario::Scenario;

/// rm-a: two ended jobs, one active, a policy; rm-b: one active job.
fn base() -> Value {
    let mut scenario = Scenario::new();
    for line in [
        r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-a","Engine":"MySQL","BackupPolicy":{"PreferredBackupTime":"01:00Z-02:00Z","PreferredBackupPeriod":"Friday"}}"#,
        r#"{"Action":"CreateBackup","DBInstanceId":"rm-a"}"#,
        r#"{"Action":"Sim.AdvanceTime","Seconds":700}"#,
        r#"{"Action":"CreateBackup","DBInstanceId":"rm-a"}"#,
        r#"{"Action":"Sim.AdvanceTime","Seconds":700}"#,
        r#"{"Action":"CreateBackup","DBInstanceId":"rm-a"}"#,
        r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-b","Engine":"MySQL"}"#,
        r#"{"Action":"CreateBackup","DBInstanceId":"rm-b"}"#,
    ] {
        let answer = scenario.apply_line(line.as_bytes());
        assert_eq!(answer.map(|a| a.http_status), Some(200), "{line}");
    }
    serde_json::to_value(&scenario).unwrap_or(Value::Null)
}

fn check(state: Value) -> Result<(), String> {
    let scenario: Scenario = serde_json::from_value(state).map_err(|e| e.to_string())?;
    scenario.simulation().check_invariants()
}

#[test]
fn the_base_state_keeps_every_invariant() {
    assert_eq!(check(base()), Ok(()));
}

#[test]
fn check_invariants_rejects_each_broken_state_with_its_message() {
    type Edit = fn(&mut Value);
    let cases: &[(&str, Edit, &str)] = &[
        (
            "job id below the first",
            |s| s["Instances"]["rm-a"]["History"][1]["Id"] = json!(99),
            "rm-a: job 99 has an id the counters never gave",
        ),
        (
            "job id at the counter",
            |s| s["Ids"]["NextJobId"] = json!(100_002),
            "rm-a: job 100002 has an id the counters never gave",
        ),
        (
            "set id below the first",
            |s| s["Instances"]["rm-a"]["History"][1]["BackupId"] = json!(5),
            "rm-a: job 100002 has an id the counters never gave",
        ),
        (
            "set id at the counter",
            |s| s["Ids"]["NextBackupId"] = json!(300_002),
            "rm-a: job 100002 has an id the counters never gave",
        ),
        (
            "active job id past the counter",
            |s| s["Instances"]["rm-a"]["ActiveJob"]["Id"] = json!(100_009),
            "rm-a: active job 100009 has an id the counters never gave",
        ),
        (
            "ended before it started",
            |s| s["Instances"]["rm-a"]["History"][0]["Ended"] = json!("2025-12-31T23:59:00Z"),
            "rm-a: job 100001 ended before it started",
        ),
        (
            "history out of order",
            |s| {
                if let Some(h) = s["Instances"]["rm-a"]["History"].as_array_mut() {
                    h.swap(0, 1);
                }
            },
            "rm-a: jobs overlap or ended out of order",
        ),
        (
            "a job starts before the previous one ended",
            |s| s["Instances"]["rm-a"]["History"][1]["Started"] = json!("2026-01-01T00:05:00Z"),
            "rm-a: jobs overlap or ended out of order",
        ),
        (
            "a job ends with the previous one (and before it started)",
            |s| s["Instances"]["rm-a"]["History"][1]["Ended"] = json!("2026-01-01T00:10:00Z"),
            "rm-a: job 100002 ended before it started",
        ),
        (
            "active job overlaps the last",
            |s| s["Instances"]["rm-a"]["ActiveJob"]["Started"] = json!("2026-01-01T00:20:00Z"),
            "rm-a: the active job started before the last one ended",
        ),
        (
            // The times the jobs explain are read from them in order; these two are
            // kept as listed.
            "quota ledger out of order",
            |s| {
                s["Instances"]["rm-a"]["Quota"] =
                    json!(["2026-01-01T00:05:00Z", "2026-01-01T00:04:00Z"]);
            },
            "rm-a: quota ledger out of order",
        ),
        (
            "automatic start without a policy",
            |s| {
                if let Some(i) = s["Instances"]["rm-a"].as_object_mut() {
                    i.remove("Policy");
                }
            },
            "rm-a: an automatic start without a policy",
        ),
        (
            "job id used twice",
            |s| s["Instances"]["rm-b"]["ActiveJob"]["Id"] = json!(100_003),
            "BackupJobId 100003 is used twice",
        ),
        (
            "set id used twice",
            |s| s["Instances"]["rm-b"]["ActiveJob"]["BackupId"] = json!(300_003),
            "BackupId 300003 is used twice",
        ),
        (
            "stored under another id",
            |s| {
                if let Some(map) = s["Instances"].as_object_mut() {
                    if let Some(b) = map.remove("rm-b") {
                        map.insert("rm-x".into(), b);
                    }
                }
            },
            "instance rm-x is stored under another id",
        ),
    ];
    for (name, edit, message) in cases {
        let mut state = base();
        edit(&mut state);
        assert_eq!(check(state), Err((*message).to_owned()), "{name}");
    }
}
