//! The system under test: the crate driven through its scenario dispatch
//! (`Scenario::apply_line`), one JSON line per step, with the id bijections.

use proptest_state_machine::StateMachineTest;

use rds_backup_sim::scenario::Scenario;
use rds_backup_sim::{Simulation, Timestamp};

use crate::assertions::{
    check_accepted_preconditions, compare_answer, compare_state, domain_state, Ids,
};
use crate::reference::{Model, Reference};
use crate::transitions::{Action, Step};

pub struct Sut {
    pub scenario: Scenario,
    pub ids: Ids,
}

pub struct Driver;

/// Whether an action only reads: it must leave the domain state as it was, even when answered 200.
fn reads_only(action: &Action) -> bool {
    matches!(
        action,
        Action::DescribeTasks { .. }
            | Action::DescribeBackups { .. }
            | Action::DescribeInstance(_)
            | Action::DescribePolicy(_)
            | Action::Unknown
    )
}

impl StateMachineTest for Driver {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(model: &Model) -> Sut {
        let mut scenario = Scenario::new();
        let line = format!(
            "{{\"Action\":\"Sim.Configure\",\"DailyBackupLimit\":{}}}",
            model.settings.limit
        );
        let answer = scenario.apply_line(line.as_bytes());
        assert_eq!(answer.map(|a| a.http_status), Some(200), "{line}");
        Sut {
            scenario,
            ids: Ids::default(),
        }
    }

    fn apply(mut sut: Sut, model: &Model, step: Step) -> Sut {
        let clock = sut.scenario.simulation().clock().as_millis();
        let line = {
            let ids = &sut.ids;
            let job = |n: usize| {
                ids.jobs
                    .get(n)
                    .map_or_else(|| panic!("job {n} unbound"), |id| id.to_string())
            };
            let set = |n: usize| {
                ids.sets
                    .get(n)
                    .map_or_else(|| panic!("set {n} unbound"), |id| id.to_string())
            };
            step.line(clock, &job, &set)
        };
        let now = match step.at {
            Some(d) if d >= 0 => clock + d * 1000,
            _ => clock,
        };
        let now =
            Timestamp::from_millis(now).unwrap_or_else(|| unreachable!("times stay in range"));
        if step.settle_first {
            let sim = sut.scenario.simulation_mut();
            sim.advance_to(now).unwrap_or_else(|e| panic!("{e}"));
            sim.settle_all();
        }
        let before: Simulation = sut.scenario.simulation().clone();
        let answer = sut
            .scenario
            .apply_line(line.as_bytes())
            .unwrap_or_else(|| panic!("no answer to {line}"));
        if let Err(e) = compare_answer(model, &answer, &mut sut.ids) {
            panic!("{line}\n  answer {}\n  {e}", answer.to_line());
        }
        if step.settle_first && (answer.http_status != 200 || reads_only(&step.action)) {
            // A refused request, and any read, leaves the domain state as it was at `now`.
            let mut after = sut.scenario.simulation().clone();
            after.settle_all();
            assert_eq!(
                domain_state(&before),
                domain_state(&after),
                "{line} changed the state"
            );
        }
        if model.last_accepted {
            if let Action::CreateBackup(params) = &step.action {
                if let Err(e) = check_accepted_preconditions(&before, params, now) {
                    panic!("{line} was accepted but {e}");
                }
            }
        }
        sut
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        if let Err(e) = compare_state(model, &sut.scenario, &sut.ids) {
            panic!("state differs from the model: {e}");
        }
    }
}
