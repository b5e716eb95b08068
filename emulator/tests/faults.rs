//! Injected faults on the wire (faults.md; docs/emulator.md, "Injected faults"): checked
//! after the gateway and before RAM, `Latency` and `Timeout` held without holding the
//! simulation, `Timeout` closing the connection without an answer, `After` faults durable
//! with `--state-dir`, the `AccessKeyId` filter matching the start-up keys, and the request
//! log naming the `FaultId`.

mod common;

use std::time::Duration;

use common::{start, temp_dir, text, TestServer};
use rds_backup_sim_emulator::clock::monotonic_now;

const THROTTLED: &str = "Request was denied due to user flow control.";
const INTERNAL: &str =
    "The request processing has failed due to some unknown error, exception or failure.";

fn requests(s: &TestServer) -> Vec<serde_json::Value> {
    let mut c = s.client();
    let r = c.request("GET", "/_sim/requests", &[], b"").unwrap();
    assert_eq!(r.status, 200, "{}", text(&r));
    text(&r)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The request log's records of API requests (path `/`), oldest first.
fn api_requests(s: &TestServer) -> Vec<serde_json::Value> {
    requests(s)
        .into_iter()
        .filter(|r| r["path"] == "/")
        .collect()
}

fn assert_error(r: &common::client::HttpResponse, status: u16, code: &str, message: &str) {
    assert_eq!(r.status, status, "{}", text(r));
    let body = r.json();
    assert_eq!(body["Code"], code, "{}", text(r));
    assert_eq!(body["Message"], message, "{}", text(r));
    assert_eq!(body["HostId"], "rds.aliyuncs.com");
}

#[test]
fn a_throttling_fault_answers_once_then_the_call_succeeds_and_the_log_names_it() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"Throttling","Target":"CreateBackup","Times":1}"#,
    );
    let throttled = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_error(&throttled, 400, "Throttling.User", THROTTLED);
    let ok = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(ok.status, 200, "{}", text(&ok));
    assert_eq!(ok.json()["BackupJobId"], "100001");

    let log = api_requests(&s);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["fault_id"], "f-1");
    assert_eq!(log[0]["status"], 400);
    assert_eq!(log[0]["code"], "Throttling.User");
    assert_eq!(log[1]["fault_id"], serde_json::Value::Null);
    assert_eq!(log[1]["status"], 200);
}

#[test]
fn a_request_the_gateway_refuses_is_not_matched() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"InternalError","Target":"*","Times":1}"#,
    );
    let wrong = s.v3(
        &mut c,
        "DescribeBackupTasks",
        &[("DBInstanceId", "rm-a")],
        "nottherightsecret",
    );
    assert_eq!(wrong.code().as_deref(), Some("SignatureDoesNotMatch"));
    let faults = s.sim(&mut c, r#"{"Action":"Sim.DescribeFaults"}"#).json();
    assert_eq!(faults["Faults"][0]["Fired"], 0, "{faults}");
    let fired = s.v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-a")]);
    assert_error(&fired, 500, "InternalError", INTERNAL);
}

#[test]
fn the_access_key_filter_matches_the_start_up_key_the_request_was_signed_with() {
    let s = start(&[
        "--clock",
        "manual",
        "--access-key",
        "testid:testsecret",
        "--access-key",
        "otherid:othersecret",
    ]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"Throttling","Target":"*","AccessKeyId":"testid","Times":1}"#,
    );
    let other = rds_backup_sim_emulator::sign_v1::Signer::new("otherid", "othersecret");
    let by_other = s.v1_as(
        &mut c,
        &other,
        "DescribeBackupTasks",
        &[("DBInstanceId", "rm-a")],
    );
    assert_eq!(by_other.status, 200, "{}", text(&by_other));
    let by_test = s.v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-a")]);
    assert_error(&by_test, 400, "Throttling.User", THROTTLED);
    // The key still acts as the default account's root: the next call is served.
    let again = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(again.status, 200, "{}", text(&again));
    let log = api_requests(&s);
    assert_eq!(log[0]["access_key_id"], "otherid");
    assert_eq!(log[0]["fault_id"], serde_json::Value::Null);
    assert_eq!(log[1]["access_key_id"], "testid");
    assert_eq!(log[1]["fault_id"], "f-1");
}

#[test]
fn a_timeout_fault_holds_the_request_then_closes_the_connection_without_an_answer() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"Timeout","Target":"CreateBackup","Phase":"After","LatencyMs":400,"Times":1}"#,
    );
    let started = monotonic_now();
    let nonce = s.next_nonce();
    let closed = c.v1(
        &s.signer,
        "POST",
        "CreateBackup",
        &[("DBInstanceId", "rm-a")],
        &nonce,
        &s.timestamp(),
    );
    let held = started.elapsed();
    let err = closed.expect_err("no answer on a Timeout fault");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    assert!(held >= Duration::from_millis(400), "held {held:?}");

    // `Phase: After`: the backup was applied before the connection closed.
    let mut c = s.client();
    let tasks = s.v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-a")]);
    assert_eq!(tasks.status, 200, "{}", text(&tasks));
    let tasks = tasks.json();
    assert_eq!(
        tasks["Items"]["BackupJob"][0]["BackupJobId"], "100001",
        "{tasks}"
    );
    let log = api_requests(&s);
    assert_eq!(log[0]["action"], "CreateBackup");
    assert_eq!(log[0]["status"], serde_json::Value::Null);
    assert_eq!(log[0]["code"], "Sim.Timeout");
    assert_eq!(log[0]["fault_id"], "f-1");
    assert_eq!(log[1]["status"], 200);
}

