//! The stored log holds changes only (spec/emulator.md, "Concurrency and durability"):
//! reads and refusals never write to it, their nonces stay in memory, and a restart
//! rebuilds the same simulation without them.

mod common;

use common::{assert_restarts_to, start, temp_dir, text};

fn wal_len(dir: &std::path::Path) -> u64 {
    std::fs::metadata(dir.join("wal.log")).unwrap().len()
}

#[test]
fn reads_and_refusals_leave_the_log_as_it_was_and_a_restart_rebuilds_the_same_simulation() {
    let dir = temp_dir("log-growth");
    let d = dir.to_str().unwrap();
    let s = start(&["--state-dir", d, "--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-g");
    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-g")]);
    assert_eq!(r.status, 200, "{}", text(&r));
    let before = wal_len(&dir);
    for _ in 0..100 {
        let r = s.v1(&mut c, "DescribeBackups", &[("DBInstanceId", "rm-g")]);
        assert_eq!(r.status, 200, "{}", text(&r));
        let r = s.v1(&mut c, "DescribeBackupPolicy", &[("DBInstanceId", "rm-g")]);
        assert_eq!(r.status, 200, "{}", text(&r));
        // A refusal: a job is already running on the instance.
        let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-g")]);
        assert_eq!(
            (r.status, r.code().as_deref()),
            (400, Some("BackupJobExists")),
            "{}",
            text(&r)
        );
        s.state(&mut c);
    }
    assert_eq!(wal_len(&dir), before, "reads and refusals wrote to the log");
    let domain = s.domain_state(&mut c);
    s.stop();
    assert_restarts_to(&dir, 2, &domain);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_nonce_of_a_read_is_refused_again_while_the_server_runs() {
    let dir = temp_dir("log-read-nonce");
    let d = dir.to_str().unwrap();
    let s = start(&["--state-dir", d, "--clock", "manual"]);
    let mut c = s.client();
    s.create_instance(&mut c, "rm-n");
    let ts = s.timestamp();
    let params = [("DBInstanceId", "rm-n")];
    let r = s.v1_with(&mut c, "POST", "DescribeBackups", &params, "read-1", &ts);
    assert_eq!(r.status, 200, "{}", text(&r));
    let r = s.v1_with(&mut c, "POST", "DescribeBackups", &params, "read-1", &ts);
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("SignatureNonceUsed")),
        "{}",
        text(&r)
    );
    s.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
