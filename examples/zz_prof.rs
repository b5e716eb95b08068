use compact_str::CompactString;
use rds_backup_sim::{
    CreateBackupRequest, Database, Engine, InstanceId, InstanceSpec, Simulation, Timestamp,
};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[1].parse().unwrap();
    let rounds: usize = args[2].parse().unwrap();
    let mode = args[3].as_str();
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
    let mut sim = Simulation::new(Default::default(), start);
    let ids: Vec<CompactString> = (0..n).map(|i| format!("rm-{i:010}").into()).collect();
    for id in &ids {
        let mut spec = InstanceSpec::new(InstanceId::new(id).unwrap(), Engine::MySql);
        spec.databases = vec![Database::running("app"), Database::running("sales")];
        if mode == "reject" {
            spec.backup_duration_seconds = Some(315_360_000);
        }
        sim.create_instance(spec, start).unwrap();
    }
    let mut now = start;
    let mut ok = 0usize;
    for _ in 0..rounds {
        now = now.saturating_add_millis(4_321_000);
        for i in 0..n {
            let id = &ids[(i * 7919) % n];
            ok += sim
                .create_backup(&CreateBackupRequest::for_instance(id), now)
                .is_ok() as usize;
        }
        if mode == "accept" {
            for id in &ids {
                sim.forget_sets_before(id, Timestamp::MAX, |_| ());
            }
        }
    }
    println!("{ok}");
}
