//! Properties of fault injection (faults.md), over random scenarios from the crate's own
//! strategies (`rds_backup_sim::testing`):
//!
//! - a declared fault that matches nothing changes no answer;
//! - a `Before` fault that fires never changes the simulation;
//! - an `After` fault that fires changes it exactly as the same request without the fault.
//!
//! The domain state is compared as the state's JSON after settling every instance, without
//! the answer counter (request ids) and the faults' own bookkeeping.

use proptest::prelude::*;
use rds_backup_sim::scenario::Scenario;
use rds_backup_sim::testing::{scenario_lines, scenario_step, SCENARIO_INSTANCE_IDS};
use serde_json::Value;

fn replay(lines: &[String]) -> Scenario {
    let mut scenario = Scenario::new();
    for line in lines {
        scenario.apply_line(line.as_bytes());
    }
    scenario
}

/// The domain state: the state's JSON of a settled copy, less `Answers` and `Faults`.
fn domain(scenario: &Scenario) -> Value {
    let mut sim = scenario.simulation().clone();
    sim.settle_all();
    let mut state = serde_json::to_value(&sim).expect("a state serializes");
    if let Some(map) = state.as_object_mut() {
        map.remove("Answers");
        map.remove("Faults");
    }
    state
}

/// An answer without its `RequestId` (derived from the answer count).
fn without_request_id(line: &str) -> Value {
    let mut answer: Value = serde_json::from_str(line).expect("answers are JSON");
    if let Some(map) = answer.as_object_mut() {
        map.remove("RequestId");
    }
    answer
}

fn is_api_line(line: &str) -> bool {
    serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|v| v.get("Action")?.as_str().map(|a| !a.starts_with("Sim.")))
        .unwrap_or(false)
}

fn ids() -> Vec<String> {
    SCENARIO_INSTANCE_IDS
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// An API step of the scenario strategies.
fn api_step() -> impl Strategy<Value = String> {
    scenario_step(ids()).prop_filter("an API action", |line| is_api_line(line))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With a fault declared that matches nothing, every answer is what it was without it.
    #[test]
    fn a_fault_that_never_matches_changes_no_answer(lines in scenario_lines(1..40)) {
        let never = r#"{"Action":"Sim.InjectFault","Fault":"InternalError","Target":"*","DBInstanceId":"rm-never","Times":1000}"#;
        let mut plain = Scenario::new();
        let mut with_fault = Scenario::new();
        with_fault.apply_line(lines[0].as_bytes());
        plain.apply_line(lines[0].as_bytes());
        with_fault.apply_line(never.as_bytes());
        for line in &lines[1..] {
            let a = plain.apply_line(line.as_bytes()).map(|a| without_request_id(&a.to_line()));
            let b = with_fault.apply_line(line.as_bytes()).map(|a| without_request_id(&a.to_line()));
            prop_assert_eq!(a, b, "{}", line);
        }
        prop_assert_eq!(domain(&plain), domain(&with_fault));
        prop_assert_eq!(with_fault.simulation().faults()[0].fired, 0);
    }

    /// A `Before` fault that fires answers with the fault and changes nothing.
    #[test]
    fn a_before_fault_never_changes_the_simulation(
        lines in scenario_lines(1..30),
        request in api_step(),
        kind in prop::sample::select(&["Throttling", "ServiceUnavailable", "InternalError", "Timeout"][..]),
    ) {
        let mut scenario = replay(&lines);
        let before = domain(&scenario);
        let inject = format!(r#"{{"Action":"Sim.InjectFault","Fault":"{kind}","Target":"*","Times":1}}"#);
        scenario.apply_line(inject.as_bytes());
        let answer = scenario.apply_line(request.as_bytes()).expect("an answer");
        prop_assert!(answer.fault.is_some(), "the fault fired on {}", request);
        prop_assert!(matches!(answer.http_status, 400 | 500 | 503 | 504));
        prop_assert_eq!(before, domain(&scenario));
    }

    /// An `After` fault that fires changes the simulation exactly as the request alone does.
    #[test]
    fn an_after_fault_changes_the_simulation_as_the_request_alone(
        lines in scenario_lines(1..30),
        request in api_step(),
        kind in prop::sample::select(&["ServiceUnavailable", "InternalError", "Timeout"][..]),
    ) {
        let mut alone = replay(&lines);
        let mut faulted = alone.clone();
        alone.apply_line(request.as_bytes());
        let inject = format!(r#"{{"Action":"Sim.InjectFault","Fault":"{kind}","Target":"*","Times":1,"Phase":"After"}}"#);
        faulted.apply_line(inject.as_bytes());
        let answer = faulted.apply_line(request.as_bytes()).expect("an answer");
        prop_assert!(answer.fault.is_some(), "the fault fired on {}", request);
        prop_assert_eq!(domain(&alone), domain(&faulted));
    }
}
