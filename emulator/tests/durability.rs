//! `--state-dir` (spec/emulator.md, "Concurrency and durability"): restarts rebuild the
//! simulation, ids continue, nonces of changes survive, the lock keeps a second process
//! off, stored settings win over flags. (The kill -9 test is cli/tests/serve_sigkill.rs.)

mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use common::{at, start, temp_dir, text, try_start, try_start_with_clock, T0};
use rds_backup_sim_emulator::clock::TestClock;

#[test]
fn a_restart_rebuilds_the_same_simulation_and_ids_continue() {
    let dir = temp_dir("restart");
    let d = dir.to_str().unwrap();
    let s = start(&["--clock", "manual", "--seed", "9", "--state-dir", d]);
    assert!(
        s.banner().contains(&format!(
            "; clock manual; seed 9; state in {d} (0 changes recovered);"
        )),
        "{}",
        s.banner()
    );
    let mut c = s.client();
    s.create_instance(&mut c, "rm-a");
    s.create_instance(&mut c, "rm-b");
    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-a")]);
    assert_eq!(r.json()["BackupJobId"], "100001", "{}", text(&r));
    let r = s.sim(&mut c, r#"{"Action":"Sim.AdvanceTime","Seconds":700}"#);
    assert_eq!(r.status, 200);
    let before = s.state(&mut c);
    let stop = s.stop();
    assert!(
        stop.starts_with("rds-backup-sim serve: stopped; log at record 4, "),
        "{stop}"
    );

    // Flags may repeat the stored settings, or leave them out.
    let s = start(&["--state-dir", d]);
    assert!(
        s.banner().contains("; clock manual; seed 9; state in"),
        "{}",
        s.banner()
    );
    assert!(
        s.banner().contains("(4 changes recovered)"),
        "{}",
        s.banner()
    );
    let mut c = s.client();
    assert_eq!(s.state(&mut c), before);
    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-b")]);
    assert_eq!(r.json()["BackupJobId"], "100002", "{}", text(&r));
    let r = s.v1(&mut c, "DescribeBackups", &[("DBInstanceId", "rm-a")]);
    assert_eq!(
        r.json()["Items"]["Backup"][0]["BackupId"],
        "300001",
        "{}",
        text(&r)
    );
    s.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_second_server_on_the_directory_refuses_to_start() {
    let dir = temp_dir("lock");
    let d = dir.to_str().unwrap();
    let first = start(&["--state-dir", d]);
    let err = try_start(&["--state-dir", d]).err().unwrap();
    assert_eq!(
        err,
        format!("another process holds the state directory (lock file {d}/lock)")
    );
    first.stop();
    let again = start(&["--state-dir", d]);
    again.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stored_settings_win_and_contradicting_flags_are_refused_at_start() {
    let dir = temp_dir("settings");
    let d = dir.to_str().unwrap();
    start(&["--state-dir", d, "--seed", "3", "--clock", "manual"]).stop();
    let err = try_start(&["--state-dir", d, "--seed", "4"]).err().unwrap();
    assert_eq!(
        err,
        format!("{d} was created with seed 3; --seed 4 contradicts it (drop the flag or use another --state-dir)")
    );
    let err = try_start(&["--state-dir", d, "--clock", "real"])
        .err()
        .unwrap();
    assert_eq!(
        err,
        format!("{d} was created with clock manual; --clock real contradicts it (drop the flag or use another --state-dir)")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn nonces_of_changes_survive_a_restart() {
    let dir = temp_dir("nonces");
    let d = dir.to_str().unwrap();
    let clock = Arc::new(TestClock::new(at(T0)));
    let s = try_start_with_clock(&["--state-dir", d, "--clock", "manual"], clock.clone()).unwrap();
    let mut c = s.client();
    s.create_instance(&mut c, "rm-n");
    let ts = s.timestamp();
    let r = s.v1_with(
        &mut c,
        "POST",
        "CreateBackup",
        &[("DBInstanceId", "rm-n")],
        "kept",
        &ts,
    );
    assert_eq!(r.status, 200);
    s.stop();
    clock.advance(TimeDelta::minutes(5));
    let s = try_start_with_clock(&["--state-dir", d], clock.clone()).unwrap();
    let mut c = s.client();
    let r = s.v1_with(
        &mut c,
        "POST",
        "CreateBackup",
        &[("DBInstanceId", "rm-n")],
        "kept",
        &ts,
    );
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("SignatureNonceUsed"))
    );
    s.stop();
    // After its window the nonce is not restored.
    clock.advance(TimeDelta::minutes(11));
    let s = try_start_with_clock(&["--state-dir", d], clock.clone()).unwrap();
    let mut c = s.client();
    let ts = s.timestamp();
    let r = s.v1_with(
        &mut c,
        "POST",
        "DescribeBackupTasks",
        &[("DBInstanceId", "rm-n")],
        "kept",
        &ts,
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    s.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn real_clock_time_travel_and_restores_survive_a_restart() {
    let dir = temp_dir("real");
    let d = dir.to_str().unwrap();
    let clock = Arc::new(TestClock::new(at(T0)));
    let s = try_start_with_clock(&["--state-dir", d], clock.clone()).unwrap();
    let mut c = s.client();
    let r = s.sim(&mut c, r#"{"Action":"Sim.AdvanceTime","Seconds":86400}"#);
    assert_eq!(r.json()["Clock"], "2026-03-02T00:00:00Z");
    s.stop();
    clock.advance(TimeDelta::minutes(30));
    let s = try_start_with_clock(&["--state-dir", d], clock.clone()).unwrap();
    let mut c = s.client();
    // The offset (one day) survived; real time moved 30 minutes.
    let r = s.sim(&mut c, r#"{"Action":"Sim.AdvanceTime","Seconds":0}"#);
    assert_eq!(r.json()["Clock"], "2026-03-02T00:30:00Z", "{}", text(&r));
    // Reset: a new simulation starting at the real time.
    let r = c.request("POST", "/_sim/reset", &[], b"").unwrap();
    assert_eq!(r.status, 200);
    let r = s.sim(&mut c, r#"{"Action":"Sim.AdvanceTime","Seconds":0}"#);
    assert_eq!(r.json()["Clock"], "2026-03-01T00:30:00Z", "{}", text(&r));
    let after_reset = s.state(&mut c);
    s.stop();
    let s = try_start_with_clock(&["--state-dir", d], clock.clone()).unwrap();
    let mut c = s.client();
    assert_eq!(s.state(&mut c), after_reset);
    s.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_torn_last_record_is_dropped_at_restart() {
    let dir = temp_dir("torn");
    let d = dir.to_str().unwrap();
    let s = start(&["--state-dir", d, "--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-t");
    let before = s.state(&mut c);
    s.stop();
    // A crash in the middle of writing the next record.
    let wal = dir.join("wal.log");
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes.extend_from_slice(b"0badc0de {\"seq\":2,\"change\":{\"Kind\":\"Li");
    std::fs::write(&wal, &bytes).unwrap();
    let s = start(&["--state-dir", d]);
    assert!(
        s.banner().contains("(1 changes recovered)"),
        "{}",
        s.banner()
    );
    let mut c = s.client();
    assert_eq!(s.state(&mut c), before);
    s.create_instance(&mut c, "rm-u");
    s.stop();
    let s = start(&["--state-dir", d]);
    assert!(
        s.banner().contains("(2 changes recovered)"),
        "{}",
        s.banner()
    );
    s.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
