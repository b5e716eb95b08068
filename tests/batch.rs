//! `Simulation::create_backups` (the batch API) answers exactly what one `create_backup`
//! call per request, in the same order, answers, and leaves the same state: instances of
//! every kind, requests of every shape (unknown ids, bad parameters, repeats within a
//! batch), batches longer than one run of lookups, a `now` earlier than the clock; in a
//! small simulation (decided one by one) and in one of `Simulation::BATCH_WARM_FROM`
//! instances or more (the runs warmed first).

use proptest::prelude::*;
use rds_backup_sim::testing::{create_backup_params, instance_spec, CreateBackupParams};
use rds_backup_sim::{Engine, InstanceId, InstanceSpec, Simulation, Timestamp};

const INSTANCES: usize = 6;

fn ids() -> Vec<String> {
    (0..INSTANCES).map(|i| format!("rm-{i}")).collect()
}

/// The drawn instances; when `padded`, after `Simulation::BATCH_WARM_FROM` plain MySQL
/// instances that no request names, so that `create_backups` takes its warming path.
fn fleet() -> impl Strategy<Value = Simulation> {
    let specs: Vec<_> = ids()
        .into_iter()
        .map(|id| instance_spec(InstanceId::new(&id).expect("not empty")))
        .collect();
    (specs, any::<bool>()).prop_map(|(specs, padded)| {
        let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
        let mut sim = Simulation::new(Default::default(), start);
        if padded {
            for i in 0..Simulation::BATCH_WARM_FROM {
                let id = InstanceId::new(&format!("pad-{i}")).expect("not empty");
                sim.create_instance(InstanceSpec::new(id, Engine::MySql), start)
                    .expect("a valid instance");
            }
        }
        for spec in specs {
            sim.create_instance(spec, start)
                .expect("the strategy draws valid instances");
        }
        sim
    })
}

/// Batches of requests, each at an offset in minutes from the start (possibly earlier
/// than the batch before: T-1).
fn batches() -> impl Strategy<Value = Vec<(i64, Vec<CreateBackupParams>)>> {
    proptest::collection::vec(
        (
            0_i64..3_000,
            proptest::collection::vec(create_backup_params(ids()), 0..40),
        ),
        1..6,
    )
}

proptest! {
    #[test]
    fn a_batch_answers_as_single_calls_in_order(sim in fleet(), batches in batches()) {
        let start = sim.clock();
        let mut single = sim.clone();
        let mut batched = sim;
        for (minutes, params) in &batches {
            let now = start.saturating_add_millis(minutes * 60_000);
            let requests: Vec<_> = params.iter().map(CreateBackupParams::request).collect();
            let expected: Vec<_> = requests
                .iter()
                .map(|request| single.create_backup(request, now))
                .collect();
            let mut answers = vec![Ok(rds_backup_sim::BackupJobId(0))];
            batched.create_backups(&requests, now, &mut answers);
            prop_assert_eq!(&answers[0], &Ok(rds_backup_sim::BackupJobId(0)));
            prop_assert_eq!(&answers[1..], &expected[..]);
            prop_assert_eq!(&batched, &single);
        }
    }
}
