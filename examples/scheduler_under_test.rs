//! Property-testing your own backup scheduler against the simulator.
//!
//! `Scheduler` is the kind of code a user of RDS writes: every `interval` it asks for a
//! manual backup of one instance; when the answer is `BackupJobExists` (an automatic backup
//! is running) it retries a minute later; it polls its own job with `DescribeBackupTasks`
//! and starts no other while that one runs; it keeps count of its backups per UTC day so
//! as to stay under the daily limit.
//!
//! The properties, checked on random instances, policies, limits, intervals and clocks
//! with the crate's exported strategies (feature `proptest`):
//! - the scheduler never triggers `Exceeded.BackupTimes`;
//! - it never has a request refused because of a job it started itself.
//!
//! Run the properties with `cargo test --all-features --example scheduler_under_test`, or
//! one sample run with `cargo run --all-features --example scheduler_under_test`.

use rds_backup_sim::{
    CreateBackupError, DescribeBackupTasksRequest, InstanceSpec, Settings, Simulation, Timestamp,
};

/// What one tick of the scheduler did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tick {
    /// Nothing to do yet.
    Idle,
    /// A backup was accepted: its `BackupJobId`.
    Started(String),
    /// Refused: the wire code and, for `BackupJobExists`, the job in the way.
    Refused {
        code: &'static str,
        blocking_job: Option<String>,
    },
}

/// The user's scheduler for one instance.
pub struct Scheduler {
    instance: String,
    interval_ms: i64,
    daily_limit: u32,
    next_attempt: Timestamp,
    own_job: Option<String>,
    /// Every job it started.
    pub started: Vec<String>,
    accepted_at: Vec<Timestamp>,
}

const DAY_MS: i64 = 86_400_000;

impl Scheduler {
    pub fn new(instance: &str, interval_seconds: u32, daily_limit: u32, start: Timestamp) -> Self {
        Scheduler {
            instance: instance.to_owned(),
            interval_ms: i64::from(interval_seconds) * 1000,
            daily_limit,
            next_attempt: start,
            own_job: None,
            started: Vec::new(),
            accepted_at: Vec::new(),
        }
    }

    fn used_today(&self, now: Timestamp) -> usize {
        let day = now.as_millis().div_euclid(DAY_MS);
        self.accepted_at
            .iter()
            .filter(|t| t.as_millis().div_euclid(DAY_MS) == day)
            .count()
    }

    /// One tick at `now`.
    pub fn tick(&mut self, sim: &mut Simulation, now: Timestamp) -> Tick {
        if let Some(job) = &self.own_job {
            let request = DescribeBackupTasksRequest {
                db_instance_id: Some(&self.instance),
                backup_job_id: Some(job),
                ..Default::default()
            };
            let still_running = sim
                .describe_backup_tasks(&request, now)
                .map(|jobs| jobs.iter().any(|j| j.status.is_active()))
                .unwrap_or(false);
            if still_running {
                return Tick::Idle;
            }
            self.own_job = None;
        }
        if now < self.next_attempt || self.used_today(now) >= self.daily_limit as usize {
            return Tick::Idle;
        }
        let request = rds_backup_sim::CreateBackupRequest::for_instance(&self.instance);
        match sim.create_backup(&request, now) {
            Ok(job) => {
                let job = job.to_string();
                self.own_job = Some(job.clone());
                self.started.push(job.clone());
                self.accepted_at.push(now);
                self.next_attempt = now.saturating_add_millis(self.interval_ms);
                Tick::Started(job)
            }
            Err(CreateBackupError::JobExists { job }) => {
                // Someone else's job (an automatic backup): retry in a minute.
                self.next_attempt = now.saturating_add_millis(60_000);
                Tick::Refused {
                    code: "BackupJobExists",
                    blocking_job: Some(job.to_string()),
                }
            }
            Err(other) => {
                use rds_backup_sim::WireError;
                self.next_attempt = now.saturating_add_millis(self.interval_ms);
                Tick::Refused {
                    code: other.error_code().spec().code,
                    blocking_job: None,
                }
            }
        }
    }
}

/// Runs the scheduler on `spec` with `limit`, ticking after each of `steps` seconds;
/// returns every tick.
pub fn run(spec: InstanceSpec, limit: u32, interval: u32, steps: &[u32]) -> (Scheduler, Vec<Tick>) {
    let settings = Settings {
        daily_backup_limit: limit,
        ..Settings::default()
    };
    let mut sim = Simulation::new(settings, rds_backup_sim::simulation::DEFAULT_START);
    let mut now = sim.clock();
    let id = spec.id.as_str().to_owned();
    sim.create_instance(spec, now)
        .unwrap_or_else(|e| panic!("the strategy gives valid instances: {e}"));
    let mut scheduler = Scheduler::new(&id, interval, limit, now);
    let mut ticks = Vec::new();
    for step in steps {
        now = now.saturating_add_millis(i64::from(*step) * 1000);
        ticks.push(scheduler.tick(&mut sim, now));
    }
    (scheduler, ticks)
}

fn main() {
    let id = rds_backup_sim::InstanceId::new("rm-demo").unwrap_or_else(|| unreachable!());
    let spec = InstanceSpec::new(id, rds_backup_sim::Engine::MySql);
    let (scheduler, ticks) = run(spec, 3, 900, &[300; 200]);
    let refused = ticks
        .iter()
        .filter(|t| matches!(t, Tick::Refused { .. }))
        .count();
    println!(
        "{} backups started, {refused} refused, ids {:?}",
        scheduler.started.len(),
        scheduler.started
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rds_backup_sim::testing::backupable_instance_spec;
    use rds_backup_sim::InstanceId;

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64)
    }

    fn spec() -> impl Strategy<Value = InstanceSpec> {
        backupable_instance_spec(InstanceId::new("rm-mine").unwrap_or_else(|| unreachable!()))
    }

    fn steps() -> impl Strategy<Value = Vec<u32>> {
        proptest::collection::vec(
            prop_oneof![1u32..120, 120u32..1_200, 3_600u32..30_000],
            1..150,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

        #[test]
        fn never_triggers_exceeded_backup_times(
            spec in spec(),
            limit in 1u32..5,
            interval in 60u32..7_200,
            steps in steps(),
        ) {
            let (_, ticks) = run(spec, limit, interval, &steps);
            for tick in &ticks {
                prop_assert_ne!(
                    tick,
                    &Tick::Refused { code: "Exceeded.BackupTimes", blocking_job: None }
                );
            }
        }

        #[test]
        fn never_refused_for_a_job_it_started_itself(
            spec in spec(),
            limit in 1u32..5,
            interval in 60u32..7_200,
            steps in steps(),
        ) {
            let (scheduler, ticks) = run(spec, limit, interval, &steps);
            for tick in &ticks {
                if let Tick::Refused { blocking_job: Some(job), .. } = tick {
                    prop_assert!(
                        !scheduler.started.contains(job),
                        "refused because of its own job {job}"
                    );
                }
            }
        }
    }
}
