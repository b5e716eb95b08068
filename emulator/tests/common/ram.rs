//! RAM helpers (spec/ram.md): identity lines and the exact answers the emulator gives.

use rds_backup_sim_emulator::sign_v1::Signer;

use super::client::{HttpClient, HttpResponse};
use serde_json::{json, Value};

use super::{start, text, TestServer};

/// Account A of the tests (not the default account).
pub const ACCOUNT_A: &str = "1234567890123456";
/// Account B of the tests.
pub const ACCOUNT_B: &str = "6543210987654321";

/// The message of every `Forbidden.RAM` answer.
pub const FORBIDDEN_MESSAGE: &str =
    "User not authorized to operate on the specified resource, or this API doesn't support RAM.";

/// A `Sim.PutIdentity` line for a user of `account` with `policies` (a JSON list).
pub fn put_user(account: &str, user: &str, key: &str, secret: &str, policies: Value) -> String {
    json!({
        "Action": "Sim.PutIdentity",
        "AccountId": account,
        "UserName": user,
        "AccessKeyId": key,
        "AccessKeySecret": secret,
        "Policies": policies,
    })
    .to_string()
}

/// A `Sim.PutIdentity` line for the root key of `account`.
pub fn put_root(account: &str, key: &str, secret: &str) -> String {
    json!({
        "Action": "Sim.PutIdentity",
        "AccountId": account,
        "AccessKeyId": key,
        "AccessKeySecret": secret,
    })
    .to_string()
}

/// A `Sim.CreateInstance` line for a MySQL instance of `account` with `tags`.
pub fn create_instance(id: &str, account: &str, tags: Value) -> String {
    json!({
        "Action": "Sim.CreateInstance",
        "DBInstanceId": id,
        "Engine": "MySQL",
        "AccountId": account,
        "Tags": tags,
    })
    .to_string()
}

/// One policy document with one statement.
pub fn policy(effect: &str, action: &str, resource: &str) -> Value {
    json!({"Version": "1", "Statement": [{"Effect": effect, "Action": action, "Resource": resource}]})
}

/// Asserts `r` is exactly `status` with `body` plus a fresh upper-case `RequestId`.
pub fn assert_answer(r: &HttpResponse, status: u16, mut body: Value) {
    assert_eq!(r.status, status, "{}", text(r));
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    let got = r.json();
    let id = got["RequestId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "{}", text(r));
    assert_eq!(id, id.to_ascii_uppercase());
    body["RequestId"] = Value::String(id);
    assert_eq!(got, body);
}

/// Asserts `r` is exactly the 403 `Forbidden.RAM` answer for `user` of `account` denied
/// `rds:<action>` (`ImplicitDeny` or `ExplicitDeny`).
pub fn assert_forbidden(r: &HttpResponse, action: &str, user: &str, account: &str, kind: &str) {
    assert_answer(
        r,
        403,
        json!({
            "HostId": "rds.aliyuncs.com",
            "Code": "Forbidden.RAM",
            "Message": FORBIDDEN_MESSAGE,
            "AccessDeniedDetail": {
                "AuthAction": format!("rds:{action}"),
                "AuthPrincipalType": "SubUser",
                "AuthPrincipalDisplayName": user,
                "AuthPrincipalOwnerId": account,
                "NoPermissionType": kind,
                "PolicyType": "AccountLevelIdentityBasedPolicy",
            },
        }),
    );
}

/// Asserts `r` is exactly the error `code` with `status` and `message`.
pub fn assert_error(r: &HttpResponse, status: u16, code: &str, message: &str) {
    assert_answer(
        r,
        status,
        json!({"HostId": "rds.aliyuncs.com", "Code": code, "Message": message}),
    );
}

/// The gateway's answer to a key that is neither a start-up key nor declared.
pub fn assert_unknown_key(r: &HttpResponse) {
    assert_error(
        r,
        404,
        "InvalidAccessKeyId.NotFound",
        "Specified access key is not found.",
    );
}

/// The answer of `CreateBackup` on an instance the caller cannot see.
pub fn assert_create_backup_instance_unknown(r: &HttpResponse) {
    assert_error(
        r,
        404,
        "InvalidDBInstanceName.NotFound",
        "The database instance does not exist.",
    );
}

/// `DBInstanceId=rm-test` (account A, env=test).
pub const RM_TEST: &[(&str, &str)] = &[("DBInstanceId", "rm-test")];
/// `DBInstanceId=rm-prod` (account A, env=prod).
pub const RM_PROD: &[(&str, &str)] = &[("DBInstanceId", "rm-prod")];
/// `DBInstanceId=rm-default` (the default account).
pub const RM_DEFAULT: &[(&str, &str)] = &[("DBInstanceId", "rm-default")];

/// Account A's instances `rm-test` (env=test) and `rm-prod` (env=prod), and the default
/// account's `rm-default`.
pub fn instances(s: &TestServer, c: &mut HttpClient) {
    s.sim_ok(
        c,
        &create_instance("rm-test", ACCOUNT_A, json!({"env": "test"})),
    );
    s.sim_ok(
        c,
        &create_instance("rm-prod", ACCOUNT_A, json!({"env": "prod"})),
    );
    s.create_instance(c, "rm-default");
}

/// A manual-clock server with [`instances`].
pub fn start_with_instances() -> (TestServer, HttpClient) {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    instances(&s, &mut c);
    (s, c)
}

/// [`start_with_instances`], and user `ops` declared with [`ops_line`] and secret `s-ops`.
pub fn start_with_ops() -> (TestServer, HttpClient) {
    let (s, mut c) = start_with_instances();
    s.sim_ok(&mut c, &ops_line("s-ops"));
    (s, c)
}

/// User `ops` of account A: CreateBackup on every instance except an explicit deny on
/// `rm-prod`; nothing else.
pub fn ops_line(secret: &str) -> String {
    put_user(
        ACCOUNT_A,
        "ops",
        "ak-ops",
        secret,
        json!([
            policy("Allow", "rds:CreateBackup", "acs:rds:*:*:dbinstance/*"),
            policy("Deny", "rds:CreateBackup", "acs:rds:*:*:dbinstance/rm-prod"),
        ]),
    )
}

/// The signer of `ops` with secret `s-ops`.
pub fn ops() -> Signer {
    Signer::new("ak-ops", "s-ops")
}

/// The `BackupJobId` of a 200 answer.
pub fn job_id(r: &HttpResponse) -> String {
    assert_eq!(r.status, 200, "{}", text(r));
    r.json()["BackupJobId"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
