//! `rds-backup-sim serve --state-dir` killed with SIGKILL in the middle of a load: after a
//! restart on the same directory, every acknowledged `BackupJobId` is there, and ids
//! continue (spec/emulator.md, "Concurrency and durability"). Runs the real binary.

mod common;

use std::net::SocketAddr;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::client::HttpClient;
use common::spawn_serve;
use rds_backup_sim_emulator::clock::real_now;
use rds_backup_sim_emulator::sign_v1::Signer;

const INSTANCES: usize = 3000;
const WRITERS: usize = 8;
/// The kill comes once this many jobs are acknowledged: in the middle of the load however
/// fast the build (a fixed delay let a release build finish the whole load first).
const KILL_AFTER: usize = INSTANCES / 4;

fn spawn(dir: &str) -> (Child, SocketAddr, String) {
    // Quiet: the request log of thousands of requests would fill the unread stderr pipe.
    spawn_serve(&["--clock", "manual", "--state-dir", dir, "--quiet"])
}

fn timestamp() -> String {
    real_now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn every_acknowledged_backup_job_survives_kill_9_and_ids_continue() {
    let dir = std::env::temp_dir().join(format!("rbs-sigkill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap().to_owned();
    let (mut child, addr, banner) = spawn(&d);
    assert!(
        banner.contains("; clock manual; seed 0; state in "),
        "{banner}"
    );

    let mut c = HttpClient::connect(addr).unwrap();
    let setup: String = (0..INSTANCES)
        .map(|i| format!("{{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-{i}\",\"Engine\":\"MySQL\"}}\n"))
        .collect();
    let r = c
        .request("POST", "/_sim/replay", &[], setup.as_bytes())
        .unwrap();
    assert_eq!(r.status, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let stop = stop.clone();
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                let signer = Signer::new("testid", "testsecret");
                let mut acked: Vec<(String, u64)> = Vec::new();
                let Ok(mut c) = HttpClient::connect(addr) else {
                    return acked;
                };
                for (n, i) in (w..INSTANCES).step_by(WRITERS).enumerate() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let instance = format!("rm-{i}");
                    let nonce = format!("w{w}-{n}");
                    let Ok(r) = c.v1(
                        &signer,
                        "POST",
                        "CreateBackup",
                        &[("DBInstanceId", &instance)],
                        &nonce,
                        &timestamp(),
                    ) else {
                        break; // the server died
                    };
                    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
                    let job = r.json()["BackupJobId"]
                        .as_str()
                        .unwrap()
                        .parse::<u64>()
                        .unwrap();
                    acked.push((instance, job));
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                acked
            })
        })
        .collect();
    // At most a minute (60,000 naps of 1 ms) for a quarter of the load.
    for _ in 0..60_000 {
        if acknowledged.load(Ordering::SeqCst) >= KILL_AFTER {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    let acked: Vec<(String, u64)> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        acked.len() >= KILL_AFTER,
        "too little load before the kill: {}",
        acked.len()
    );
    assert!(acked.len() < INSTANCES, "the load ended before the kill");

    let (child, addr, banner) = spawn(&d);
    assert!(banner.contains("changes recovered"), "{banner}");
    let mut c = HttpClient::connect(addr).unwrap();
    let state = c.request("GET", "/_sim/state", &[], b"").unwrap().json();
    for (instance, job) in &acked {
        assert_eq!(
            state["Instances"][instance]["ActiveJob"]["Id"].as_u64(),
            Some(*job),
            "acknowledged job {job} on {instance} lost"
        );
    }
    let max_acked = acked.iter().map(|(_, j)| *j).max().unwrap();
    let next = state["Ids"]["NextJobId"].as_u64().unwrap();
    assert!(
        next > max_acked,
        "NextJobId {next} reuses an acknowledged id (max {max_acked})"
    );
    // Ids continue: a new job takes the next id, never an acknowledged one.
    let r = c
        .request(
            "POST",
            "/_sim/action",
            &[],
            b"{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-new\",\"Engine\":\"MySQL\"}",
        )
        .unwrap();
    assert_eq!(r.status, 200);
    let signer = Signer::new("testid", "testsecret");
    let r = c
        .v1(
            &signer,
            "POST",
            "CreateBackup",
            &[("DBInstanceId", "rm-new")],
            "after-restart",
            &timestamp(),
        )
        .unwrap();
    assert_eq!(
        r.json()["BackupJobId"].as_str(),
        Some(next.to_string().as_str())
    );

    // SIGTERM stops it cleanly.
    let output = common::stop(child);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("rds-backup-sim serve: stopped; log at record "),
        "{stdout}"
    );
    assert_eq!(output.stderr, b"", "--quiet logs nothing but errors");
    std::fs::remove_dir_all(dir).unwrap();
}
