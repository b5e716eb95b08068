//! Replay throughput: `Scenario::apply_line` of `CreateBackup` lines, each answered as
//! JSON (docs/performance.md). 1,000 instances, 100 rounds over them with `At` one round
//! apart, so every line is accepted and settles the previous job; the baseline in the same
//! run is the same lines refused at once (an unknown instance, CB-6).
//!
//! Run: `cargo bench --bench replay`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rds_backup_sim::scenario::Scenario;
use rds_backup_sim::Timestamp;

const INSTANCES: usize = 1_000;
const ROUNDS: i64 = 100;

fn lines(instance_prefix: &str) -> Vec<String> {
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
    let mut out = Vec::with_capacity(INSTANCES * ROUNDS as usize);
    for round in 1..=ROUNDS {
        let at = start.saturating_add_millis(round * 4_321_000).to_rfc3339();
        for i in 0..INSTANCES {
            out.push(format!(
                r#"{{"Action":"CreateBackup","At":"{at}","DBInstanceId":"{instance_prefix}{i:07}"}}"#
            ));
        }
    }
    out
}

fn fleet() -> Scenario {
    let mut scenario = Scenario::new();
    scenario.apply_line(br#"{"Action":"Sim.Configure","At":"2026-03-01T00:00:00Z"}"#);
    for i in 0..INSTANCES {
        let line = format!(
            r#"{{"Action":"Sim.CreateInstance","DBInstanceId":"rm-{i:07}","Engine":"MySQL"}}"#
        );
        scenario.apply_line(line.as_bytes());
    }
    scenario
}

fn bench(c: &mut Criterion) {
    let base = fleet();
    let mut group = c.benchmark_group("replay_create_backup_lines");
    group.sample_size(20);
    group.throughput(Throughput::Elements((INSTANCES as u64) * ROUNDS as u64));
    for (name, prefix) in [("accepted", "rm-"), ("baseline_unknown_instance", "rm-x")] {
        let lines = lines(prefix);
        group.bench_function(BenchmarkId::new(name, lines.len()), |b| {
            b.iter_batched(
                || base.clone(),
                |mut scenario| {
                    for line in &lines {
                        black_box(scenario.apply_line(line.as_bytes()));
                    }
                    scenario
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
