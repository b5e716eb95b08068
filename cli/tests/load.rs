//! `rds-backup-sim load` against `rds-backup-sim serve`, both the real binary: the load
//! generator is a subcommand of the program (docs/performance.md, "Emulator load").

mod common;

use std::process::Command;

use common::{spawn_serve, stop, BIN};

#[test]
fn load_drives_signed_requests_against_serve_and_reports_rate_and_latency() {
    // Quiet: the request log of the load would fill the unread stderr pipe.
    let (child, addr, _) = spawn_serve(&["--clock", "manual", "--quiet"]);
    let target = addr.to_string();
    let output = Command::new(BIN)
        .args(["load", "--target", &target, "--seconds", "1"])
        .args(["--connections", "2", "--instances", "4"])
        .output()
        .unwrap();
    stop(child);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    // "N requests in S s: R req/s; latency p50 …, p99 …, p99.9 …, max …; statuses [(200, …)…]; transport errors 0"
    let (requests, rest) = stdout.split_once(" requests in ").unwrap_or_default();
    assert!(requests.parse::<u64>().is_ok_and(|n| n > 0), "{stdout}");
    assert!(
        rest.contains(" req/s; latency p50 ") && rest.contains(", p99 "),
        "{stdout}"
    );
    assert!(rest.contains("statuses [(200, "), "{stdout}");
    assert!(
        rest.trim_end().ends_with("; transport errors 0"),
        "{stdout}"
    );
}

#[test]
fn load_with_a_malformed_access_key_is_refused_with_its_message() {
    let output = Command::new(BIN)
        .args(["load", "--access-key", "nocolon", "--seconds", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "rds-backup-sim: --access-key must be ID:SECRET\n"
    );
}
