//! `rds-backup-sim serve` configured by `RDS_SIM_*` variables, and its request log on
//! standard error (spec/emulator.md, "Starting it" and "Request log"). Runs the real
//! binary.

mod common;

use std::process::Command;

use common::client::HttpClient;
use common::{spawn, stop, BIN};
use rds_backup_sim_emulator::clock::real_now;
use rds_backup_sim_emulator::sign_v1::Signer;

const SECRET: &str = "s3cr3t-never-logged";

fn timestamp() -> String {
    real_now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `serve` with no flags but `extra`, configured by `vars`.
fn serve_with(vars: &[(&str, &str)], extra: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.arg("serve").args(extra);
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

#[test]
fn json_log_lines_from_the_environment_one_per_request_with_no_secret() {
    let (child, addr, banner) = spawn(serve_with(
        &[
            ("RDS_SIM_LISTEN", "127.0.0.1:0"),
            ("RDS_SIM_LOG_FORMAT", "json"),
            ("RDS_SIM_CLOCK", "manual"),
            ("RDS_SIM_REQUEST_TIMEOUT", "7"),
            ("RDS_SIM_MAX_CONNECTIONS", "99"),
            (
                "RDS_SIM_ACCESS_KEY",
                &format!("ak-ci:{SECRET},ak-two:other-secret"),
            ),
        ],
        &[],
    ));
    assert!(banner.contains("clock manual"), "{banner}");
    assert!(banner.contains("access keys ak-ci, ak-two"), "{banner}");
    assert!(
        banner.contains("; request timeout 7 s; at most 99 connections"),
        "{banner}"
    );
    let mut c = HttpClient::connect(addr).unwrap();
    let r = c
        .request(
            "POST",
            "/_sim/action",
            &[],
            br#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-log","Engine":"MySQL"}"#,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    let signed = c
        .v1(
            &Signer::new("ak-ci", SECRET),
            "POST",
            "CreateBackup",
            &[("DBInstanceId", "rm-log")],
            "nonce-1",
            &timestamp(),
        )
        .unwrap();
    assert_eq!(signed.status, 200, "{:?}", signed.json());
    let refused = c
        .v1(
            &Signer::new("ak-ci", "wrong-secret"),
            "POST",
            "DescribeBackups",
            &[("DBInstanceId", "rm-log")],
            "nonce-2",
            &timestamp(),
        )
        .unwrap();
    assert_eq!(refused.code().as_deref(), Some("SignatureDoesNotMatch"));
    let unsigned = c
        .request("GET", "/?Action=CreateBackup&DBInstanceId=rm-log", &[], b"")
        .unwrap();
    assert_eq!(unsigned.code().as_deref(), Some("MissingParameter"));
    drop(c);
    let output = stop(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("rds-backup-sim serve: stopped"), "{stdout}");

    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    let keys = [
        "access_key_id",
        "action",
        "code",
        "fault_id",
        "instance",
        "method",
        "micros",
        "path",
        "sim_time",
        "status",
        "time",
    ];
    for line in &lines {
        let mut got: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        got.sort_unstable();
        assert_eq!(got, keys, "{line}");
        assert_eq!(line["fault_id"], serde_json::Value::Null);
    }
    let find = |status: u64, code: Option<&str>| {
        lines
            .iter()
            .filter(|l| l["status"] == status && l["code"].as_str() == code && l["path"] == "/")
            .count()
    };
    assert_eq!(find(200, None), 1, "the signed request: {stderr}");
    assert_eq!(
        find(400, Some("SignatureDoesNotMatch")),
        1,
        "the refused one: {stderr}"
    );
    assert_eq!(
        find(400, Some("MissingParameter")),
        1,
        "the unsigned one: {stderr}"
    );
    let signed_line = lines
        .iter()
        .find(|l| l["status"] == 200 && l["path"] == "/")
        .unwrap();
    assert_eq!(signed_line["action"], "CreateBackup");
    assert_eq!(signed_line["instance"], "rm-log");
    assert_eq!(signed_line["access_key_id"], "ak-ci");
    assert_eq!(signed_line["method"], "POST");
    assert_eq!(signed_line["sim_time"], "2026-01-01T00:00:00Z");
    for text in [&stderr, &stdout] {
        assert!(!text.contains(SECRET), "a secret in the output: {text}");
        assert!(!text.contains("wrong-secret"));
        assert!(!text.contains("other-secret"));
    }
}

#[test]
fn a_flag_wins_over_its_variable_and_text_is_one_readable_line() {
    let (child, addr, _) = spawn(serve_with(
        &[
            ("RDS_SIM_LOG_FORMAT", "json"),
            ("RDS_SIM_LISTEN", "127.0.0.1:1"),
        ],
        &["--log-format", "text", "--listen", "localhost:0"],
    ));
    assert!(addr.ip().is_loopback());
    let mut c = HttpClient::connect(addr).unwrap();
    assert_eq!(
        c.request("GET", "/_sim/health", &[], b"").unwrap().status,
        200
    );
    drop(c);
    let output = stop(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().next().unwrap_or_default();
    assert!(
        line.contains(" GET /_sim/health - instance=- key=- 200 "),
        "{stderr}"
    );
    assert!(line.ends_with("us"), "{line}");
}

#[test]
fn switch_variables_take_the_spec_values_and_refuse_others() {
    let (child, _, banner) = spawn(serve_with(
        &[
            ("RDS_SIM_LISTEN", "127.0.0.1:0"),
            ("RDS_SIM_ACCEPT_ANY_KEY", "Yes"),
            ("RDS_SIM_QUIET", "off"),
        ],
        &[],
    ));
    assert!(banner.contains("(--accept-any-key)"), "{banner}");
    stop(child);
    let output = serve_with(&[("RDS_SIM_ACCEPT_ANY_KEY", "maybe")], &[])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "\"maybe\" is not a switch value: use 1, true, yes, on, or 0, false, no, off, empty"
        ),
        "{stderr}"
    );
    let open = serve_with(
        &[
            ("RDS_SIM_ACCEPT_ANY_KEY", "1"),
            ("RDS_SIM_LISTEN", "0.0.0.0:0"),
            ("RDS_SIM_ADMIN_TOKEN", "t"),
        ],
        &[],
    )
    .output()
    .unwrap();
    assert!(!open.status.success());
    assert!(
        String::from_utf8_lossy(&open.stderr)
            .contains("--accept-any-key is refused with --listen 0.0.0.0:0"),
        "{open:?}"
    );
}

#[test]
fn help_names_every_variable_and_hides_secret_values() {
    let output = Command::new(BIN)
        .args(["serve", "--help"])
        .env("RDS_SIM_ADMIN_TOKEN", "hidden-token-value")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for var in [
        "RDS_SIM_LISTEN",
        "RDS_SIM_STATE_DIR",
        "RDS_SIM_CLOCK",
        "RDS_SIM_ACCESS_KEY",
        "RDS_SIM_ADMIN_TOKEN",
        "RDS_SIM_SEED",
        "RDS_SIM_IDLE_TIMEOUT",
        "RDS_SIM_REQUEST_TIMEOUT",
        "RDS_SIM_MAX_CONNECTIONS",
        "RDS_SIM_IDENTITIES",
        "RDS_SIM_ACCEPT_ANY_KEY",
        "RDS_SIM_LOG_FORMAT",
        "RDS_SIM_LOG_LEVEL",
        "RDS_SIM_QUIET",
    ] {
        assert!(
            help.contains(&format!("[env: {var}")),
            "{var} missing from:\n{help}"
        );
    }
    assert!(!help.contains("hidden-token-value"), "{help}");
}
