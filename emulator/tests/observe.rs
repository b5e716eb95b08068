//! Seeing what the emulator does (spec/emulator.md, "Seeing what it does"): the request
//! ring behind `GET /_sim/requests`, the dashboard `GET /_sim/ui`, and the options for
//! containers and CI (`--accept-any-key`, host names in `--listen`).

mod common;

use common::{start, text, try_start};
use rds_backup_sim_emulator::sign_v1::Signer;

fn requests(s: &common::TestServer, query: &str) -> Vec<serde_json::Value> {
    let mut c = s.client();
    let r = c
        .request("GET", &format!("/_sim/requests{query}"), &[], b"")
        .unwrap();
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-ndjson;charset=utf-8")
    );
    text(&r)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// A V3 `DescribeBackupTasks` signed by `signer` for an empty body, sent with another body.
fn v3_with_a_body_not_hashed(
    s: &common::TestServer,
    c: &mut common::client::HttpClient,
    signer: &Signer,
) -> common::client::HttpResponse {
    let query = [("DBInstanceId", "rm-a")];
    let (target, headers) =
        common::v3_request_as(s, signer, "DescribeBackupTasks", &query, "n-body");
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.request("POST", &target, &h, b"not the hashed body")
        .unwrap()
}

#[test]
fn every_request_is_kept_with_exactly_the_spec_keys_and_no_secret() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    let ok = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(ok.status, 200);
    let refused = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(refused.status, 400);
    let wrong = s.v3(
        &mut c,
        "DescribeBackups",
        &[("DBInstanceId", "rm-a")],
        "nottherightsecret",
    );
    assert_eq!(wrong.code().as_deref(), Some("SignatureDoesNotMatch"));
    let unsigned = c.request("GET", "/?Action=CreateBackup", &[], b"").unwrap();
    assert_eq!(unsigned.code().as_deref(), Some("MissingParameter"));
    let _ = c.request("GET", "/nowhere", &[], b"").unwrap();

    let lines = requests(&s, "");
    assert_eq!(lines.len(), 6, "{lines:?}");
    let keys: Vec<&str> = lines[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = [
        "time",
        "sim_time",
        "method",
        "path",
        "action",
        "instance",
        "access_key_id",
        "status",
        "code",
        "fault_id",
        "micros",
    ];
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected);
    let field = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let summary: Vec<String> = lines
        .iter()
        .map(|l| {
            [
                "method",
                "path",
                "action",
                "instance",
                "access_key_id",
                "status",
                "code",
            ]
            .map(|k| field(&l[k]))
            .join(" ")
        })
        .collect();
    assert_eq!(
        summary,
        [
            "POST /_sim/action Sim.CreateInstance rm-a null 200 null",
            "POST / CreateBackup rm-a testid 200 null",
            "POST / CreateBackup rm-a testid 400 BackupJobExists",
            "POST / DescribeBackups rm-a testid 400 SignatureDoesNotMatch",
            "GET / CreateBackup null null 400 MissingParameter",
            "GET /nowhere null null null 404 InvalidAction.NotFound",
        ]
    );
    use serde_json::Value::Null;
    for line in &lines {
        assert_eq!(line["fault_id"], Null);
        assert_eq!(line["sim_time"], "2026-01-01T00:00:00Z");
        assert!(line["micros"].is_u64());
        assert!(line["time"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-01T00:00:00"));
    }
    let all = serde_json::to_string(&lines).unwrap();
    for secret in [
        "testsecret",
        "nottherightsecret",
        "string to sign",
        "ACS3-HMAC",
    ] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
    // It does not list itself, and `limit` keeps the newest.
    let last = requests(&s, "?limit=2");
    assert_eq!(last.len(), 2);
    assert_eq!(last[1]["path"], "/nowhere");
    assert_eq!(requests(&s, "?limit=0").len(), 0);
    let bad = c
        .request("GET", "/_sim/requests?limit=x", &[], b"")
        .unwrap();
    assert_eq!(
        (bad.status, bad.code().as_deref()),
        (400, Some("Sim.InvalidParameter"))
    );
    let post = c.request("POST", "/_sim/requests", &[], b"").unwrap();
    assert_eq!(
        (post.status, post.code().as_deref()),
        (405, Some("Sim.MethodNotAllowed"))
    );
}

#[test]
fn the_dashboard_is_html_of_the_same_state_with_every_value_escaped() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-x","Engine":"MySQL","Tags":{"note":"<script>alert(1)</script>"}}"#,
    );
    let r = c.request("GET", "/_sim/ui", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html;charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let html = text(&r);
    assert!(
        html.contains("note=&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no asset from elsewhere"
    );
    assert!(html.contains(r#"href="/_sim/ui?instance=rm-x""#));
    let before = s.state(&mut c);
    let again = c
        .request("GET", "/_sim/ui?instance=rm-x", &[], b"")
        .unwrap();
    assert!(text(&again).contains("No backup sets yet."));
    assert_eq!(s.state(&mut c), before, "reading the page changes nothing");
}

#[test]
fn with_an_admin_token_the_dashboard_takes_it_once_and_keeps_it_in_a_cookie() {
    let s = start(&["--clock", "manual", "--admin-token", "tok"]);
    let mut c = s.client();
    let none = c.request("GET", "/_sim/ui", &[], b"").unwrap();
    assert_eq!(
        (none.status, none.code().as_deref()),
        (401, Some("Sim.Unauthorized"))
    );
    let wrong = c.request("GET", "/_sim/ui?token=nope", &[], b"").unwrap();
    assert_eq!(wrong.status, 401);
    let once = c
        .request("GET", "/_sim/ui?token=tok&instance=rm-1", &[], b"")
        .unwrap();
    assert_eq!(once.status, 303);
    assert_eq!(once.header("location"), Some("/_sim/ui?instance=rm-1"));
    assert_eq!(
        once.header("set-cookie"),
        Some("rds_sim_token=tok; Path=/_sim/ui; HttpOnly; SameSite=Strict")
    );
    let with_cookie = c
        .request(
            "GET",
            "/_sim/ui",
            &[("cookie", "a=b; rds_sim_token=tok")],
            b"",
        )
        .unwrap();
    assert_eq!(with_cookie.status, 200);
    let bearer = c
        .request("GET", "/_sim/ui", &[("authorization", "Bearer tok")], b"")
        .unwrap();
    assert_eq!(bearer.status, 200);
    // The cookie opens the dashboard only.
    let state = c
        .request(
            "GET",
            "/_sim/state",
            &[("cookie", "rds_sim_token=tok")],
            b"",
        )
        .unwrap();
    assert_eq!(state.status, 401);
}

#[test]
fn accept_any_key_serves_unknown_keys_as_root_and_declared_ones_as_themselves() {
    let s = start(&["--clock", "manual", "--accept-any-key"]);
    assert!(
        s.banner()
            .contains("any access key, signatures not verified (--accept-any-key)"),
        "{}",
        s.banner()
    );
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    let random = Signer::new("LTAI-random-8f2c", "never-declared");
    let r = s.v1_as(&mut c, &random, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(r.status, 200, "{}", text(&r));
    let v3 = s.v3(
        &mut c,
        "DescribeBackupTasks",
        &[("DBInstanceId", "rm-a")],
        "whatever",
    );
    assert_eq!(v3.status, 200, "{}", text(&v3));
    // A V3 body whose hash is not the signed one passes too (the hash is part of the
    // signature); the same request is refused without --accept-any-key (below).
    let body = v3_with_a_body_not_hashed(&s, &mut c, &random);
    assert_eq!(body.status, 200, "{}", text(&body));
    // A declared key acts as its identity, unverified: this one may do nothing.
    s.sim_ok(
        &mut c,
        r#"{"Action":"Sim.PutIdentity","AccountId":"1000000000000001","UserName":"ro","AccessKeyId":"ak-ro","AccessKeySecret":"s","Policies":[{"Version":"1","Statement":[]}]}"#,
    );
    let denied = s.v1_as(
        &mut c,
        &Signer::new("ak-ro", "not-s"),
        "DescribeBackups",
        &[("DBInstanceId", "rm-a")],
    );
    assert_eq!(
        (denied.status, denied.code().as_deref()),
        (403, Some("Forbidden.RAM"))
    );
    // Every other gateway check still applies: the timestamp window, then the nonce.
    let describe = |c: &mut _, nonce: &str, timestamp: &str| {
        s.v1_with(
            c,
            "POST",
            "DescribeBackups",
            &[("DBInstanceId", "rm-a")],
            nonce,
            timestamp,
        )
        .code()
    };
    let stale = describe(&mut c, &s.next_nonce(), "2020-01-01T00:00:00Z");
    assert_eq!(stale.as_deref(), Some("InvalidTimeStamp.Expired"));
    assert_eq!(describe(&mut c, "n-1", &s.timestamp()), None);
    let again = describe(&mut c, "n-1", &s.timestamp());
    assert_eq!(again.as_deref(), Some("SignatureNonceUsed"));
}

#[test]
fn without_accept_any_key_a_random_key_is_not_found() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    let body = v3_with_a_body_not_hashed(&s, &mut c, &s.signer);
    assert_eq!(body.code().as_deref(), Some("SignatureDoesNotMatch"));
    let r = s.v1_as(
        &mut c,
        &Signer::new("LTAI-random", "x"),
        "DescribeBackups",
        &[("DBInstanceId", "rm-a")],
    );
    assert_eq!(
        (r.status, r.code().as_deref()),
        (404, Some("InvalidAccessKeyId.NotFound"))
    );
}

#[test]
fn accept_any_key_is_refused_beyond_loopback_and_listen_takes_host_names() {
    let err = try_start(&[
        "--listen",
        "0.0.0.0:0",
        "--accept-any-key",
        "--admin-token",
        "t",
    ])
    .err()
    .unwrap();
    assert_eq!(
        err,
        "--accept-any-key is refused with --listen 0.0.0.0:0, which is not a loopback address (even with --admin-token): anyone who can reach it could act as any account"
    );
    let s = start(&["--listen", "localhost:0"]);
    assert!(s.addr.ip().is_loopback(), "{}", s.addr);
    assert!(s.addr.is_ipv4(), "IPv4 first: {}", s.addr);
    let mut c = s.client();
    let r = c.request("GET", "/_sim/health", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    let bad = try_start(&["--listen", "no-port"]).err().unwrap();
    assert!(
        bad.starts_with("--listen \"no-port\" is not HOST:PORT with a host that resolves: "),
        "{bad}"
    );
}