#[test]
fn a_held_request_does_not_hold_the_simulation() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"Latency","Target":"CreateBackup","LatencyMs":3000,"Times":1}"#,
    );
    std::thread::scope(|scope| {
        let held = scope.spawn(|| {
            let mut c = s.client();
            let started = monotonic_now();
            let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
            (r, started.elapsed())
        });
        // Wait until the held request has applied (the job exists), then use the
        // simulation, on the API and the control plane, while it is still held.
        let started = monotonic_now();
        let mut c = s.client();
        loop {
            let tasks = s.v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-a")]);
            assert_eq!(tasks.status, 200, "{}", text(&tasks));
            if tasks.json()["Items"]["BackupJob"][0]["BackupJobId"] == "100001" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_millis(2500),
                "never applied"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let faults = s.sim(&mut c, r#"{"Action":"Sim.DescribeFaults"}"#).json();
        assert_eq!(faults["Faults"][0]["Fired"], 1, "{faults}");
        let second = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
        assert_eq!(
            second.code().as_deref(),
            Some("BackupJobExists"),
            "{}",
            text(&second)
        );
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "the other requests waited {:?}",
            started.elapsed()
        );
        assert!(!held.is_finished(), "the held request is still held");
        let (r, took) = held.join().unwrap();
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.json()["BackupJobId"], "100001");
        assert!(took >= Duration::from_millis(3000), "held {took:?}");
    });
    let log = api_requests(&s);
    let held = log
        .iter()
        .find(|r| r["fault_id"] == "f-1")
        .expect("the held request is logged");
    assert_eq!(held["status"], 200);
    assert_eq!(held["code"], serde_json::Value::Null);
}

#[test]
fn an_after_fault_is_durable_and_faults_survive_a_restart_with_their_counts() {
    let dir = temp_dir("faults-restart");
    let d = dir.to_str().unwrap();
    let s = start(&["--clock", "manual", "--state-dir", d]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.create_instance(&mut c, "rm-b");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"InternalError","Target":"CreateBackup","DBInstanceId":"rm-a","Phase":"After","Times":1}"#,
    );
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"Throttling","Target":"CreateBackup","AccessKeyId":"testid","Times":1}"#,
    );
    let after = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_error(&after, 500, "InternalError", INTERNAL);
    // The start-up key's filter fires on rm-b: refused before anything applied.
    let before = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-b")]);
    assert_error(&before, 400, "Throttling.User", THROTTLED);
    let state = s.state(&mut c);
    s.stop();

    let s = start(&["--state-dir", d]);
    let mut c = s.client();
    assert_eq!(s.state(&mut c), state);
    let faults = s.sim(&mut c, r#"{"Action":"Sim.DescribeFaults"}"#).json();
    assert_eq!(faults["Faults"][0]["Fired"], 1, "{faults}");
    assert_eq!(faults["Faults"][0]["Active"], false, "{faults}");
    assert_eq!(faults["Faults"][1]["Fired"], 1, "{faults}");
    let a = s
        .v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-a")])
        .json();
    assert_eq!(a["Items"]["BackupJob"][0]["BackupJobId"], "100001", "{a}");
    let b = s
        .v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-b")])
        .json();
    assert_eq!(
        b["Items"]["BackupJob"].as_array().map(Vec::len),
        Some(0),
        "{b}"
    );
}

#[test]
fn a_fault_answers_in_xml_when_the_request_asked_for_xml() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.InjectFault","Fault":"ServiceUnavailable","Target":"CreateBackup","Times":1}"#,
    );
    let r = s.v1(
        &mut c,
        "CreateBackup",
        &[("DBInstanceId", "rm-a"), ("Format", "XML")],
    );
    assert_eq!(r.status, 503, "{}", text(&r));
    assert_eq!(r.header("content-type"), Some("text/xml;charset=utf-8"));
    let body = text(&r);
    assert!(
        body.contains("<Code>ServiceUnavailable</Code>")
            && body.contains(
                "<Message>The request has failed due to a temporary failure of the server.</Message>"
            ),
        "{body}"
    );
    // `Before`: nothing applied.
    let tasks = s
        .v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-a")])
        .json();
    assert_eq!(
        tasks["Items"]["BackupJob"].as_array().map(Vec::len),
        Some(0),
        "{tasks}"
    );
}
