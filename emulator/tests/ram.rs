//! RAM through the emulator (spec/ram.md, spec/emulator.md "Starting it"): the identity of a
//! request is that of its verified AccessKey. Start-up keys are root keys of the default
//! account; keys declared with `Sim.PutIdentity` (control plane, `--identities FILE`)
//! sign too and act as their identity: `Forbidden.RAM` (403) with `AccessDeniedDetail`,
//! other accounts' instances unknown. Every case asserts the exact answer.

mod common;

use std::sync::Arc;

use common::ram::{
    assert_create_backup_instance_unknown, assert_error, assert_forbidden, assert_unknown_key,
    create_instance, instances, job_id, ops, ops_line, policy, put_root, put_user,
    start_with_instances, start_with_ops, ACCOUNT_A, ACCOUNT_B, RM_DEFAULT, RM_PROD, RM_TEST,
};
use common::{at, start, temp_dir, text, try_start, T0};
use http::HeaderMap;
use rds_backup_sim_emulator::clock::TestClock;
use rds_backup_sim_emulator::engine::{Engine, EngineError, EngineOptions};
use rds_backup_sim_emulator::gateway::{self, DecodedRequest};
use rds_backup_sim_emulator::gateway_error::GatewayError;
use rds_backup_sim_emulator::keys::KeyRing;
use rds_backup_sim_emulator::sign_v1::Signer;
use rds_backup_sim_emulator::sim_clock::ClockMode;
use serde_json::json;

#[test]
fn a_user_key_declared_through_the_control_plane_is_allowed_by_its_policy_over_v1_and_v3() {
    let (s, mut c) = start_with_ops();
    assert_eq!(
        job_id(&s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST)),
        "100001"
    );
    s.sim_ok(&mut c, r#"{"Action":"Sim.AdvanceTime","Seconds":3600}"#);
    assert_eq!(
        job_id(&s.v3_as(&mut c, &ops(), "CreateBackup", RM_TEST)),
        "100002"
    );
}

#[test]
fn a_user_key_is_denied_explicitly_and_implicitly_with_the_exact_403_over_v1_and_v3() {
    let (s, mut c) = start_with_ops();
    let before = s.domain_state(&mut c);
    // ram.md "Evaluation": a matching Deny denies, even with a matching Allow.
    let r = s.v1_as(&mut c, &ops(), "CreateBackup", RM_PROD);
    assert_forbidden(&r, "CreateBackup", "ops", ACCOUNT_A, "ExplicitDeny");
    let r = s.v3_as(&mut c, &ops(), "CreateBackup", RM_PROD);
    assert_forbidden(&r, "CreateBackup", "ops", ACCOUNT_A, "ExplicitDeny");
    // No statement matches DescribeBackups: implicit deny.
    let r = s.v1_as(&mut c, &ops(), "DescribeBackups", RM_TEST);
    assert_forbidden(&r, "DescribeBackups", "ops", ACCOUNT_A, "ImplicitDeny");
    let r = s.v3_as(&mut c, &ops(), "DescribeBackupTasks", RM_TEST);
    assert_forbidden(&r, "DescribeBackupTasks", "ops", ACCOUNT_A, "ImplicitDeny");
    // A denied request changes nothing.
    assert_eq!(s.domain_state(&mut c), before);
}

#[test]
fn a_denial_asked_for_as_xml_carries_the_access_denied_detail_as_elements() {
    let (s, mut c) = start_with_ops();
    let params = [("DBInstanceId", "rm-prod"), ("Format", "XML")];
    let r = s.v1_as(&mut c, &ops(), "CreateBackup", &params);
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("text/xml;charset=utf-8"));
    let body = text(&r);
    assert!(
        body.contains("<Code>Forbidden.RAM</Code>")
            && body.contains("<AccessDeniedDetail><AuthAction>rds:CreateBackup</AuthAction><AuthPrincipalDisplayName>ops</AuthPrincipalDisplayName><AuthPrincipalOwnerId>1234567890123456</AuthPrincipalOwnerId><AuthPrincipalType>SubUser</AuthPrincipalType><NoPermissionType>ExplicitDeny</NoPermissionType><PolicyType>AccountLevelIdentityBasedPolicy</PolicyType></AccessDeniedDetail>"),
        "{body}"
    );
}

#[test]
fn the_start_up_key_is_the_default_accounts_root_and_never_sees_another_accounts_instance() {
    let (s, mut c) = start_with_instances();
    assert_eq!(job_id(&s.v1(&mut c, "CreateBackup", RM_DEFAULT)), "100001");
    let r = s.v1(&mut c, "CreateBackup", RM_TEST);
    assert_create_backup_instance_unknown(&r);
}

