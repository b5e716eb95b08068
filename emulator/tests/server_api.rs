//! The API endpoint `/` end to end over TCP: both signatures, GET and POST, query and form
//! parameters, JSON and XML, the gateway errors in their order, the timestamp and nonce
//! windows on an injected clock (spec/emulator.md, "The API endpoint").

mod common;

use chrono::TimeDelta;
use common::{start, text};

#[test]
fn create_backup_over_v1_post_answers_json_with_a_fresh_upper_case_request_id() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    let body = r.json();
    assert_eq!(body["BackupJobId"], "100001");
    let id = body["RequestId"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(id, id.to_ascii_uppercase());
    let again = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(again.status, 400);
    assert_eq!(again.code().as_deref(), Some("BackupJobExists"));
    assert_eq!(again.json()["HostId"], "rds.aliyuncs.com");
    assert_eq!(
        again.json()["Message"],
        "A backup job already exists in the specified DB instance."
    );
    assert_ne!(again.json()["RequestId"], body["RequestId"]);
}

#[test]
fn get_and_form_body_parameters_are_served_like_query_parameters() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-g");
    let nonce = s.next_nonce();
    let r = s.v1_with(
        &mut c,
        "GET",
        "DescribeBackupTasks",
        &[("DBInstanceId", "rm-g")],
        &nonce,
        &s.timestamp(),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["Items"]["BackupJob"], serde_json::json!([]));
    // The whole signed parameter set in an application/x-www-form-urlencoded body.
    let nonce = s.next_nonce();
    let form = s.signer.v1_query(
        "POST",
        "CreateBackup",
        &[("DBInstanceId", "rm-g")],
        &nonce,
        &s.timestamp(),
    );
    let r = c
        .request(
            "POST",
            "/",
            &[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            form.as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["BackupJobId"], "100001");
}

#[test]
fn format_xml_answers_xml_for_successes_and_errors() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-x");
    let r = s.v1(
        &mut c,
        "CreateBackup",
        &[("DBInstanceId", "rm-x"), ("Format", "xml")],
    );
    // `Format` is a common parameter: the signer's `JSON` is replaced by `xml`.
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.header("content-type"), Some("text/xml;charset=utf-8"));
    let body = text(&r);
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateBackupResponse>"),
        "{body}"
    );
    assert!(body.contains("<BackupJobId>100001</BackupJobId>"), "{body}");
    let r = s.v1(
        &mut c,
        "CreateBackup",
        &[("DBInstanceId", "rm-x"), ("Format", "XML")],
    );
    assert_eq!(r.status, 400);
    let body = text(&r);
    assert!(
        body.contains("<Error>") && body.contains("<Code>BackupJobExists</Code>"),
        "{body}"
    );
}

#[test]
fn a_v3_signed_request_is_served_and_a_wrong_v3_secret_shows_the_string_to_sign() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-3");
    let r = s.v3(
        &mut c,
        "CreateBackup",
        &[("DBInstanceId", "rm-3")],
        "testsecret",
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["BackupJobId"], "100001");
    let r = s.v3(&mut c, "CreateBackup", &[("DBInstanceId", "rm-3")], "wrong");
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("SignatureDoesNotMatch"));
    let message = r.json()["Message"].as_str().unwrap().to_owned();
    let (_, sts) = message.split_once(':').unwrap();
    assert!(
        sts.starts_with("ACS3-HMAC-SHA256\n") && sts.len() == 17 + 64,
        "{message}"
    );
}

