//! The real `rds-backup-sim` binary as a server, for the tests that run it.
#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};

/// The program under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rds-backup-sim");

/// Starts `rds-backup-sim serve --listen 127.0.0.1:0 FLAGS…`; returns the child, the
/// address from its start-up line, and that line.
pub fn spawn_serve(flags: &[&str]) -> (Child, SocketAddr, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("listening on http://")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no address in the start-up line {line:?}"))
        .parse()
        .unwrap();
    (child, addr, line)
}

/// Sends SIGTERM and waits for the clean stop; returns the output (stderr holds the stop
/// line).
pub fn stop(child: Child) -> Output {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    output
}
