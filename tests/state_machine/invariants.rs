//! The invariants of docs/invariants.md, each a property over whole scenarios drawn by the
//! crate's exported strategies (`rds_backup_sim::testing`).

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::Value;

use rds_backup_sim::scenario::{Answer, Scenario};
use rds_backup_sim::testing::{
    create_backup_params, scenario_lines, CreateBackupParams, SCENARIO_INSTANCE_IDS,
};
use rds_backup_sim::{
    BackupMode, DeleteBackupRequest, DescribeBackupTasksRequest, QuotaWindow, Settings, Simulation,
    Timestamp, WireError,
};

use crate::assertions::{check_accepted_preconditions, domain_state};
use crate::config;

const DAY: i64 = 86_400_000;

fn apply(scenario: &mut Scenario, line: &str) -> Answer {
    scenario
        .apply_line(line.as_bytes())
        .unwrap_or_else(|| panic!("no answer to {line}"))
}

fn run(lines: &[String]) -> Vec<String> {
    let mut scenario = Scenario::new();
    lines
        .iter()
        .map(|l| apply(&mut scenario, l).to_line())
        .collect()
}

fn action(line: &str) -> Option<String> {
    let v: Value = serde_json::from_str(line).ok()?;
    v.get("Action")?.as_str().map(str::to_owned)
}

/// The `CreateBackup` parameters of a line written by `CreateBackupParams::to_line`.
fn params_of(line: &str) -> CreateBackupParams {
    let v: Value = serde_json::from_str(line).unwrap_or(Value::Null);
    let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    CreateBackupParams {
        db_instance_id: get("DBInstanceId"),
        db_name: get("DBName"),
        backup_strategy: get("BackupStrategy"),
        backup_method: get("BackupMethod"),
        backup_type: get("BackupType"),
    }
}

/// Start times of the manual jobs of every instance (ended and active).
fn manual_starts(sim: &Simulation) -> BTreeMap<String, Vec<i64>> {
    sim.instances()
        .values()
        .map(|inst| {
            let mut starts: Vec<i64> = inst
                .history()
                .iter()
                .filter(|r| r.mode == BackupMode::Manual)
                .map(|r| r.started.as_millis())
                .chain(
                    inst.active_job()
                        .filter(|j| j.mode == BackupMode::Manual)
                        .map(|j| j.started.as_millis()),
                )
                .collect();
            starts.sort_unstable();
            (inst.id().to_string(), starts)
        })
        .collect()
}

/// How many of `starts` count in the quota window containing `now` under `settings`.
fn in_window(settings: &Settings, starts: &[i64], now: i64) -> usize {
    starts
        .iter()
        .filter(|&&t| match settings.quota_window {
            QuotaWindow::Rolling24h => t > now - DAY && t <= now,
            QuotaWindow::CalendarDay => {
                let off = i64::from(settings.quota_utc_offset.minutes()) * 60_000;
                (t + off).div_euclid(DAY) == (now + off).div_euclid(DAY) && t <= now
            }
        })
        .count()
}

