//! The built program run as `simulate` and `merge`, for the fleet tests.
#![allow(dead_code)] // each test binary uses part of it

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The program under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rds-backup-sim");

/// Runs the program with `args`.
pub fn run(args: &[&str]) -> Output {
    run_with(args, &[], None)
}

/// Runs the program with `args`, these environment variables (the Kubernetes and Slurm
/// ones removed unless given) and `stdin` as standard input.
pub fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(BIN);
    command.args(args);
    for name in [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_MIN",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = command.spawn().expect("the built program starts");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write as _;
        pipe.write_all(input).expect("the program reads its input");
    }
    child.wait_with_output().expect("the built program runs")
}

/// Asserts success and gives standard output as text.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// `simulate --json --quiet ARGS…` as JSON.
pub fn json(args: &[&str]) -> Value {
    let mut all = vec!["simulate", "--json", "--quiet"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&run(&all))).expect("--json writes one JSON object")
}

/// The report without what may differ between equal runs: wall time, thread count and
/// the fleet file's path.
pub fn counts(mut report: Value) -> Value {
    let map = report.as_object_mut().expect("an object");
    map.remove("elapsed_seconds");
    map.remove("decisions_per_second");
    let settings = map
        .get_mut("settings")
        .and_then(Value::as_object_mut)
        .expect("settings");
    settings.remove("threads");
    settings
        .get_mut("config")
        .and_then(Value::as_object_mut)
        .expect("settings.config")
        .remove("path");
    report
}

/// The text report without its last line (wall time, threads, decisions per second).
pub fn without_wall_time(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with("wall time "))
        .collect();
    kept.join("\n")
}

/// A fresh path in this test binary's own temporary directory.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rds-backup-sim-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir.join(name)
}

/// A fleet file `name` in the temporary directory holding `[faults]` with these rates of
/// `throttling`, `service_unavailable` and `internal_error_after`.
pub fn faults_file(name: &str, rates: [f64; 3]) -> PathBuf {
    let path = temp(name);
    let [t, s, i] = rates;
    let text = format!(
        "[faults]\nthrottling = {t:?}\nservice_unavailable = {s:?}\ninternal_error_after = {i:?}\n"
    );
    std::fs::write(&path, text).expect("the temporary directory is writable");
    path
}

/// Asserts that `args` fail with exit status `code`, `message` on standard error and
/// nothing on standard output.
pub fn fails_with(args: &[&str], code: i32, message: &str) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
}
