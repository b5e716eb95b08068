//! The real `rds-backup-sim` binary as a server, for the tests that run it.
#![allow(dead_code)] // each test binary uses part of it

/// The tests' HTTP client on hyper, the one the emulator's tests use.
#[path = "../../../emulator/tests/common/client.rs"]
pub mod client;

use std::io::Read as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};

/// The program under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rds-backup-sim");

/// Starts `rds-backup-sim serve --listen 127.0.0.1:0 FLAGS…`; returns the child, the
/// address from its start-up line, and that line.
pub fn spawn_serve(flags: &[&str]) -> (Child, SocketAddr, String) {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(flags);
    spawn(command)
}

/// Spawns `command` (a `serve`) with its output piped; returns the child, the address from
/// its start-up line, and that line. The rest of standard output stays in the child for
/// `wait_with_output` (the stop line).
pub fn spawn(mut command: Command) -> (Child, SocketAddr, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let addr = line
        .split("listening on http://")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no address in the start-up line {line:?}"))
        .parse()
        .unwrap();
    (child, addr, line)
}

/// The first line of the child's standard output, read byte by byte so that nothing
/// after it is taken from the pipe.
fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.as_mut().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// Sends SIGTERM and waits for the clean stop; returns the output (stdout holds the rest
/// after the start-up line, the stop line included; stderr the request log).
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
