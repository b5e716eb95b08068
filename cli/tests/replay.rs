//! The `replay` program end to end: the conformance corpus through `replay --check`,
//! streaming from standard input, bad bytes, and exit codes. Uses the binary cargo built
//! for this test (`CARGO_BIN_EXE_rds-backup-sim`); never builds anything itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_rds-backup-sim")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `replay -` running, its standard input, output and error piped.
fn spawn_replay_stdin() -> std::process::Child {
    Command::new(bin())
        .args(["replay", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary starts")
}

fn replay_stdin(input: &[u8]) -> Output {
    let mut child = spawn_replay_stdin();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input).expect("the child reads its input");
    drop(stdin);
    child.wait_with_output().expect("the child ends")
}

/// Each answer's `Code`, or `"200"` for a success.
fn codes(answers: &[Value]) -> Vec<&str> {
    answers
        .iter()
        .map(|a| a.get("Code").and_then(Value::as_str).unwrap_or("200"))
        .collect()
}

fn answers(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .expect("answers are UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each answer is JSON"))
        .collect()
}

/// The project's conformance corpus (`tests/conformance/`, which holds copies of the public
/// cases) through the program's own `replay --check`.
#[test]
fn the_conformance_corpus_passes_replay_check() {
    let dir = repo().join("tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus must be at {}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus has its files: {files:?}");
    let output = Command::new(bin())
        .args(["replay", "--check"])
        .args(&files)
        .output()
        .expect("replay --check runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "no mismatch lines: {stdout}");
    let (passed, failed) = stdout
        .trim_end()
        .split_once(" passed, ")
        .unwrap_or_else(|| panic!("a summary line: {stdout}"));
    assert!(passed.parse::<u32>().is_ok_and(|n| n > 300), "{stdout}");
    assert_eq!(failed, "0 failed");
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rds-sim-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the scratch file is written");
    path
}

/// A deliberately wrong `Expect` is reported with the file's own line number (comments and
/// blank lines counted) and the run exits 1; right lines still count as passed.
#[test]
fn check_reports_a_wrong_expect_with_file_and_line_and_exits_1() {
    let path = scratch(
        "wrong.jsonl",
        "# a comment\n\n\
         {\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-a\",\"Engine\":\"MySQL\",\"Expect\":{\"HttpStatus\":200}}\n\
         {\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\",\"Expect\":{\"HttpStatus\":200,\"BackupJobId\":\"*\"}}\n\
         # the second request meets the first job\n\
         {\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\",\"Expect\":{\"HttpStatus\":200,\"Code\":\"Exceeded.BackupTimes\"}}\n\
         {\"Action\":\"DescribeBackupTasks\",\"DBInstanceId\":\"rm-a\"}\n",
    );
    let output = Command::new(bin())
        .args(["replay", "--check"])
        .arg(&path)
        .output()
        .expect("replay --check runs");
    let file = path.display();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "{file}:6: CreateBackup: Code: expected \"Exceeded.BackupTimes\", got \"BackupJobExists\"\n\
             {file}:6: CreateBackup: HttpStatus: expected 200, got 400\n\
             2 passed, 1 failed\n"
        )
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stderr.is_empty());
}

/// An unreadable file is named on standard error, the other files still run, and the exit
/// code is 2.
#[test]
fn check_of_an_unreadable_file_exits_2_and_runs_the_others() {
    let good = scratch(
        "good.jsonl",
        "{\"Action\":\"CreateBackup\",\"Expect\":{\"Code\":\"RequiredParam.NotFound\"}}\n",
    );
    let output = Command::new(bin())
        .args(["replay", "--check", "/nonexistent/a.jsonl"])
        .arg(&good)
        .output()
        .expect("replay --check runs");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "1 passed, 0 failed\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot open /nonexistent/a.jsonl: No such file or directory (os error 2)\n"
    );
    assert_eq!(output.status.code(), Some(2));
}

/// A byte-order mark at the very start and `\r\n` line ends are accepted.
#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let output = replay_stdin(
        b"\xEF\xBB\xBF{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-a\",\"Engine\":\"MySQL\"}\r\n\
          # a comment\r\n\r\n\
          {\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\"}\r\n",
    );
    assert!(output.status.success());
    let answers = answers(&output);
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["HttpStatus"], 200);
    assert_eq!(answers[0]["DBInstanceId"], "rm-a");
    assert_eq!(answers[1]["BackupJobId"], "100001");
}

/// Without --check, replay takes exactly one file.
#[test]
fn replay_without_check_refuses_two_files() {
    let output = Command::new(bin())
        .args(["replay", "a.jsonl", "b.jsonl"])
        .output()
        .expect("replay runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: replay takes one FILE (or `-`); give --check to check several files\n"
    );
}