#[test]
fn gateway_errors_answer_in_the_tables_order_with_exact_codes() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    // No parameters at all: the action is checked first.
    let r = c.request("GET", "/", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (404, Some("InvalidAction.NotFound"))
    );
    assert_eq!(
        r.json()["Message"],
        "Specified api is not found, please check your url and method."
    );
    // An action but no signature: taken as V1, AccessKeyId is the first missing.
    let r = c.request("GET", "/?Action=CreateBackup", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("MissingParameter"))
    );
    assert_eq!(
        r.json()["Message"],
        "The input parameter \"AccessKeyId\" that is mandatory for processing this request is not supplied."
    );
    // Sim.* actions are not served on `/`.
    let r = s.v1(&mut c, "Sim.AdvanceTime", &[("Seconds", "1")]);
    assert_eq!(
        (r.status, r.code().as_deref()),
        (404, Some("InvalidAction.NotFound"))
    );
    // Unknown key.
    let other = rds_backup_sim_emulator::sign_v1::Signer::new("nobody", "x");
    let r = c
        .v1(
            &other,
            "POST",
            "DescribeBackups",
            &[("DBInstanceId", "rm")],
            "n-k",
            &s.timestamp(),
        )
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (404, Some("InvalidAccessKeyId.NotFound"))
    );
    assert_eq!(r.json()["Message"], "Specified access key is not found.");
    // Wrong secret: the server's string to sign follows the only colon.
    let wrong = rds_backup_sim_emulator::sign_v1::Signer::new("testid", "nope");
    let r = c
        .v1(
            &wrong,
            "GET",
            "DescribeBackups",
            &[("DBInstanceId", "rm")],
            "n-s",
            &s.timestamp(),
        )
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("SignatureDoesNotMatch"))
    );
    let message = r.json()["Message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeBackups"),
        "{message}"
    );
    // Nonce reuse.
    let ts = s.timestamp();
    let r = s.v1_with(
        &mut c,
        "POST",
        "DescribeBackups",
        &[("DBInstanceId", "rm")],
        "dup",
        &ts,
    );
    assert_eq!(r.status, 404, "{}", text(&r)); // the instance does not exist: the action ran
    let r = s.v1_with(
        &mut c,
        "POST",
        "DescribeBackups",
        &[("DBInstanceId", "rm")],
        "dup",
        &ts,
    );
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("SignatureNonceUsed"))
    );
    assert_eq!(
        r.json()["Message"],
        "Specified signature nonce was used already."
    );
    // A wrong version.
    let r = s.v1(&mut c, "DescribeBackups", &[("Version", "2013-05-28")]);
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidVersion"))
    );
}

#[test]
fn the_timestamp_window_is_15_minutes_either_way_on_the_injected_clock() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    let signed_at = s.timestamp();
    // The server's clock moves 15 minutes ahead: still inside (inclusive).
    s.clock.advance(TimeDelta::minutes(15));
    let r = s.v1_with(
        &mut c,
        "POST",
        "DescribeBackups",
        &[("DBInstanceId", "rm")],
        "w1",
        &signed_at,
    );
    assert_eq!(
        r.code().as_deref(),
        Some("InvalidDBInstanceName.NotFound"),
        "{}",
        text(&r)
    );
    s.clock.advance(TimeDelta::seconds(1));
    let r = s.v1_with(
        &mut c,
        "POST",
        "DescribeBackups",
        &[("DBInstanceId", "rm")],
        "w2",
        &signed_at,
    );
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidTimeStamp.Expired"))
    );
    assert_eq!(
        r.json()["Message"],
        "Specified time stamp or date value is expired."
    );
    // A timestamp 16 minutes in the future is refused too.
    s.clock.advance(TimeDelta::minutes(-32));
    let r = s.v1_with(
        &mut c,
        "POST",
        "DescribeBackups",
        &[("DBInstanceId", "rm")],
        "w3",
        &signed_at,
    );
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidTimeStamp.Expired"))
    );
}

#[test]
fn a_nonce_is_refused_for_15_minutes_then_accepted_again() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    let send = |c: &mut common::client::HttpClient| {
        c.v1(
            &s.signer,
            "POST",
            "DescribeBackups",
            &[("DBInstanceId", "rm")],
            "same",
            &s.timestamp(),
        )
        .unwrap()
        .code()
    };
    assert_eq!(
        send(&mut c).as_deref(),
        Some("InvalidDBInstanceName.NotFound")
    );
    s.clock.advance(TimeDelta::minutes(14));
    assert_eq!(send(&mut c).as_deref(), Some("SignatureNonceUsed"));
    s.clock.advance(TimeDelta::minutes(1));
    assert_eq!(
        send(&mut c).as_deref(),
        Some("InvalidDBInstanceName.NotFound")
    );
}

