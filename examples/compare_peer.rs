//! Our side of `benches/moto_compare.sh`: creates N MySQL instances and times M
//! in-process `create_backup` calls over them (round robin, the clock one round later
//! each round so every call is accepted, as every moto `create_db_snapshot` is).
//! Prints one line: `instances calls seconds`.
//!
//! Run: `cargo run --release --example compare_peer -- 100 10000`.

use rds_backup_sim::{
    CreateBackupRequest, Engine, InstanceId, InstanceSpec, Simulation, Timestamp,
};

#[allow(clippy::disallowed_methods)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let (instances, calls) = match (args.next(), args.next()) {
        (Some(Ok(n)), Some(Ok(m))) if n > 0 => (n, m),
        _ => {
            eprintln!("usage: compare_peer INSTANCES CALLS");
            std::process::exit(2);
        }
    };
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
    let mut sim = Simulation::new(Default::default(), start);
    let ids: Vec<String> = (0..instances).map(|i| format!("db-{i}")).collect();
    for id in &ids {
        let id = InstanceId::new(id).expect("not empty");
        sim.create_instance(InstanceSpec::new(id, Engine::MySql), start)
            .expect("a valid instance");
    }
    let started = wall_clock();
    let mut accepted = 0;
    for call in 0..calls {
        let round = (call / instances) as i64 + 1;
        let now = start.saturating_add_millis(round * 4_321_000);
        let request = CreateBackupRequest::for_instance(&ids[call % instances]);
        accepted += usize::from(sim.create_backup(&request, now).is_ok());
    }
    let seconds = started.elapsed().as_secs_f64();
    if accepted != calls {
        eprintln!("only {accepted} of {calls} calls were accepted");
        std::process::exit(1);
    }
    println!("{instances} {calls} {seconds:.9}");
}
