//! Hostile input (issue 6, item 6): each is refused with the right error or closed, the
//! simulation unchanged, the server still serving.

mod common;

use std::time::Duration;

use common::client::HttpClient;
use common::raw::RawConnection;
use common::{start, text, TestServer};

fn still_serving(s: &TestServer) {
    let mut c = s.client();
    let r = s.v1(&mut c, "DescribeBackupTasks", &[("DBInstanceId", "rm-h")]);
    assert_eq!(r.status, 200, "{}", text(&r));
}

fn setup() -> (TestServer, HttpClient, serde_json::Value) {
    let s = start(&["--clock", "manual", "--idle-timeout", "1"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-h");
    let state = s.state(&mut c);
    (s, c, state)
}

#[test]
fn a_body_over_1_mib_answers_413_declared_or_chunked() {
    let (s, _c, before) = setup();
    // Declared too long: refused from the header alone, before any of the body is sent.
    // (Raw TCP, because the server answers and closes while a client would still be
    // writing, and an HTTP client may report that broken write instead of the answer.)
    let mut raw = RawConnection::connect(s.addr).unwrap();
    raw.send_raw(
        b"POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n\
          content-length: 1048577\r\n\r\n",
    )
    .unwrap();
    let r = raw
        .read_answer_until_close(Duration::from_secs(10))
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (413, Some("Sim.RequestTooLarge"))
    );
    assert_eq!(
        r.json()["Message"],
        "The request body exceeds 1048576 bytes."
    );
    assert_eq!(r.header("connection"), Some("close"));
    // Chunked, with no length announced: refused once the limit is passed.
    let mut raw = RawConnection::connect(s.addr).unwrap();
    let mut request =
        b"POST /_sim/replay HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..17 {
        request.extend_from_slice(b"10000\r\n");
        request.extend_from_slice(&[b' '; 0x10000]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    raw.send_until_closed(&request).unwrap();
    let r = raw
        .read_answer_until_close(Duration::from_secs(10))
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (413, Some("Sim.RequestTooLarge"))
    );
    assert_eq!(r.header("connection"), Some("close"));
    // Exactly 1 MiB is accepted (a replay of blank lines answers nothing).
    let mut c = s.client();
    let r = c
        .request("POST", "/_sim/replay", &[], &vec![b'\n'; 1024 * 1024])
        .unwrap();
    assert_eq!((r.status, text(&r)), (200, String::new()));
    assert_eq!(s.state(&mut s.client()), before);
    still_serving(&s);
}

#[test]
fn a_header_block_over_64_kib_answers_431() {
    let (s, _c, before) = setup();
    // Raw TCP: the server answers once its limit is passed and closes, possibly before the
    // rest of the block is written, which an HTTP client may report as a broken write.
    let mut raw = RawConnection::connect(s.addr).unwrap();
    let mut request = b"GET /_sim/health HTTP/1.1\r\nhost: x\r\nx-big: ".to_vec();
    request.extend_from_slice(&[b'v'; 64 * 1024]);
    request.extend_from_slice(b"\r\n\r\n");
    raw.send_until_closed(&request).unwrap();
    let r = raw
        .read_answer_until_close(Duration::from_secs(10))
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (431, Some("Sim.HeaderTooLarge"))
    );
    assert_eq!(
        r.json()["Message"],
        "The request header block exceeds 65536 bytes."
    );
    // More headers than hyper's count limit: hyper answers before the server sees the
    // request, and its bare 431 is given the server's JSON body; connection closed.
    let mut c = s.client();
    let names: Vec<String> = (0..300).map(|i| format!("x-h{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "0")).collect();
    let r = c.request("GET", "/_sim/health", &headers, b"").unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (431, Some("Sim.HeaderTooLarge"))
    );
    assert_eq!(r.header("connection"), Some("close"));
    // Just under the limit is served.
    let mut c = s.client();
    let value = "v".repeat(60 * 1024);
    let r = c
        .request("GET", "/_sim/health", &[("x-big", &value)], b"")
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(s.state(&mut s.client()), before);
    still_serving(&s);
}

#[test]
fn idle_and_slow_connections_are_closed_after_the_idle_timeout() {
    let (s, _c, _) = setup();
    // Idle from the start.
    let mut idle = s.client();
    // A keep-alive connection that served a request, then went quiet.
    let mut quiet = s.client();
    let r = quiet.request("GET", "/_sim/health", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    // A slow client: half a request line, then nothing.
    let mut slow = RawConnection::connect(s.addr).unwrap();
    slow.send_raw(b"GET /_sim/hea").unwrap();
    assert!(
        !idle.is_closed_within(Duration::from_millis(300)),
        "closed too early"
    );
    for c in [&mut idle, &mut quiet] {
        assert!(
            c.is_closed_within(Duration::from_secs(5)),
            "not closed after the idle timeout"
        );
    }
    assert!(
        slow.is_closed_within(Duration::from_secs(5)).unwrap(),
        "not closed after the idle timeout"
    );
    still_serving(&s);
}

#[test]
fn non_utf8_and_duplicated_parameters_answer_invalid_parameter() {
    let (s, mut c, before) = setup();
    let r = c
        .request("GET", "/?Action=CreateBackup&DBInstanceId=%FF", &[], b"")
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidParameter"))
    );
    assert_eq!(
        r.json()["Message"],
        "The specified parameter \"DBInstanceId\" is not valid: it is not UTF-8."
    );
    let r = c
        .request(
            "GET",
            "/?Action=CreateBackup&DBInstanceId=a&DBInstanceId=b",
            &[],
            b"",
        )
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidParameter"))
    );
    assert_eq!(
        r.json()["Message"],
        "The specified parameter \"DBInstanceId\" is not valid: it is given more than once."
    );
    // A signed request with a parameter repeated after signing is refused the same way.
    let nonce = s.next_nonce();
    let q = s.signer.v1_query(
        "POST",
        "CreateBackup",
        &[("DBInstanceId", "rm-h")],
        &nonce,
        &s.timestamp(),
    );
    let r = c
        .request("POST", &format!("/?{q}&DBInstanceId=rm-h"), &[], b"")
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidParameter"))
    );
    // Raw non-UTF-8 bytes in a form body.
    let r = c
        .request(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"Action=CreateBackup&DBName=\xc3\x28",
        )
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidParameter"))
    );
    assert_eq!(s.state(&mut c), before);
    still_serving(&s);
}

