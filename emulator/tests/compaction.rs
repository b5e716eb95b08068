//! The stored log stays small (spec/emulator.md, "Concurrency and durability"): a snapshot
//! replaces the log's prefix when the log outgrows `--compact-log-after` and at every clean
//! stop, and a crash at any point of compaction loses nothing answered.

mod common;

use std::path::Path;

use common::client::HttpClient;
use common::{assert_restarts_to, start, temp_dir, text, TestServer};

fn changes(s: &TestServer, c: &mut HttpClient, instance: &str, n: usize) {
    s.create_instance(c, instance);
    for _ in 0..n {
        s.sim_ok(c, r#"{"Action":"Sim.AdvanceTime","Seconds":3600}"#);
    }
    let r = s.v1(c, "CreateBackup", &[("DBInstanceId", instance)]);
    assert_eq!(r.status, 200, "{}", text(&r));
}

/// A crash's disk image: where it struck, the snapshot, a temp file, the log.
type Image<'a> = (&'a str, &'a [u8], Option<&'a [u8]>, &'a [u8]);

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "lock" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_log_is_compacted_when_it_outgrows_its_bound_and_a_restart_rebuilds_the_simulation() {
    let dir = temp_dir("compact-size");
    let d = dir.to_str().unwrap();
    let s = start(&[
        "--state-dir",
        d,
        "--clock",
        "manual",
        "--compact-log-after",
        "2000",
    ]);
    let mut c = s.client();
    changes(&s, &mut c, "rm-c", 200);
    // 200 records of about 130 bytes each: without compaction the log would hold 26 KB.
    let wal = std::fs::metadata(dir.join("wal.log")).unwrap().len();
    assert!(wal < 4000, "the log holds {wal} bytes");
    assert!(dir.join("snapshot").exists());
    let domain = s.domain_state(&mut c);
    // A copy of the running server's files is what a kill -9 now would leave.
    let crashed = temp_dir("compact-size-crash");
    copy_dir(&dir, &crashed);
    s.stop();
    // A clean stop leaves the snapshot and an empty log.
    assert_eq!(std::fs::metadata(dir.join("wal.log")).unwrap().len(), 0);
    for d in [&dir, &crashed] {
        assert_restarts_to(d, 202, &domain);
    }
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(crashed).unwrap();
}

#[test]
fn a_crash_at_every_point_of_compaction_loses_nothing_and_leaves_a_startable_directory() {
    let dir = temp_dir("compact-points");
    let d = dir.to_str().unwrap();
    // Run 1, stopped cleanly: snapshot S1 and an empty log.
    let s = start(&["--state-dir", d, "--clock", "manual"]);
    let mut c = s.client();
    changes(&s, &mut c, "rm-1", 5);
    s.stop();
    let s1 = std::fs::read(dir.join("snapshot")).unwrap();
    let settings = std::fs::read(dir.join("settings.json")).unwrap();
    // Run 2: more changes; its log as a kill -9 would leave it, then its clean stop's S2.
    let s = start(&["--state-dir", d]);
    let mut c = s.client();
    changes(&s, &mut c, "rm-2", 5);
    let wal = std::fs::read(dir.join("wal.log")).unwrap();
    assert!(!wal.is_empty());
    let domain = s.domain_state(&mut c);
    s.stop();
    let s2 = std::fs::read(dir.join("snapshot")).unwrap();
    // Every disk image a crash can leave, in the order of the steps.
    let images: [Image; 5] = [
        ("before compaction", &s1, None, &wal),
        (
            "writing the temp file",
            &s1,
            Some(&s2[..s2.len() / 2]),
            &wal,
        ),
        ("before the rename", &s1, Some(&s2), &wal),
        ("after the rename, before the truncation", &s2, None, &wal),
        ("after the truncation", &s2, None, b""),
    ];
    for (point, snapshot, temp, log) in images {
        let image = temp_dir("compact-image");
        std::fs::write(image.join("settings.json"), &settings).unwrap();
        std::fs::write(image.join("snapshot"), snapshot).unwrap();
        if let Some(temp) = temp {
            std::fs::write(image.join("snapshot.tmp"), temp).unwrap();
        }
        std::fs::write(image.join("wal.log"), log).unwrap();
        assert_restarts_to(&image, 14, &domain);
        assert!(!image.join("snapshot.tmp").exists(), "{point}");
        std::fs::remove_dir_all(image).unwrap();
    }
    std::fs::remove_dir_all(dir).unwrap();
}
