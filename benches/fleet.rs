//! The fleet runner: 1e5 instances × 30 days of the default client mix, on 1 and 2
//! threads (docs/performance.md). One thread is the baseline of the two-thread figure.
//!
//! Run: `cargo bench --bench fleet`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rds_backup_sim::fleet::{run_fleet, DefaultClients, FleetSettings};

fn bench(c: &mut Criterion) {
    let settings = FleetSettings {
        instances: 100_000,
        days: 30,
        ..FleetSettings::default()
    };
    let clients = DefaultClients::default();
    let decisions = run_fleet(&settings, &clients, 0..settings.instances, 2, &|_| ()).requests;
    let mut group = c.benchmark_group("fleet_1e5_instances_30_days");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(decisions));
    for threads in [1, 2] {
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| run_fleet(&settings, &clients, 0..settings.instances, threads, &|_| ()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