#[test]
fn the_quickstart_example_replays_as_the_readme_says() {
    let output = Command::new(bin())
        .args(["replay"])
        .arg(repo().join("examples/quickstart.jsonl"))
        .output()
        .expect("replay runs");
    assert!(output.status.success());
    let answers = answers(&output);
    assert_eq!(
        codes(&answers),
        [
            "200",
            "200",
            "200",
            "BackupJobExists",
            "200",
            "200",
            "Exceeded.BackupTimes",
            "200",
            "200",
            "200"
        ]
    );
    assert_eq!(answers[8]["Items"]["Backup"][0]["BackupMode"], "Automated");
}

#[test]
fn blank_and_comment_lines_answer_nothing_and_stdin_streams() {
    let output = replay_stdin(
        b"\n   \n# a comment\n  # indented comment\n{\"Action\":\"DescribeBackups\"}\n",
    );
    assert!(output.status.success());
    let answers = answers(&output);
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["HttpStatus"], 400);
    assert_eq!(answers[0]["Code"], "RequiredParam.NotFound");
}

#[test]
fn invalid_utf8_and_huge_values_are_answered_and_the_replay_goes_on() {
    let mut input =
        b"{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-a\",\"Engine\":\"MySQL\"}\n"
            .to_vec();
    input.extend_from_slice(b"{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-\xff\xfe\"}\n");
    input.extend_from_slice(b"\xc3\x28 not even json\n");
    let huge = "x".repeat(1 << 20);
    input.extend_from_slice(
        format!("{{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"{huge}\"}}\n").as_bytes(),
    );
    input.extend_from_slice(format!("{{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\",\"BackupMethod\":\"{huge}\"}}\n").as_bytes());
    input.extend_from_slice(b"{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\"}");
    let output = replay_stdin(&input);
    assert!(output.status.success());
    let answers = answers(&output);
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[1]["Code"], "Sim.MalformedLine");
    assert!(answers[1]["Message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("The line is not valid JSON: "));
    assert_eq!(answers[2]["Code"], "Sim.MalformedLine");
    // Values over 1,024 characters are refused before anything reads them (emulator.md,
    // "Limits").
    assert_eq!(answers[3]["Code"], "InvalidParameter");
    assert_eq!(
        answers[3]["Message"],
        "The specified parameter DBInstanceId is too long."
    );
    assert_eq!(answers[4]["Code"], "InvalidParameter");
    assert_eq!(
        answers[4]["Message"],
        "The specified parameter BackupMethod is too long."
    );
    // The last line has no newline; it is still answered, and nothing before changed the state.
    assert_eq!(answers[5]["HttpStatus"], 200);
    assert_eq!(answers[5]["BackupJobId"], "100001");
    let longest = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::len)
        .max();
    assert!(longest < Some(1024), "no answer echoes a huge value");
}

#[test]
fn replay_is_deterministic_for_a_seed() {
    let script = |seed: u64| {
        format!(
            "{{\"Action\":\"Sim.Configure\",\"Seed\":{seed}}}\n\
             {{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-a\",\"Engine\":\"MySQL\"}}\n\
             {{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\"}}\n\
             {{\"Action\":\"DescribeBackups\",\"DBInstanceId\":\"rm-a\",\"At\":\"2026-01-02T00:00:00Z\"}}\n"
        )
    };
    let first = replay_stdin(script(42).as_bytes());
    let second = replay_stdin(script(42).as_bytes());
    assert_eq!(answers(&first).len(), 4);
    assert_eq!(first.stdout, second.stdout);
    let other_seed = replay_stdin(script(43).as_bytes());
    assert_eq!(answers(&other_seed).len(), 4);
    assert_ne!(
        first.stdout, other_seed.stdout,
        "request ids and sizes follow the seed"
    );
}

#[test]
fn an_unreadable_file_exits_non_zero_with_a_message() {
    let output = Command::new(bin())
        .args(["replay", "/nonexistent/scenario.jsonl"])
        .output()
        .expect("replay runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot open /nonexistent/scenario.jsonl: No such file or directory (os error 2)\n"
    );
}

/// The README's least-privilege example, end to end through `replay` (ram.md).
#[test]
fn the_ram_policy_example_allows_test_and_denies_prod() {
    let output = Command::new(bin())
        .args(["replay"])
        .arg(repo().join("examples/ram-policy.jsonl"))
        .output()
        .expect("replay runs");
    assert!(output.status.success());
    let answers = answers(&output);
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[3]["HttpStatus"], 200);
    assert_eq!(answers[3]["BackupJobId"], "100001");
    assert_eq!(answers[4]["HttpStatus"], 403);
    assert_eq!(answers[4]["Code"], "Forbidden.RAM");
    assert_eq!(
        answers[4]["Message"],
        "User not authorized to operate on the specified resource, or this API doesn't support RAM."
    );
    assert_eq!(
        answers[4]["AccessDeniedDetail"]["NoPermissionType"],
        "ImplicitDeny"
    );
    assert_eq!(
        answers[4]["AccessDeniedDetail"]["AuthAction"],
        "rds:CreateBackup"
    );
    assert_eq!(answers[5]["Items"]["BackupJob"][0]["BackupJobId"], "100001");
}

