//! `create_backup` by instance id at 1e3, 1e5 and 1e6 instances visited in random order,
//! in the cells of the perf prototype's `micro` benchmark (its figures beside ours are in
//! docs/performance.md): `accept` (the previous job has ended and is settled by the
//! request), `reject_job_exists` (CB-16: every instance has a job that runs for ten
//! years), `reject_not_found` (CB-6: ids of the same shape that no instance has). The
//! baseline in the same run is the bare lookup of the instance by id
//! (`Simulation::instance`), the floor that random access to memory sets. The `batch_*`
//! cells send the same requests through `Simulation::create_backups`, `BATCH` at a time
//! (the prototype's `V5b` batches 32).
//!
//! Run: `cargo bench --bench create_backup` (a filter such as `-- '/1000$'` picks a size).
//!
//! With `CREATE_BACKUP_CELL=CELL:N:ROUNDS` in the environment the binary runs no
//! criterion: it sends ROUNDS rounds of cell CELL (`accept`, `reject_job_exists`,
//! `reject_not_found`, `batch_accept`, `batch_reject_job_exists`) over N instances,
//! untimed, through [`send`], for counting instructions under callgrind
//! (`benches/floor.sh PROTOTYPE_DIR instructions`).
//!
//! The allocator is the program's, mimalloc, which asks for transparent huge pages for
//! its large regions: at 1e6 instances a request otherwise pays a TLB miss and page walk
//! on each of the instance, its table slot and its blocks. `MIMALLOC_ALLOW_THP=0` runs
//! the same cells on 4 KiB pages, as the prototype's `micro` without `HUGE=1`
//! (docs/performance.md, "Issue 12, fifth pass").

/// The program's allocator (cli/src/main.rs), huge pages and all.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::Duration;

use compact_str::CompactString;
use criterion::{criterion_group, BenchmarkId, Criterion};
use rds_backup_sim::fleet::FleetRng;
use rds_backup_sim::{
    CreateBackupRequest, Database, Engine, InstanceId, InstanceSpec, Simulation, Timestamp,
};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Between two rounds over every instance: longer than a job (600 s) and short enough
/// that a day holds at most 20 rounds (the daily limit): 86,400 / 4,321 < 20.
const ROUND_MS: i64 = 4_321_000;
/// Requests per `create_backups` call in the `batch_*` cells.
const BATCH: usize = 256;

/// Reads the wall clock for `iter_custom`: the only place this bench does.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

/// The id of instance `i` (`ghost`: the same shape, an id no instance has).
fn id_of(i: usize, ghost: bool) -> CompactString {
    if ghost {
        format!("rx-{i:010}").into()
    } else {
        format!("rm-{i:010}").into()
    }
}

/// `n` running MySQL instances with two databases, and their ids in random order.
fn fleet(n: usize, duration_seconds: Option<u32>) -> (Simulation, Vec<CompactString>) {
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
    let mut sim = Simulation::new(Default::default(), start);
    let mut ids: Vec<CompactString> = (0..n).map(|i| id_of(i, false)).collect();
    for id in &ids {
        let mut spec = InstanceSpec::new(InstanceId::new(id).expect("not empty"), Engine::MySql);
        spec.databases = vec![Database::running("app"), Database::running("sales")];
        spec.backup_duration_seconds = duration_seconds;
        sim.create_instance(spec, start).expect("a valid instance");
    }
    shuffle(&mut ids);
    (sim, ids)
}

fn shuffle(ids: &mut [CompactString]) {
    let mut rng = FleetRng::new(7);
    for i in (1..ids.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        ids.swap(i, j);
    }
}

/// Splits `iters` calls into rounds of at most `n` (each instance visited at most once a
/// round) and sums the time `round(calls)` reports for each.
fn rounds(iters: u64, n: usize, mut round: impl FnMut(usize) -> Duration) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let calls = (iters - done).min(n as u64) as usize;
        elapsed += round(calls);
        done += calls as u64;
    }
    elapsed
}

/// How long `work` takes.
fn timed(work: impl FnOnce()) -> Duration {
    let started = wall_clock();
    work();
    started.elapsed()
}

/// `create_backup` for each of `requests`, one call each or `BATCH` at a time; how many
/// were accepted. Never inlined: instruction counts collect inside it (`cell_once`).
#[inline(never)]
fn send(
    sim: &mut Simulation,
    requests: &[CreateBackupRequest<'_>],
    now: Timestamp,
    batched: bool,
) -> usize {
    let mut accepted = 0;
    if batched {
        let mut answers = Vec::with_capacity(BATCH);
        for batch in requests.chunks(BATCH) {
            answers.clear();
            sim.create_backups(batch, now, &mut answers);
            accepted += black_box(&answers).iter().filter(|a| a.is_ok()).count();
        }
    } else {
        for request in requests {
            accepted += usize::from(black_box(sim.create_backup(request, now).is_ok()));
        }
    }
    accepted
}

fn requests(ids: &[CompactString]) -> Vec<CreateBackupRequest<'_>> {
    ids.iter()
        .map(|id| CreateBackupRequest::for_instance(id))
        .collect()
}

