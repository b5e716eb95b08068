//! Data-driven rule tests: every file in `tests/conformance/` is a scenario whose lines may
//! carry `Expect`, matched by `rds_backup_sim::scenario::expect` (the rule of `replay
//! --check`: every key of `Expect` present and equal, objects recursively, lists element by
//! element with equal length, `"*"` any present non-empty value). Each case cites the spec
//! rule it pins in the comment line above it. The scenarios run in process through
//! `Scenario::apply_line`, the dispatch `replay` and the emulator share, and the invariants
//! are checked at the end; `cli/tests/replay.rs` runs the same files through the program's
//! `replay --check`.

use std::path::Path;

use rds_backup_sim::scenario::expect::check_answer;
use rds_backup_sim::scenario::{without_bom, Scenario};
use serde_json::Value;

/// Runs one scenario file; returns how many `Expect`s were checked.
fn run(name: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(name);
    let text =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut scenario = Scenario::new();
    let (mut checked, mut problems) = (0, Vec::new());
    for (number, line) in without_bom(&text).split(|b| *b == b'\n').enumerate() {
        let Some(answer) = scenario.apply_line(line) else {
            continue;
        };
        let Ok(case) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        if let Some(expect) = case.get("Expect") {
            checked += 1;
            for mismatch in check_answer(expect, &answer) {
                problems.push(format!(
                    "{name}:{}: {mismatch}\n    answer: {}",
                    number + 1,
                    answer.to_line()
                ));
            }
        }
    }
    scenario
        .simulation()
        .check_invariants()
        .expect("invariants hold at the end");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(checked > 0, "{name} checks nothing");
    checked
}

#[test]
fn cb_checks_cb1_to_cb17_in_order() {
    run("create-backup-checks.jsonl");
}

#[test]
fn cb_effects_cba1_to_cba3() {
    run("create-backup-effects.jsonl");
}

#[test]
fn quota_q1_to_q4() {
    run("daily-quota.jsonl");
}

#[test]
fn lifecycle_t1_to_t4() {
    run("job-lifecycle.jsonl");
}

#[test]
fn automatic_backups_t5_and_policy_apis() {
    run("automatic-backups.jsonl");
}

#[test]
fn other_operations_section7() {
    run("other-operations.jsonl");
}

#[test]
fn bad_input_is_answered_and_changes_nothing() {
    run("bad-input.jsonl");
}

#[test]
fn describe_db_instances_ddi1_to_ddi9_and_not_implemented_ni1() {
    run("describe-db-instances.jsonl");
}

#[test]
fn fault_injection() {
    run("faults.jsonl");
}

#[test]
fn retention_t6() {
    run("retention.jsonl");
}

#[test]
fn simulator_lines_strict_fields_and_t5_policies() {
    run("simulator-lines.jsonl");
}

#[test]
fn ram_authorization() {
    run("ram.jsonl");
}

/// The public conformance cases, copied from the shared yardstick.
#[test]
fn public_cases_create_backup_rules() {
    run("public-create-backup-rules.jsonl");
}

#[test]
fn public_cases_daily_quota() {
    run("public-daily-quota.jsonl");
}

#[test]
fn public_cases_job_lifecycle() {
    run("public-job-lifecycle.jsonl");
}

#[test]
fn every_scenario_file_is_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    names.sort();
    let run_here = [
        "automatic-backups.jsonl",
        "bad-input.jsonl",
        "create-backup-checks.jsonl",
        "create-backup-effects.jsonl",
        "daily-quota.jsonl",
        "describe-db-instances.jsonl",
        "faults.jsonl",
        "job-lifecycle.jsonl",
        "other-operations.jsonl",
        "public-create-backup-rules.jsonl",
        "public-daily-quota.jsonl",
        "public-job-lifecycle.jsonl",
        "ram.jsonl",
        "retention.jsonl",
        "simulator-lines.jsonl",
    ];
    assert_eq!(names, run_here, "a scenario file has no test");
}
