//! The control plane `/_sim/` (spec/emulator.md): each call, the admin token, 404 and 405,
//! and the paths outside `/` and `/_sim/`.

mod common;

use common::{start, text};

#[test]
fn action_applies_one_line_and_answers_the_scenario_answer_with_its_status() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    let r = s.sim(&mut c, "{\n  \"Action\": \"Sim.CreateInstance\",\n  \"DBInstanceId\": \"rm-a\",\n  \"Engine\": \"MySQL\"\n}\n");
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(text(&r).starts_with("{\"HttpStatus\":200,"), "{}", text(&r));
    assert_eq!(r.json()["DBInstanceId"], "rm-a");
    let r = s.sim(
        &mut c,
        r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-a","Engine":"MySQL"}"#,
    );
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("Sim.InstanceAlreadyExists"))
    );
    assert_eq!(r.json()["HttpStatus"], 400);
    // API actions are accepted unsigned here.
    let r = s.sim(&mut c, r#"{"Action":"CreateBackup","DBInstanceId":"rm-a"}"#);
    assert_eq!(r.json()["BackupJobId"], "100001");
    // Nothing to apply.
    let r = s.sim(&mut c, "  # a comment\n");
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("Sim.MalformedLine"))
    );
    assert_eq!(r.json()["Message"], "The body holds no scenario line.");
    let r = c
        .request(
            "POST",
            "/_sim/action",
            &[],
            b"{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"\xff\"}",
        )
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("Sim.MalformedLine"))
    );
    assert_eq!(
        r.json()["Message"],
        "Line 1 is not UTF-8; nothing was applied."
    );
}

#[test]
fn replay_answers_json_lines_in_order() {
    let s = start(&["--clock", "manual"]);
    let mut c = s.client();
    let body = "# set-up\n{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-r\",\"Engine\":\"MySQL\"}\n\n{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-r\"}\n{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-r\"}\r\n";
    let r = c
        .request(
            "POST",
            "/_sim/replay",
            &[("content-type", "text/plain")],
            body.as_bytes(),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/x-ndjson;charset=utf-8")
    );
    let lines: Vec<serde_json::Value> = text(&r)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["HttpStatus"], 200);
    assert_eq!(lines[1]["BackupJobId"], "100001");
    assert_eq!(lines[2]["Code"], "BackupJobExists");
}

#[test]
fn state_get_put_round_trips_and_reset_starts_over() {
    let s = start(&["--clock", "manual", "--seed", "5"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-s");
    let r = s.sim(&mut c, r#"{"Action":"CreateBackup","DBInstanceId":"rm-s"}"#);
    assert_eq!(r.json()["BackupJobId"], "100001");
    let snapshot = s.state(&mut c);
    assert_eq!(snapshot["Settings"]["Seed"], 5);
    assert!(snapshot["Instances"]["rm-s"].is_object(), "{snapshot}");
    let r = c.request("POST", "/_sim/reset", &[], b"").unwrap();
    assert_eq!(
        (r.status, text(&r)),
        (200, "{\"status\":\"ok\"}".to_owned())
    );
    let empty = s.state(&mut c);
    assert_eq!(empty["Instances"], serde_json::json!({}));
    assert_eq!(empty["Settings"]["Seed"], 5);
    let r = c
        .request(
            "PUT",
            "/_sim/state",
            &[("content-type", "application/json")],
            snapshot.to_string().as_bytes(),
        )
        .unwrap();
    assert_eq!(
        (r.status, text(&r)),
        (200, "{\"status\":\"ok\"}".to_owned())
    );
    assert_eq!(s.state(&mut c), snapshot);
    // The counters came back with it: the next job id follows.
    s.create_instance(&mut c, "rm-t");
    let r = s.sim(&mut c, r#"{"Action":"CreateBackup","DBInstanceId":"rm-t"}"#);
    assert_eq!(r.json()["BackupJobId"], "100002");
    let r = c
        .request("PUT", "/_sim/state", &[], b"{\"not\":\"a state\"}")
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("Sim.InvalidState"))
    );
    assert!(r.json()["Message"]
        .as_str()
        .unwrap()
        .starts_with("The body is not a simulation state: "));
    let r = c.request("GET", "/_sim/health", &[], b"").unwrap();
    assert_eq!(
        (r.status, text(&r)),
        (200, "{\"status\":\"ok\"}".to_owned())
    );
}

#[test]
fn unknown_calls_and_wrong_methods_answer_json_errors() {
    let s = start(&[]);
    let mut c = s.client();
    let r = c.request("GET", "/_sim/nothing", &[], b"").unwrap();
    assert_eq!((r.status, r.code().as_deref()), (404, Some("Sim.NotFound")));
    assert_eq!(
        r.json()["Message"],
        "There is no control-plane call /_sim/nothing."
    );
    let r = c.request("GET", "/_sim/reset", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (405, Some("Sim.MethodNotAllowed"))
    );
    assert_eq!(r.header("allow"), Some("POST"));
    let r = c.request("DELETE", "/_sim/state", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.code().as_deref()),
        (405, Some("Sim.MethodNotAllowed"))
    );
    assert_eq!(
        r.json()["Message"],
        "/_sim/state does not accept DELETE; it accepts GET, PUT."
    );
    for (method, path) in [
        ("GET", "/other"),
        ("PUT", "/"),
        ("DELETE", "/"),
        ("GET", "/_sim"),
        ("GET", "/api/"),
    ] {
        let r = c.request(method, path, &[], b"").unwrap();
        assert_eq!(
            (r.status, r.code().as_deref()),
            (404, Some("InvalidAction.NotFound")),
            "{method} {path}"
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/json;charset=utf-8")
        );
    }
}

#[test]
fn with_an_admin_token_every_control_call_needs_it() {
    let s = start(&["--admin-token", "s3cret"]);
    let mut c = s.client();
    for (method, path, auth) in [
        ("GET", "/_sim/health", None),
        ("GET", "/_sim/health", Some("Bearer wrong")),
        ("GET", "/_sim/health", Some("s3cret")),
        ("GET", "/_sim/nothing", None),
        ("POST", "/_sim/reset", Some("Bearer s3cre")),
    ] {
        let headers: Vec<(&str, &str)> =
            auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
        let r = c.request(method, path, &headers, b"").unwrap();
        assert_eq!(
            (r.status, r.code().as_deref()),
            (401, Some("Sim.Unauthorized")),
            "{method} {path} {auth:?}"
        );
    }
    let r = c
        .request(
            "GET",
            "/_sim/health",
            &[("authorization", "Bearer s3cret")],
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200);
}