/// `n` instances each with a job that runs for ten years (CB-16), and their ids.
fn refusing(n: usize) -> (Simulation, Vec<CompactString>) {
    let (mut sim, ids) = fleet(n, Some(315_360_000));
    let now = sim.clock();
    for id in &ids {
        sim.create_backup(&CreateBackupRequest::for_instance(id), now)
            .expect("the first request is accepted");
    }
    (sim, ids)
}

/// Ids of the same shape as the instances' that no instance has, in random order.
fn ghosts(n: usize) -> Vec<CompactString> {
    let mut ghosts: Vec<CompactString> = (0..n).map(|i| id_of(i, true)).collect();
    shuffle(&mut ghosts);
    ghosts
}

/// `CREATE_BACKUP_CELL=CELL:N:ROUNDS`: the cell's requests, untimed (see the module's
/// documentation); an error for a spec that does not parse.
fn cell_once(spec: &str) -> Result<(), String> {
    let usage = || format!("CREATE_BACKUP_CELL={spec:?}: expected CELL:N:ROUNDS");
    let mut parts = spec.split(':');
    let (Some(cell), Some(n), Some(count), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(usage());
    };
    let n: usize = n.parse().map_err(|_| usage())?;
    let count: usize = count.parse().map_err(|_| usage())?;
    let batched = cell.starts_with("batch_");
    let accepted = match cell {
        "accept" | "batch_accept" => {
            let (mut sim, ids) = fleet(n, None);
            let asked = requests(&ids);
            let mut now = sim.clock();
            let mut accepted = 0;
            for _ in 0..count {
                now = now.saturating_add_millis(ROUND_MS);
                accepted += send(&mut sim, &asked, now, batched);
                for id in &ids {
                    sim.forget_sets_before(id, Timestamp::MAX, |_| ());
                }
            }
            accepted
        }
        "reject_job_exists" | "batch_reject_job_exists" | "reject_not_found" => {
            let (mut sim, ids) = refusing(n);
            let absent = ghosts(n);
            let ids = if cell == "reject_not_found" {
                &absent
            } else {
                &ids
            };
            let asked = requests(ids);
            let now = sim.clock();
            (0..count)
                .map(|_| send(&mut sim, &asked, now, batched))
                .sum()
        }
        _ => return Err(format!("CREATE_BACKUP_CELL: no cell {cell:?}")),
    };
    println!(
        "{cell} n={n} rounds={count} requests={} accepted={accepted}",
        n * count
    );
    Ok(())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_backup");
    group.measurement_time(Duration::from_secs(5));
    for n in SIZES {
        // Accepted: every instance once per round, the clock one round later each time,
        // so the previous job has ended (and is settled by the request) and the quota
        // allows it. Sets are forgotten between rounds, outside the timed part.
        for (cell, batched) in [("accept", false), ("batch_accept", true)] {
            let (mut sim, ids) = fleet(n, None);
            let asked = requests(&ids);
            let mut now = sim.clock();
            group.bench_function(BenchmarkId::new(cell, n), |b| {
                b.iter_custom(|iters| {
                    rounds(iters, n, |calls| {
                        now = now.saturating_add_millis(ROUND_MS);
                        let mut accepted = 0;
                        let elapsed = timed(|| {
                            accepted = send(&mut sim, &asked[..calls], now, batched);
                        });
                        assert_eq!(accepted, calls, "every request of the round is accepted");
                        for id in &ids[..calls] {
                            sim.forget_sets_before(id, Timestamp::MAX, |_| ());
                        }
                        elapsed
                    })
                })
            });
        }

        // Refused: every instance has a job that runs for ten years (CB-16, the last
        // check but the quota's); and ids that no instance has (CB-6).
        let (mut sim, ids) = refusing(n);
        let now = sim.clock();
        let absent_ids = ghosts(n);
        let (exists, absent) = (requests(&ids), requests(&absent_ids));
        for (cell, asked, batched) in [
            ("reject_job_exists", &exists, false),
            ("reject_not_found", &absent, false),
            ("batch_reject_job_exists", &exists, true),
        ] {
            group.bench_function(BenchmarkId::new(cell, n), |b| {
                b.iter_custom(|iters| {
                    rounds(iters, n, |calls| {
                        let mut accepted = 0;
                        let elapsed = timed(|| {
                            accepted = send(&mut sim, &asked[..calls], now, batched);
                        });
                        assert_eq!(accepted, 0, "every request is refused");
                        elapsed
                    })
                })
            });
        }
        group.bench_function(BenchmarkId::new("baseline_lookup", n), |b| {
            b.iter_custom(|iters| {
                rounds(iters, n, |calls| {
                    timed(|| {
                        for id in &ids[..calls] {
                            black_box(sim.instance(id).is_some());
                        }
                    })
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(spec) = std::env::var("CREATE_BACKUP_CELL") {
        if let Err(message) = cell_once(&spec) {
            eprintln!("{message}");
            std::process::exit(2);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