#[test]
fn a_root_key_of_another_account_sees_the_default_accounts_instances_as_unknown() {
    let (s, mut c) = start_with_instances();
    s.sim_ok(&mut c, &create_instance("rm-b", ACCOUNT_B, json!({})));
    s.sim_ok(&mut c, &put_root(ACCOUNT_B, "root-b", "s-root-b"));
    let root_b = Signer::new("root-b", "s-root-b");
    let before = s.domain_state(&mut c);
    let r = s.v1_as(&mut c, &root_b, "CreateBackup", RM_DEFAULT);
    assert_create_backup_instance_unknown(&r);
    let r = s.v3_as(&mut c, &root_b, "CreateBackup", RM_TEST);
    assert_create_backup_instance_unknown(&r);
    let r = s.v1_as(&mut c, &root_b, "DescribeBackups", RM_DEFAULT);
    assert_error(
        &r,
        404,
        "InvalidDBInstanceName.NotFound",
        "Invalid DBInstanceId NotFound.",
    );
    assert_eq!(s.domain_state(&mut c), before);
    // Its own instance: allowed every action, no policy needed.
    let own = [("DBInstanceId", "rm-b")];
    assert_eq!(
        job_id(&s.v1_as(&mut c, &root_b, "CreateBackup", &own)),
        "100001"
    );
}

#[test]
fn the_readme_policy_allows_env_test_and_denies_env_prod_through_the_emulator() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    // examples/ram-policy.jsonl is the README's example: its set-up lines (Sim.*) through
    // the control plane, its API lines signed with the team's key.
    let example = include_str!("../../examples/ram-policy.jsonl");
    let setup: String = example
        .lines()
        .filter(|l| l.contains("\"Sim."))
        .map(|l| format!("{l}\n"))
        .collect();
    let r = c
        .request("POST", "/_sim/replay", &[], setup.as_bytes())
        .unwrap();
    assert_eq!(
        text(&r).matches("\"HttpStatus\":200").count(),
        3,
        "{}",
        text(&r)
    );
    let team = Signer::new("ak-team", "secret");
    assert_eq!(
        job_id(&s.v1_as(&mut c, &team, "CreateBackup", RM_TEST)),
        "100001"
    );
    let r = s.v3_as(&mut c, &team, "CreateBackup", RM_PROD);
    assert_forbidden(&r, "CreateBackup", "team", ACCOUNT_A, "ImplicitDeny");
    let r = s.v3_as(&mut c, &team, "DescribeBackupTasks", RM_TEST);
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["Items"]["BackupJob"][0]["BackupJobId"], "100001");
}

#[test]
fn an_undeclared_key_answers_the_gateways_not_found_and_a_start_up_key_shadows_an_identity() {
    let (s, mut c) = start_with_instances();
    let r = s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST);
    assert_unknown_key(&r);
    // `testid` declared as a user without policies stays the default root: start-up keys
    // are looked up first.
    s.sim_ok(
        &mut c,
        &put_user(ACCOUNT_A, "shadow", "testid", "other", json!([])),
    );
    assert_eq!(job_id(&s.v1(&mut c, "CreateBackup", RM_DEFAULT)), "100001");
}

#[test]
fn a_repeated_put_identity_replaces_the_secret_and_policies_at_once() {
    let (s, mut c) = start_with_ops();
    s.sim_ok(&mut c, &ops_line("s-ops-2"));
    let r = s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST);
    assert_eq!(r.status, 400, "{}", text(&r));
    assert_eq!(r.code().as_deref(), Some("SignatureDoesNotMatch"));
    let renewed = Signer::new("ak-ops", "s-ops-2");
    assert_eq!(
        job_id(&s.v1_as(&mut c, &renewed, "CreateBackup", RM_TEST)),
        "100001"
    );
}

#[test]
fn identities_from_the_file_apply_at_start_and_after_reset_control_plane_ones_do_not() {
    let dir = temp_dir("ram-identities");
    let file = dir.join("identities.jsonl");
    std::fs::write(&file, format!("# the ops team\n{}\n", ops_line("s-ops"))).unwrap();
    let s = start(&["--clock", "manual", "--identities", file.to_str().unwrap()]);
    let mut c = s.client();
    instances(&s, &mut c);
    assert_eq!(
        job_id(&s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST)),
        "100001"
    );
    s.sim_ok(&mut c, &put_root(ACCOUNT_B, "root-b", "s-root-b"));
    let root_b = Signer::new("root-b", "s-root-b");
    let r = c.request("POST", "/_sim/reset", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    instances(&s, &mut c);
    assert_eq!(
        job_id(&s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST)),
        "100001"
    );
    assert_unknown_key(&s.v1_as(&mut c, &root_b, "CreateBackup", RM_TEST));
}