proptest! {
    #![proptest_config(config(32))]

    /// INV-1: at most one active job per instance: an instance's jobs never overlap.
    #[test]
    fn inv1_at_most_one_active_job_per_instance(lines in scenario_lines(10..60)) {
        let mut scenario = Scenario::new();
        for line in &lines {
            apply(&mut scenario, line);
            let mut sim = scenario.simulation().clone();
            sim.settle_all();
            for inst in sim.instances().values() {
                let mut last_end = i64::MIN;
                for r in inst.history() {
                    prop_assert!(r.started.as_millis() >= last_end, "{}: overlapping jobs", inst.id());
                    last_end = r.ended.as_millis();
                }
                if let Some(job) = inst.active_job() {
                    prop_assert!(job.started.as_millis() >= last_end, "{}: active job overlaps", inst.id());
                    prop_assert!(job.ends_at() > sim.clock(), "{}: an ended job is active", inst.id());
                }
            }
            let ids: Vec<String> = sim.instances().keys().map(|k| k.to_string()).collect();
            for id in ids {
                let now = sim.clock();
                let request = DescribeBackupTasksRequest { db_instance_id: Some(&id), ..Default::default() };
                let listed = sim.describe_backup_tasks(&request, now).map(|jobs| jobs.len()).unwrap_or(0);
                prop_assert!(listed <= 1, "{id}: {listed} active jobs listed");
            }
        }
    }

    /// INV-2: with constant quota settings, no quota window ever holds more accepted manual
    /// backups than the limit.
    #[test]
    fn inv2_quota_windows_never_exceed_a_constant_limit(lines in scenario_lines(10..80)) {
        let lines: Vec<String> = lines
            .into_iter()
            .enumerate()
            .filter(|(i, l)| *i == 0 || action(l).as_deref() != Some("Sim.Configure"))
            .map(|(_, l)| l)
            .collect();
        let mut scenario = Scenario::new();
        for line in &lines {
            apply(&mut scenario, line);
        }
        let sim = scenario.simulation();
        for (id, starts) in manual_starts(sim) {
            for &t in &starts {
                let used = in_window(sim.settings(), &starts, t);
                prop_assert!(
                    used as u64 <= u64::from(sim.settings().daily_backup_limit),
                    "{id}: {used} acceptances in the window of {}",
                    Timestamp::from_millis(t).map(|t| t.to_string()).unwrap_or_default()
                );
            }
        }
    }

    /// INV-3: with changing settings, each acceptance found fewer than the limit then
    /// in force in the window then in force.
    #[test]
    fn inv3_each_acceptance_found_room_under_the_settings_then(lines in scenario_lines(10..80)) {
        let mut scenario = Scenario::new();
        for line in &lines {
            let before = manual_starts(scenario.simulation());
            let answer = apply(&mut scenario, line);
            if action(line).as_deref() == Some("CreateBackup") && answer.http_status == 200 {
                let sim = scenario.simulation();
                let id = params_of(line).db_instance_id.unwrap_or_default();
                let earlier = before.get(&id).cloned().unwrap_or_default();
                let used = in_window(sim.settings(), &earlier, sim.clock().as_millis());
                prop_assert!(
                    (used as u64) < u64::from(sim.settings().daily_backup_limit),
                    "{line} accepted with {used} used of {}",
                    sim.settings().daily_backup_limit
                );
            }
        }
    }

    /// INV-4 and INV-5: a refused request leaves the domain state as it was at `now`; an
    /// accepted `CreateBackup` had every precondition true at `now`.
    #[test]
    fn inv4_refusals_change_nothing_and_inv5_acceptances_had_their_preconditions(
        lines in scenario_lines(10..60)
    ) {
        let mut scenario = Scenario::new();
        for line in &lines {
            scenario.simulation_mut().settle_all();
            let before = scenario.simulation().clone();
            let answer = apply(&mut scenario, line);
            if answer.http_status != 200 {
                let mut after = scenario.simulation().clone();
                after.settle_all();
                prop_assert_eq!(domain_state(&before), domain_state(&after), "{} changed the state", line);
            } else if action(line).as_deref() == Some("CreateBackup") {
                let now = scenario.simulation().clock();
                if let Err(e) = check_accepted_preconditions(&before, &params_of(line), now) {
                    prop_assert!(false, "{line} was accepted but {e}");
                }
            }
        }
    }

    /// INV-6: every backup set belongs to an ended job: it ended by the clock, at its
    /// T-2 boundary when it succeeded and before it when it failed; no active job has a set.
    #[test]
    fn inv6_every_set_belongs_to_an_ended_job(lines in scenario_lines(10..60)) {
        let mut scenario = Scenario::new();
        for line in &lines {
            apply(&mut scenario, line);
            let sim = scenario.simulation();
            for inst in sim.instances().values() {
                for r in inst.history() {
                    let boundary = r.started.as_millis() + i64::from(r.duration_seconds) * 1000;
                    prop_assert!(r.ended <= sim.clock());
                    match r.outcome {
                        rds_backup_sim::SetStatus::Success => prop_assert_eq!(r.ended.as_millis(), boundary),
                        rds_backup_sim::SetStatus::Failed => {
                            prop_assert!(r.ended.as_millis() < boundary && r.ended >= r.started)
                        }
                    }
                    if let Some(job) = inst.active_job() {
                        prop_assert!(job.backup_id != r.backup_id);
                    }
                }
            }
        }
    }

    /// INV-7: ids are unique and never reused: an id, once given, always names the same job
    /// (same instance, same start), in every later state.
    #[test]
    fn inv7_ids_are_unique_and_never_reused(lines in scenario_lines(10..80)) {
        let mut scenario = Scenario::new();
        let mut jobs: BTreeMap<u64, (String, i64)> = BTreeMap::new();
        let mut sets: BTreeMap<u64, (String, i64)> = BTreeMap::new();
        for line in &lines {
            apply(&mut scenario, line);
            scenario.simulation().check_invariants().map_err(TestCaseError::fail)?;
            for inst in scenario.simulation().instances().values() {
                let all = inst
                    .history()
                    .iter()
                    .map(|r| (r.id.0, r.backup_id.0, r.started.as_millis()))
                    .chain(inst.active_job().map(|j| (j.id.0, j.backup_id.0, j.started.as_millis())));
                for (job, set, started) in all {
                    let owner = (inst.id().to_string(), started);
                    prop_assert_eq!(jobs.entry(job).or_insert(owner.clone()), &owner, "BackupJobId {} reused", job);
                    prop_assert_eq!(sets.entry(set).or_insert(owner.clone()), &owner, "BackupId {} reused", set);
                }
            }
        }
    }

    /// INV-8: the same seed and script give the same answers.
    #[test]
    fn inv8_same_seed_and_script_same_answers(lines in scenario_lines(5..60)) {
        prop_assert_eq!(run(&lines), run(&lines));
    }

    /// INV-9: serializing the state mid-run and resuming gives the answers of never stopping.
    #[test]
    fn inv9_serialize_and_resume_gives_the_same_answers(
        lines in scenario_lines(5..60),
        cut in any::<prop::sample::Index>(),
    ) {
        let whole = run(&lines);
        let cut = cut.index(lines.len() + 1);
        let mut first = Scenario::new();
        let mut answers: Vec<String> = lines[..cut].iter().map(|l| apply(&mut first, l).to_line()).collect();
        let saved = serde_json::to_string(&first).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut resumed: Scenario = serde_json::from_str(&saved).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&resumed, &first);
        answers.extend(lines[cut..].iter().map(|l| apply(&mut resumed, l).to_line()));
        prop_assert_eq!(answers, whole);
    }

    /// INV-10: the scenario dispatch (JSON lines) answers as the direct library calls do,
    /// and leaves the same domain state.
    #[test]
    fn inv10_json_replay_equals_library_calls(
        setup in scenario_lines(0..1),
        steps in proptest::collection::vec(direct_step(), 1..50),
    ) {
        let mut json = Scenario::new();
        for line in &setup {
            apply(&mut json, line);
        }
        let mut direct = json.simulation().clone();
        for step in &steps {
            let answer = apply(&mut json, &step.line());
            let body: Value = serde_json::from_str(&answer.body_text()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let now = direct.clock();
            let outcome: Result<Value, (u16, String, String)> = match step {
                DirectStep::Create(p) => direct
                    .create_backup(&p.request(), now)
                    .map(|job| Value::String(job.to_string()))
                    .map_err(|e| wire(&e)),
                DirectStep::Advance(s) => {
                    let to = now.checked_add_millis(*s as i64 * 1000).unwrap_or(now);
                    direct.advance_to(to).map(|_| Value::Null).map_err(|e| (400, e.to_string(), String::new()))
                }
                DirectStep::Fail(id) => direct
                    .fail_backup_job(id, now)
                    .map(|job| Value::String(job.to_string()))
                    .map_err(|e| wire(&e)),
                DirectStep::Tasks(id) => direct
                    .describe_backup_tasks(&DescribeBackupTasksRequest { db_instance_id: Some(id), ..Default::default() }, now)
                    .map(|jobs| jobs.iter().map(|j| Value::String(j.id.to_string())).collect())
                    .map_err(|e| wire(&e)),
                DirectStep::Delete(id, set) => direct
                    .delete_backup(&DeleteBackupRequest { db_instance_id: Some(id), backup_id: Some(set) }, now)
                    .map(|_| Value::Null)
                    .map_err(|e| wire(&e)),
            };
            match outcome {
                Ok(value) => {
                    prop_assert_eq!(answer.http_status, 200, "{}", answer.body_text());
                    let got = match step {
                        DirectStep::Create(_) | DirectStep::Fail(_) => body["BackupJobId"].clone(),
                        DirectStep::Tasks(_) => body["Items"]["BackupJob"]
                            .as_array()
                            .map(|a| a.iter().map(|j| j["BackupJobId"].clone()).collect())
                            .unwrap_or_default(),
                        DirectStep::Advance(_) | DirectStep::Delete(..) => Value::Null,
                    };
                    prop_assert_eq!(got, value);
                }
                Err((status, code, message)) => {
                    prop_assert_eq!(answer.http_status, status);
                    prop_assert_eq!(body["Code"].as_str(), Some(code.as_str()));
                    prop_assert_eq!(body["Message"].as_str(), Some(message.as_str()));
                }
            }
        }
        prop_assert_eq!(domain_state(json.simulation()), domain_state(&direct));
    }

    /// INV-11: no input line makes the dispatch panic: arbitrary bytes.
    #[test]
    fn inv11_arbitrary_bytes_never_panic(setup in scenario_lines(0..5), lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 1..20)) {
        let mut scenario = Scenario::new();
        for line in &setup {
            apply(&mut scenario, line);
        }
        for line in &lines {
            check_answer(&mut scenario, line)?;
        }
    }

    /// INV-11: no input line makes the dispatch panic: arbitrary JSON objects, with real
    /// action names and field names and values of every JSON type.
    #[test]
    fn inv11_arbitrary_json_never_panics(setup in scenario_lines(0..5), lines in proptest::collection::vec(json_line(), 1..30)) {
        let mut scenario = Scenario::new();
        for line in &setup {
            apply(&mut scenario, line);
        }
        for line in &lines {
            check_answer(&mut scenario, line.as_bytes())?;
        }
    }
}

