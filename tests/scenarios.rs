//! Data-driven rule tests: every file in `tests/scenarios/` is a scenario whose lines may
//! carry `Expect`, matched exactly as `shared/conformance/check.py` matches (every key of
//! `Expect` present and equal, objects recursively, lists element by element with equal
//! length, `"*"` any present non-empty value). Each case cites the spec rule it pins in the
//! comment line above it. The scenarios run through `Scenario::apply_line`, the dispatch
//! `replay` and the emulator share.

use std::path::Path;

use rds_backup_sim::scenario::Scenario;
use serde_json::Value;

fn matches(expected: &Value, actual: Option<&Value>, path: &str, problems: &mut Vec<String>) {
    let Some(actual) = actual else {
        problems.push(format!("{path}: missing (expected {expected})"));
        return;
    };
    match expected {
        Value::String(s) if s == "*" => {
            let empty = match actual {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            };
            if empty {
                problems.push(format!("{path}: expected a non-empty value, got {actual}"));
            }
        }
        Value::Object(fields) => match actual {
            Value::Object(_) => {
                for (key, value) in fields {
                    matches(value, actual.get(key), &format!("{path}.{key}"), problems);
                }
            }
            _ => problems.push(format!("{path}: expected an object, got {actual}")),
        },
        Value::Array(items) => match actual {
            Value::Array(got) if got.len() == items.len() => {
                for (i, (e, a)) in items.iter().zip(got).enumerate() {
                    matches(e, Some(a), &format!("{path}[{i}]"), problems);
                }
            }
            _ => problems.push(format!("{path}: expected {expected}, got {actual}")),
        },
        _ if expected != actual => {
            problems.push(format!("{path}: expected {expected}, got {actual}"))
        }
        _ => {}
    }
}

/// Runs one scenario file; returns how many `Expect`s were checked.
fn run(name: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name);
    let text =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut scenario = Scenario::new();
    let (mut checked, mut problems) = (0, Vec::new());
    for (number, line) in text.split(|b| *b == b'\n').enumerate() {
        let Some(answer) = scenario.apply_line(line) else {
            continue;
        };
        let answer: Value = serde_json::from_str(&answer.to_line()).expect("answers are JSON");
        let Ok(case) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        if let Some(expect) = case.get("Expect") {
            checked += 1;
            let before = problems.len();
            matches(expect, Some(&answer), "answer", &mut problems);
            for problem in &mut problems[before..] {
                *problem = format!("{name}:{}: {problem}\n    answer: {answer}", number + 1);
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
fn ram_authorization() {
    run("ram.jsonl");
}

#[test]
fn every_scenario_file_is_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/scenarios exists")
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
        "job-lifecycle.jsonl",
        "other-operations.jsonl",
        "ram.jsonl",
    ];
    assert_eq!(names, run_here, "a scenario file has no test");
}
