//! Automatic backups at scale (issue: automatic backups, rule T-5): advancing a fleet
//! whose instances all have daily policies, by 1, 7 and 30 days, then settling every
//! instance. Instances are settled lazily and independently, so the work is one pass over
//! the instances plus the automatic jobs that fall due: the time per started job should
//! stay flat as the days grow, and a fleet without policies costs only the pass.
//!
//! The `retention` group (rule T-6) jumps 1,000 instances with daily policies by a year,
//! then by ten years: automatic sets expire after 7 days, so memory stays at a week of sets
//! per instance and the work is the runs skipped, without allocation.
//!
//! Run: `cargo bench --bench automatic_backups` (the `1e6` group takes a few minutes);
//! `cargo bench --bench automatic_backups -- retention` for the T-6 jumps alone.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rds_backup_sim::{
    BackupPolicy, Engine, InstanceId, InstanceSpec, Settings, Simulation, Timestamp,
};

const DAY_MS: i64 = 86_400_000;

fn fleet(instances: usize, with_policy: bool) -> Simulation {
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
    let mut sim = Simulation::new(Settings::default(), start);
    let every_day = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday";
    for i in 0..instances {
        let id = InstanceId::new(&format!("rm-{i:07}")).expect("non-empty");
        let mut spec = InstanceSpec::new(
            id,
            if i % 4 == 3 {
                Engine::SqlServer
            } else {
                Engine::MySql
            },
        );
        if with_policy {
            let minute = i % 240;
            let time = format!(
                "{:02}:{:02}Z-{:02}:{:02}Z",
                minute / 60,
                minute % 60,
                minute / 60 + 1,
                minute % 60
            );
            spec.policy = Some(BackupPolicy::parse(&time, every_day, 1).expect("a valid policy"));
        }
        sim.create_instance(spec, start).expect("unique ids");
    }
    sim
}

fn advance_and_settle(mut sim: Simulation, days: i64) -> Simulation {
    let to = sim.clock().saturating_add_millis(days * DAY_MS);
    sim.advance_to(to).expect("forward");
    sim.settle_all();
    sim
}

fn bench(c: &mut Criterion, instances: usize, samples: usize) {
    let mut group = c.benchmark_group(format!("advance_daily_policies/{instances}"));
    group.sample_size(samples);
    for days in [1i64, 7, 30] {
        // Every instance starts one automatic job a day.
        group.throughput(Throughput::Elements(instances as u64 * days as u64));
        group.bench_with_input(BenchmarkId::new("days", days), &days, |b, &days| {
            b.iter_batched(
                || fleet(instances, true),
                |sim| black_box(advance_and_settle(sim, days)),
                BatchSize::PerIteration,
            )
        });
    }
    group.throughput(Throughput::Elements(instances as u64));
    group.bench_function("no_policy_30_days", |b| {
        b.iter_batched(
            || fleet(instances, false),
            |sim| black_box(advance_and_settle(sim, 30)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// T-6: a long jump over 1,000 instances with daily policies.
fn retention(c: &mut Criterion) {
    let mut group = c.benchmark_group("retention/1000");
    group.sample_size(10);
    for days in [365i64, 3650] {
        group.throughput(Throughput::Elements(1000 * days as u64));
        group.bench_with_input(BenchmarkId::new("jump_days", days), &days, |b, &days| {
            b.iter_batched(
                || fleet(1000, true),
                |sim| {
                    let sim = advance_and_settle(sim, days);
                    let kept = sim.instances().values().map(|i| i.history().len()).max();
                    assert!(
                        kept <= Some(8),
                        "at most a week of sets (and the last job) kept"
                    );
                    black_box(sim)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn small(c: &mut Criterion) {
    bench(c, 10_000, 20);
}

fn large(c: &mut Criterion) {
    bench(c, 1_000_000, 10);
}

criterion_group!(benches, retention, small, large);
criterion_main!(benches);