fn wire<E: WireError>(e: &E) -> (u16, String, String) {
    let spec = e.error_code().spec();
    (spec.status, spec.code.to_owned(), e.message().into_owned())
}

/// The answer to any line: `None` only for blank and `#` lines, else a JSON object with a
/// `RequestId`, a known status, and a state that keeps its invariants.
fn check_answer(scenario: &mut Scenario, line: &[u8]) -> Result<(), TestCaseError> {
    let blank = line
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_none_or(|b| *b == b'#');
    match scenario.apply_line(line) {
        None => prop_assert!(blank, "no answer to {:?}", String::from_utf8_lossy(line)),
        Some(answer) => {
            prop_assert!(!blank);
            prop_assert!([200, 400, 403, 404, 501].contains(&answer.http_status));
            let body: Value = serde_json::from_str(&answer.body_text())
                .map_err(|e| TestCaseError::fail(format!("{e}: {}", answer.body_text())))?;
            prop_assert!(body["RequestId"].is_string(), "{}", answer.body_text());
        }
    }
    scenario
        .simulation()
        .check_invariants()
        .map_err(TestCaseError::fail)?;
    Ok(())
}

/// A typed step that both the JSON dispatch and the library can take.
#[derive(Clone, Debug)]
enum DirectStep {
    Create(CreateBackupParams),
    Advance(u64),
    Fail(String),
    Tasks(String),
    Delete(String, String),
}