#[test]
fn real_clock_mode_follows_the_injected_clock_and_advance_time_moves_it_forward() {
    let s = start(&[]);
    let mut c = s.client();
    assert!(s.banner().contains("; clock real; seed 0; state in memory; access key testid:testsecret (default); idle timeout 60 s"), "{}", s.banner());
    s.create_instance(&mut c, "rm-r");
    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-r")]);
    assert_eq!(r.status, 200, "{}", text(&r));
    // The job takes 600 s of simulation time; 11 real minutes later it is done.
    s.clock.advance(TimeDelta::minutes(11));
    let r = s.v1(&mut c, "DescribeBackups", &[("DBInstanceId", "rm-r")]);
    assert_eq!(
        r.json()["Items"]["Backup"][0]["BackupStartTime"],
        "2026-03-01T00:00:00Z"
    );
    assert_eq!(
        r.json()["Items"]["Backup"][0]["BackupEndTime"],
        "2026-03-01T00:10:00Z"
    );
    // AdvanceTime moves simulation time an hour ahead of the real clock, for good.
    let r = s.sim(&mut c, r#"{"Action":"Sim.AdvanceTime","Seconds":3600}"#);
    assert_eq!(r.json()["Clock"], "2026-03-01T01:11:00Z");
    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-r")]);
    assert_eq!(r.status, 200);
    let r = s.v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-r")]);
    assert_eq!(
        r.json()["Items"]["BackupJob"][0]["BackupStatus"],
        "NoStart",
        "{}",
        text(&r)
    );
    s.clock.advance(TimeDelta::minutes(10));
    let r = s.v1(&mut c, "DescribeBackups", &[("DBInstanceId", "rm-r")]);
    // Newest first.
    assert_eq!(
        r.json()["Items"]["Backup"][0]["BackupStartTime"],
        "2026-03-01T01:11:00Z",
        "{}",
        text(&r)
    );
    assert_eq!(
        r.json()["Items"]["Backup"][0]["BackupEndTime"],
        "2026-03-01T01:21:00Z"
    );
}

#[test]
fn a_real_rds_action_that_is_not_emulated_answers_501_and_a_typo_404() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    let r = s.v1(&mut c, "DescribeRegions", &[("RegionId", "cn-hangzhou")]);
    assert_eq!(r.status, 501, "{}", text(&r));
    assert_eq!(r.code().as_deref(), Some("Sim.NotImplemented"));
    assert_eq!(
        r.json()["Message"],
        "RDS action DescribeRegions is not emulated by rds-backup-sim; emulated actions: \
         CreateBackup, DeleteBackup, DescribeBackupPolicy, DescribeBackupTasks, \
         DescribeBackups, DescribeDBInstanceAttribute, DescribeDBInstances, ModifyBackupPolicy."
    );
    assert_eq!(r.json()["HostId"], "rds.aliyuncs.com");
    // Before the signature: an unsigned call and a V3 call with a wrong secret get it too.
    let unsigned = c
        .request("GET", "/?Action=CreateDBInstance", &[], b"")
        .unwrap();
    assert_eq!(
        (unsigned.status, unsigned.code().as_deref()),
        (501, Some("Sim.NotImplemented"))
    );
    let v3 = s.v3(&mut c, "RestoreTable", &[], "wrong");
    assert_eq!(
        (v3.status, v3.code().as_deref()),
        (501, Some("Sim.NotImplemented"))
    );
    let typo = s.v1(&mut c, "DescribeRegionz", &[]);
    assert_eq!(
        (typo.status, typo.code().as_deref()),
        (404, Some("InvalidAction.NotFound"))
    );
    let xml = s.v1(&mut c, "DescribeRegions", &[("Format", "XML")]);
    assert_eq!(xml.status, 501);
    assert!(
        text(&xml).contains("<Code>Sim.NotImplemented</Code>"),
        "{}",
        text(&xml)
    );
}

#[test]
fn describe_db_instances_is_served_over_v1_and_v3_and_pages_by_token() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    for id in ["rm-1", "rm-2", "rm-3"] {
        s.create_instance(&mut c, id);
    }
    let r = s.v1(
        &mut c,
        "DescribeDBInstances",
        &[("RegionId", "cn-hangzhou"), ("MaxResults", "2")],
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    let body = r.json();
    assert_eq!(body["TotalRecordCount"], 3);
    assert_eq!(body["PageRecordCount"], 2);
    assert_eq!(body["Items"]["DBInstance"][0]["DBInstanceId"], "rm-1");
    assert_eq!(
        body["Items"]["DBInstance"][0]["CreateTime"],
        "2026-01-01T00:00:00Z"
    );
    let token = body["NextToken"].as_str().unwrap().to_owned();
    let next = s.v3(
        &mut c,
        "DescribeDBInstances",
        &[
            ("RegionId", "cn-hangzhou"),
            ("MaxResults", "2"),
            ("NextToken", &token),
        ],
        "testsecret",
    );
    assert_eq!(next.status, 200, "{}", text(&next));
    assert_eq!(
        next.json()["Items"]["DBInstance"][0]["DBInstanceId"],
        "rm-3"
    );
    assert!(next.json().get("NextToken").is_none());
    let missing = s.v1(&mut c, "DescribeDBInstances", &[]);
    assert_eq!(
        (missing.status, missing.code().as_deref()),
        (400, Some("MissingRegionId"))
    );
}