#[test]
fn unknown_actions_answer_invalid_action_not_found() {
    let (s, mut c, before) = setup();
    for action in ["DeleteDBInstanze", "createbackup", "Sim.CreateInstance", ""] {
        let r = s.v1(&mut c, action, &[("DBInstanceId", "rm-h")]);
        assert_eq!(
            (r.status, r.code().as_deref()),
            (404, Some("InvalidAction.NotFound")),
            "{action:?}"
        );
    }
    assert_eq!(s.state(&mut c), before);
    still_serving(&s);
}

#[test]
fn a_flood_of_bad_signatures_changes_nothing_and_a_good_request_is_then_served() {
    let (s, _c, before) = setup();
    let wrong = rds_backup_sim_emulator::sign_v1::Signer::new("testid", "wrong");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let addr = s.addr;
            let wrong = wrong.clone();
            let ts = s.timestamp();
            std::thread::spawn(move || {
                let mut c = HttpClient::connect(addr).unwrap();
                for i in 0..500 {
                    let r = c
                        .v1(
                            &wrong,
                            "POST",
                            "CreateBackup",
                            &[("DBInstanceId", "rm-h")],
                            &format!("flood-{t}-{i}"),
                            &ts,
                        )
                        .unwrap();
                    assert_eq!(
                        (r.status, r.code().as_deref()),
                        (400, Some("SignatureDoesNotMatch"))
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut c = s.client();
    assert_eq!(s.state(&mut c), before);
    // Bad-signature nonces were not recorded: a good request may reuse one.
    let r = s.v1_with(
        &mut c,
        "POST",
        "CreateBackup",
        &[("DBInstanceId", "rm-h")],
        "flood-0-0",
        &s.timestamp(),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.json()["BackupJobId"], "100001");
}