impl DirectStep {
    fn line(&self) -> String {
        match self {
            DirectStep::Create(p) => p.to_line(),
            DirectStep::Advance(s) => format!("{{\"Action\":\"Sim.AdvanceTime\",\"Seconds\":{s}}}"),
            DirectStep::Fail(id) => {
                format!("{{\"Action\":\"Sim.FailBackupJob\",\"DBInstanceId\":\"{id}\"}}")
            }
            DirectStep::Tasks(id) => {
                format!("{{\"Action\":\"DescribeBackupTasks\",\"DBInstanceId\":\"{id}\"}}")
            }
            DirectStep::Delete(id, set) => format!(
                "{{\"Action\":\"DeleteBackup\",\"DBInstanceId\":\"{id}\",\"BackupId\":\"{set}\"}}"
            ),
        }
    }
}

fn direct_step() -> impl Strategy<Value = DirectStep> {
    let ids: Vec<String> = SCENARIO_INSTANCE_IDS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let id = proptest::sample::select(ids.clone());
    prop_oneof![
        6 => create_backup_params(ids).prop_map(DirectStep::Create),
        3 => prop_oneof![0u64..700, 80_000u64..100_000].prop_map(DirectStep::Advance),
        1 => id.clone().prop_map(DirectStep::Fail),
        2 => id.clone().prop_map(DirectStep::Tasks),
        1 => (id, 300_001u64..300_010).prop_map(|(id, set)| DirectStep::Delete(id, set.to_string())),
    ]
}

