//! `create_backup` by instance id, accepted and refused, at 1e3, 1e5 and 1e6 instances
//! visited in random order (docs/performance.md). The baseline in the same run is the
//! bare lookup of the instance by id (`Simulation::instance`), the floor that random
//! access to memory sets.
//!
//! Run: `cargo bench --bench create_backup`.

use std::hint::black_box;
use std::time::Duration;

use compact_str::CompactString;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rds_backup_sim::fleet::FleetRng;
use rds_backup_sim::{
    CreateBackupRequest, Database, Engine, InstanceId, InstanceSpec, Simulation, Timestamp,
};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Between two rounds over every instance: longer than a job (600 s) and short enough
/// that a day holds at most 20 rounds (the daily limit): 86,400 / 4,321 < 20.
const ROUND_MS: i64 = 4_321_000;

/// Reads the wall clock for `iter_custom`: the only place this bench does.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

/// `n` running MySQL instances with two databases, and their ids in random order.
fn fleet(n: usize, duration_seconds: Option<u32>) -> (Simulation, Vec<CompactString>) {
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
    let mut sim = Simulation::new(Default::default(), start);
    let mut ids: Vec<CompactString> = (0..n).map(|i| format!("rm-{i:010}").into()).collect();
    for id in &ids {
        let mut spec = InstanceSpec::new(InstanceId::new(id).expect("not empty"), Engine::MySql);
        spec.databases = vec![Database::running("app"), Database::running("sales")];
        spec.backup_duration_seconds = duration_seconds;
        sim.create_instance(spec, start).expect("a valid instance");
    }
    let mut rng = FleetRng::new(7);
    for i in (1..ids.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        ids.swap(i, j);
    }
    (sim, ids)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_backup");
    group.measurement_time(Duration::from_secs(5));
    for n in SIZES {
        // Accepted: every instance once per round, the clock one round later each time,
        // so the previous job has ended (and is settled by the request) and the quota
        // allows it. Sets are forgotten between rounds, outside the timed part.
        let (mut sim, ids) = fleet(n, None);
        let mut now = sim.clock();
        group.bench_function(BenchmarkId::new("accept", n), |b| {
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                let mut done = 0;
                while done < iters {
                    now = now.saturating_add_millis(ROUND_MS);
                    let todo = (iters - done).min(n as u64) as usize;
                    let started = wall_clock();
                    for id in &ids[..todo] {
                        let request = CreateBackupRequest::for_instance(id);
                        let outcome = sim.create_backup(&request, now);
                        debug_assert!(outcome.is_ok());
                        black_box(outcome.ok());
                    }
                    elapsed += started.elapsed();
                    done += todo as u64;
                    for id in &ids[..todo] {
                        sim.forget_sets_before(id, Timestamp::MAX, |_| ());
                    }
                }
                elapsed
            })
        });
        drop(sim);

        // Refused: every instance has a job that runs for ten years (CB-16, the last
        // check but the quota's).
        let (mut sim, ids) = fleet(n, Some(315_360_000));
        let now = sim.clock();
        for id in &ids {
            sim.create_backup(&CreateBackupRequest::for_instance(id), now)
                .expect("the first request is accepted");
        }
        let mut k = 0;
        group.bench_function(BenchmarkId::new("reject", n), |b| {
            b.iter(|| {
                k = if k + 1 == n { 0 } else { k + 1 };
                let request = CreateBackupRequest::for_instance(&ids[k]);
                black_box(sim.create_backup(&request, now).is_err())
            })
        });
        group.bench_function(BenchmarkId::new("baseline_lookup", n), |b| {
            b.iter(|| {
                k = if k + 1 == n { 0 } else { k + 1 };
                black_box(sim.instance(&ids[k]).is_some())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
