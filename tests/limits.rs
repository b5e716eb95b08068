//! Limits (emulator.md "Limits", ram.md): an API parameter value over 1,024 characters
//! answers `InvalidParameter` before authorization; a policy document over 6,144
//! characters is refused when declared. Lines are built here because the values are long.

use rds_backup_sim::scenario::Scenario;
use serde_json::{json, Value};

fn apply(scenario: &mut Scenario, line: Value) -> Value {
    let answer = scenario
        .apply_line(line.to_string().as_bytes())
        .expect("a JSON line is answered");
    serde_json::from_str(&answer.to_line()).expect("answers are JSON")
}

fn error(answer: &Value) -> (u64, &str, &str) {
    (
        answer["HttpStatus"].as_u64().unwrap_or_default(),
        answer["Code"].as_str().unwrap_or_default(),
        answer["Message"].as_str().unwrap_or_default(),
    )
}

#[test]
fn a_parameter_over_1024_characters_is_refused_before_anything_else() {
    let mut s = Scenario::new();
    let ok = apply(
        &mut s,
        json!({"Action": "Sim.CreateInstance", "DBInstanceId": "rm-a", "Engine": "MySQL"}),
    );
    assert_eq!(ok["HttpStatus"], 200);
    // 1,024 characters pass the limit (the instance is unknown); 1,025 do not.
    let id = "x".repeat(1024);
    let at_limit = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": id}),
    );
    assert_eq!(
        error(&at_limit),
        (
            404,
            "InvalidDBInstanceName.NotFound",
            "The database instance does not exist."
        )
    );
    let id = "x".repeat(1025);
    let over = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": id}),
    );
    assert_eq!(
        error(&over),
        (
            400,
            "InvalidParameter",
            "The specified parameter DBInstanceId is too long."
        )
    );
    assert_eq!(over["HostId"], "rds.aliyuncs.com");
    // Characters, not bytes: 1,024 two-byte characters pass.
    let wide = "é".repeat(1024);
    let at_limit = apply(
        &mut s,
        json!({"Action": "DescribeBackups", "DBInstanceId": "rm-a", "BackupId": wide}),
    );
    assert_eq!(at_limit["HttpStatus"], 200);
    // Every parameter counts, an unknown one too, and the first over the limit in the line
    // is named (`json!` writes keys in sorted order).
    let long = "y".repeat(2000);
    let unknown = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": "rm-a", "ResourceGroupId": long}),
    );
    assert_eq!(
        error(&unknown),
        (
            400,
            "InvalidParameter",
            "The specified parameter ResourceGroupId is too long."
        )
    );
    let two = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": "rm-a", "ResourceGroupId": long, "DBName": long}),
    );
    assert_eq!(
        error(&two),
        (
            400,
            "InvalidParameter",
            "The specified parameter DBName is too long."
        )
    );
    // Nothing was applied: the instance's first job is still to come.
    let accepted = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": "rm-a"}),
    );
    assert_eq!(accepted["BackupJobId"], "100001");
    // An unknown action is named first; simulator lines are not API parameters.
    let unknown_action = apply(
        &mut s,
        json!({"Action": "CreateBackups", "DBInstanceId": long}),
    );
    assert_eq!(unknown_action["Code"], "InvalidAction.NotFound");
}

#[test]
fn a_long_parameter_is_refused_before_ram_decides() {
    let mut s = Scenario::new();
    let put = apply(
        &mut s,
        json!({"Action": "Sim.PutIdentity", "UserName": "u", "AccessKeyId": "ak-u", "AccessKeySecret": "s",
               "Policies": [{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "rds:*", "Resource": "*"}]}]}),
    );
    assert_eq!(put["HttpStatus"], 200);
    let denied = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": "rm-a", "AccessKeyId": "ak-u"}),
    );
    assert_eq!(denied["Code"], "Forbidden.RAM");
    let long = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": "z".repeat(1_000_000), "AccessKeyId": "ak-u"}),
    );
    assert_eq!(
        error(&long),
        (
            400,
            "InvalidParameter",
            "The specified parameter DBInstanceId is too long."
        )
    );
}

/// ram.md: a document of more than 6,144 characters is refused when declared, as an object
/// or as a string holding one, and nothing is declared; 6,144 characters are accepted.
#[test]
fn a_policy_document_over_6144_characters_is_refused_when_declared() {
    // A document padded with a long Sid to exactly `chars` characters as compact JSON.
    fn document(chars: usize) -> Value {
        let base = json!({"Version": "1", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "rds:*", "Resource": "*"}]});
        let pad = chars - base.to_string().chars().count();
        json!({"Version": "1", "Statement": [{"Sid": "s".repeat(pad), "Effect": "Allow", "Action": "rds:*", "Resource": "*"}]})
    }
    let put = |policy: Value, key: &str| json!({"Action": "Sim.PutIdentity", "UserName": key, "AccessKeyId": key, "AccessKeySecret": "s", "Policies": [policy]});
    let mut s = Scenario::new();
    assert_eq!(document(6144).to_string().chars().count(), 6144);
    let at_limit = apply(&mut s, put(document(6144), "ak-a"));
    assert_eq!(at_limit["HttpStatus"], 200, "{at_limit}");
    let over = apply(&mut s, put(document(6145), "ak-b"));
    assert_eq!(
        error(&over),
        (
            400,
            "Sim.InvalidParameter",
            "Invalid parameter Policies: Policies[0] is longer than 6144 characters."
        )
    );
    let as_string = apply(
        &mut s,
        put(Value::String(document(6145).to_string()), "ak-b"),
    );
    assert_eq!(error(&as_string), error(&over));
    let unknown = apply(
        &mut s,
        json!({"Action": "CreateBackup", "DBInstanceId": "rm-a", "AccessKeyId": "ak-b"}),
    );
    assert_eq!(
        unknown["Code"], "InvalidAccessKeyId.NotFound",
        "nothing was declared"
    );
}