/// A JSON object line: an `Action` (real or not, or of the wrong type, or missing) and
/// fields of the scenario format with values of any JSON type.
fn json_line() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        proptest::sample::select(
            &[
                "rm-a",
                "rm-b",
                "Logical",
                "Physical",
                "db",
                "db1",
                "Auto",
                "FullBackup",
                "2026-01-01T00:00:00Z",
                "2025-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z",
                "01:00Z-02:00Z",
                "Monday,Friday",
                "+08:00",
                "Rolling24h",
                "MySQL",
                "SQLServer",
                "Running",
                "Readonly",
                "100001",
                "300001",
                "",
                "30",
            ][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[A-Za-z]{1,14}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let names = proptest::sample::select(
        &[
            "DBInstanceId",
            "At",
            "Seconds",
            "To",
            "Start",
            "Seed",
            "DailyBackupLimit",
            "QuotaWindow",
            "QuotaUtcOffset",
            "BackupDurationSeconds",
            "Engine",
            "DBInstanceStorageType",
            "DBInstanceType",
            "DBInstanceStatus",
            "LockMode",
            "Category",
            "Databases",
            "BackupPolicy",
            "BackupMethod",
            "BackupType",
            "BackupStrategy",
            "DBName",
            "BackupJobId",
            "BackupId",
            "StartTime",
            "EndTime",
            "PageSize",
            "PageNumber",
            "PreferredBackupTime",
            "PreferredBackupPeriod",
            "Tags",
            "AccountId",
        ][..],
    );
    let action = prop_oneof![
        8 => proptest::sample::select(&[
            "CreateBackup", "DescribeBackupTasks", "DescribeBackups", "DeleteBackup",
            "DescribeDBInstanceAttribute", "ModifyBackupPolicy", "DescribeBackupPolicy",
            "Sim.Configure", "Sim.CreateInstance", "Sim.ModifyInstance", "Sim.AdvanceTime",
            "Sim.FailBackupJob", "Sim.PutIdentity", "Sim.Unknown", "StartDBInstance",
        ][..]).prop_map(|a| Some(Value::String(a.to_owned()))),
        1 => Just(None),
        1 => value.clone().prop_map(Some),
    ];
    (action, proptest::collection::vec((names, value), 0..6)).prop_map(|(action, fields)| {
        let mut map = serde_json::Map::new();
        if let Some(a) = action {
            map.insert("Action".into(), a);
        }
        for (k, v) in fields {
            map.insert(k.to_owned(), v);
        }
        Value::Object(map).to_string()
    })
}
