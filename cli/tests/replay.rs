//! The `replay` program end to end: the public conformance corpus through its checker,
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

fn replay_stdin(input: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .args(["replay", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input).expect("the child reads its input");
    drop(stdin);
    child.wait_with_output().expect("the child ends")
}

fn answers(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .expect("answers are UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each answer is JSON"))
        .collect()
}

/// The public conformance cases, through `shared/conformance/check.py`.
#[test]
fn public_conformance_corpus_passes() {
    let shared = repo().join("../shared/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&shared)
        .unwrap_or_else(|e| {
            panic!(
                "the conformance corpus must be at {}: {e}",
                shared.display()
            )
        })
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no conformance files in {}",
        shared.display()
    );
    let output = Command::new("python3")
        .arg(shared.join("check.py"))
        .args(["--bin", bin()])
        .args(&files)
        .output()
        .expect("python3 runs the checker");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(output.status.success(), "checker failed:\n{stdout}");
    assert!(
        last.ends_with(" passed, 0 failed"),
        "unexpected summary: {last}"
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
    let codes: Vec<&str> = answers
        .iter()
        .map(|a| a.get("Code").and_then(Value::as_str).unwrap_or("200"))
        .collect();
    assert_eq!(
        codes,
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
    assert_eq!(answers[3]["Code"], "InvalidDBInstanceName.NotFound");
    assert_eq!(
        answers[3]["Message"],
        "The database instance does not exist."
    );
    assert_eq!(answers[4]["Code"], "InvalidBackupMethod.ValueNotSupport");
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
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open /nonexistent/scenario.jsonl"),
        "{stderr}"
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