#[test]
fn an_identities_line_that_is_refused_stops_the_start_with_its_answer() {
    let dir = temp_dir("ram-bad-identities");
    let file = dir.join("identities.jsonl");
    let bad = put_user(
        ACCOUNT_A,
        "bad",
        "ak-bad",
        "s",
        json!([{"Version": "2", "Statement": []}]),
    );
    // A byte-order mark, a comment and a blank line: the error names the file's own line 5.
    std::fs::write(
        &file,
        format!(
            "\u{feff}# the ops team\n{}\n\n# a broken one\n{bad}\n",
            ops_line("s-ops")
        ),
    )
    .unwrap();
    let err = try_start(&["--identities", file.to_str().unwrap()])
        .err()
        .unwrap();
    assert!(
        err.starts_with("--identities line 5 was refused: {\"HttpStatus\":400,")
            && err.contains(r#""Code":"Sim.InvalidParameter","Message":"Invalid parameter Policies: Policies[0]: Version must be \"1\".""#),
        "{err}"
    );
}

#[test]
fn an_identity_declared_through_the_control_plane_survives_a_restart_and_a_state_restore() {
    let dir = temp_dir("ram-restart");
    let d = dir.to_str().unwrap();
    let s = start(&["--clock", "manual", "--state-dir", d]);
    let mut c = s.client();
    instances(&s, &mut c);
    s.sim_ok(&mut c, &ops_line("s-ops"));
    assert_eq!(
        job_id(&s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST)),
        "100001"
    );
    s.stop();

    let s = start(&["--state-dir", d]);
    let mut c = s.client();
    let r = s.v3_as(&mut c, &ops(), "CreateBackup", RM_PROD);
    assert_forbidden(&r, "CreateBackup", "ops", ACCOUNT_A, "ExplicitDeny");
    let snapshot = s.state(&mut c);
    let r = c.request("POST", "/_sim/reset", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    assert_unknown_key(&s.v1_as(&mut c, &ops(), "CreateBackup", RM_TEST));
    let r = c
        .request("PUT", "/_sim/state", &[], snapshot.to_string().as_bytes())
        .unwrap();
    assert_eq!((r.status, text(&r).as_str()), (200, r#"{"status":"ok"}"#));
    let r = s.v1_as(&mut c, &ops(), "DescribeBackups", RM_TEST);
    assert_forbidden(&r, "DescribeBackups", "ops", ACCOUNT_A, "ImplicitDeny");
}

/// The engine's side of a race: a request verified with a declared key's secret, and a
/// control-plane change to that identity taking the lock before the request does.
#[test]
fn a_request_verified_before_its_identity_changed_is_verified_again_under_the_lock() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let now = at(T0);
    let engine = Engine::open(EngineOptions {
        seed: None,
        clock: Some(ClockMode::Manual),
        state_dir: None,
        identities: Vec::new(),
        real_clock: Arc::new(TestClock::new(now)),
        compact_after: 64 << 20,
    })
    .unwrap();
    let ring = KeyRing::from_flags::<&str>(&[]).unwrap();
    let apply = |line: String| {
        let answer = runtime.block_on(engine.action(line.as_bytes())).unwrap();
        assert_eq!(answer.map(|a| a.http_status), Some(200));
    };
    apply(create_instance(
        "rm-test",
        ACCOUNT_A,
        json!({"env": "test"}),
    ));
    apply(ops_line("s-ops"));
    let headers = HeaderMap::new();
    let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let run = |nonce: &str, signer: &Signer, change: &dyn Fn()| {
        let query = signer.v1_query("POST", "CreateBackup", RM_TEST, nonce, &timestamp);
        let decoded = DecodedRequest::decode("POST", query.as_bytes(), &headers, b"").unwrap();
        let verified = gateway::verify(&decoded, &ring.with_identities(&engine), now).unwrap();
        change();
        let reverify = |sim: &_| gateway::verify(&decoded, &ring.with_identities(sim), now);
        runtime
            .block_on(engine.api(verified, now, reverify))
            .map(|a| (a.http_status, a.body_text()))
    };
    // The secret changed: the signature no longer matches.
    let r = run("n-1", &ops(), &|| apply(ops_line("s-ops-2")));
    let sts = match r {
        Err(EngineError::Gateway(GatewayError::SignatureDoesNotMatch { string_to_sign })) => {
            string_to_sign
        }
        other => format!("{other:?}"),
    };
    assert!(sts.starts_with("POST&%2F&AccessKeyId%3Dak-ops%26"), "{sts}");
    // Same secret, new policies: the action runs under the new ones.
    let renewed = Signer::new("ak-ops", "s-ops-2");
    let deny_all = put_user(
        ACCOUNT_A,
        "ops",
        "ak-ops",
        "s-ops-2",
        json!([policy("Deny", "rds:*", "*")]),
    );
    let (status, body) = run("n-2", &renewed, &|| apply(deny_all.clone())).unwrap();
    assert_eq!(status, 403);
    assert!(
        body.contains(r#""NoPermissionType":"ExplicitDeny""#),
        "{body}"
    );
    // The identity is gone (reset).
    let r = run("n-3", &renewed, &|| {
        runtime.block_on(engine.reset()).unwrap()
    });
    assert_eq!(
        r,
        Err(EngineError::Gateway(GatewayError::AccessKeyNotFound {
            access_key_id: "ak-ops".to_owned()
        }))
    );
}