/// The peak resident memory of a running process, in bytes (Linux `VmHWM`).
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("a Linux /proc");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM in /proc/PID/status");
    kib * 1024
}

/// A line over 16 MiB answers `Sim.MalformedLine` naming its number and the limit, is
/// streamed past without being held whole (64 MiB of zeros cost far less than 64 MiB of
/// memory), and the replay goes on with the next line. A line of exactly 16 MiB is read.
#[test]
fn a_line_over_16_mib_is_refused_streamed_past_and_the_replay_goes_on() {
    let mut child = spawn_replay_stdin();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let exact = {
        let mut line =
            br#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-a","Engine":"MySQL"}"#.to_vec();
        line.resize(16 << 20, b' ');
        line
    };
    stdin.write_all(&exact).expect("the child reads");
    stdin.write_all(b"\n").expect("the child reads");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        stdin.write_all(&zeros).expect("the child reads");
    }
    stdin
        .write_all(b"\n{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\"}\n")
        .expect("the child reads");
    stdin.flush().expect("the child reads");
    // The child now waits for more input, alive: its peak memory so far covers the lines.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let peak = peak_memory(child.id());
    drop(stdin);
    let output = child.wait_with_output().expect("the child ends");
    assert!(output.status.success());
    let answers = answers(&output);
    assert_eq!(answers.len(), 3);
    assert_eq!(
        answers[0]["HttpStatus"], 200,
        "a line of exactly 16 MiB is read"
    );
    assert_eq!(answers[1]["HttpStatus"], 400);
    assert_eq!(answers[1]["Code"], "Sim.MalformedLine");
    assert_eq!(
        answers[1]["Message"],
        "Line 2 is longer than the limit of 16777216 bytes (16 MiB)."
    );
    assert_eq!(answers[2]["BackupJobId"], "100001");
    assert!(
        peak < 56 << 20,
        "the 64 MiB line was not held: peak {peak} bytes"
    );
}

/// faults.md: the README's failure-path example answers as it says, and a scenario with
/// `Probability` faults replays to the same bytes every time; another seed draws otherwise.
#[test]
fn fault_scenarios_replay_to_the_same_bytes_and_follow_the_seed() {
    let output = Command::new(bin())
        .args(["replay"])
        .arg(repo().join("examples/faults.jsonl"))
        .output()
        .expect("replay runs");
    assert!(output.status.success());
    let example = answers(&output);
    assert_eq!(
        codes(&example),
        [
            "200",
            "200",
            "200",
            "InternalError",
            "BackupJobExists",
            "200",
            "200",
            "200",
            "200"
        ]
    );
    assert_eq!(example[3]["HttpStatus"], 500);
    assert_eq!(example[5]["Items"]["BackupJob"][0]["BackupJobId"], "100001");
    let script = |seed: u64| {
        let mut lines = format!(
            "{{\"Action\":\"Sim.Configure\",\"Seed\":{seed}}}\n\
             {{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-a\",\"Engine\":\"MySQL\"}}\n\
             {{\"Action\":\"Sim.InjectFault\",\"Fault\":\"Throttling\",\"Target\":\"*\",\"Probability\":0.3}}\n\
             {{\"Action\":\"Sim.InjectFault\",\"Fault\":\"JobFails\",\"Probability\":0.5}}\n"
        );
        for minute in 0..60 {
            lines.push_str(&format!(
                "{{\"Action\":\"CreateBackup\",\"DBInstanceId\":\"rm-a\",\"At\":\"2026-01-01T{:02}:{:02}:00Z\"}}\n",
                minute / 6,
                (minute % 6) * 10 + 5
            ));
        }
        lines.push_str("{\"Action\":\"Sim.DescribeFaults\"}\n");
        lines
    };
    let first = replay_stdin(script(42).as_bytes());
    let second = replay_stdin(script(42).as_bytes());
    assert_eq!(first.stdout, second.stdout, "byte-identical");
    let faults = answers(&first).pop().expect("the last answer");
    let fired = |i: usize| faults["Faults"][i]["Fired"].as_u64().unwrap_or(0);
    assert!(
        (8..=30).contains(&fired(0)),
        "about 30 % of 60 throttled: {faults}"
    );
    assert!(fired(1) > 0, "some jobs fail: {faults}");
    let other = replay_stdin(script(43).as_bytes());
    assert_ne!(first.stdout, other.stdout, "the draws follow the seed");
}
