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
    // A two-column table: "requests   12,345", "rate   6,172 req/s", "HTTP 200   12,345", …
    let rows: Vec<(&str, &str)> = stdout
        .lines()
        .map(|line| {
            line.split_once("  ")
                .map_or((line, ""), |(k, v)| (k, v.trim()))
        })
        .collect();
    let keys: Vec<&str> = rows.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys[..7],
        [
            "requests",
            "duration",
            "rate",
            "latency p50",
            "latency p99",
            "latency p99.9",
            "latency max"
        ],
        "{stdout}"
    );
    assert_eq!(keys.last(), Some(&"transport errors"), "{stdout}");
    let number = |text: &str| text.replace(',', "").parse::<u64>().unwrap_or(u64::MAX);
    let statuses = &rows[7..rows.len() - 1];
    assert!(statuses.iter().any(|(k, _)| *k == "HTTP 200"), "{stdout}");
    assert!(
        statuses.iter().all(|(k, _)| k.starts_with("HTTP ")),
        "{stdout}"
    );
    let answered: u64 = statuses.iter().map(|(_, v)| number(v)).sum();
    assert!(number(rows[0].1) > 0, "{stdout}");
    assert_eq!(
        answered,
        number(rows[0].1),
        "every request is counted by status"
    );
    assert!(rows[2].1.ends_with(" req/s"), "{stdout}");
    assert!(rows[3].1.ends_with(" ms"), "{stdout}");
    assert_eq!(rows[rows.len() - 1].1, "0", "{stdout}");
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
        "error: --access-key must be ID:SECRET\n"
    );
}
