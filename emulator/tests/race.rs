//! Linearizability (spec/emulator.md, "Concurrency and durability"): N clients racing
//! `CreateBackup` on one free instance get exactly one `BackupJobId` and N−1
//! `BackupJobExists`.

mod common;

use std::sync::{Arc, Barrier};

use common::{start, text};

#[test]
fn many_clients_racing_create_backup_on_one_free_instance_get_exactly_one_job() {
    const CLIENTS: usize = 48;
    for round in 0..3 {
        let s = Arc::new(start(&["--clock", "manual"]));
        let mut c = s.client();
        s.create_instance(&mut c, "rm-race");
        let barrier = Arc::new(Barrier::new(CLIENTS));
        let handles: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let s = s.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut c = s.client();
                    barrier.wait();
                    let r = s.v1(&mut c, "CreateBackup", &[("DBInstanceId", "rm-race")]);
                    (
                        r.status,
                        r.code(),
                        r.json()["BackupJobId"].as_str().map(str::to_owned),
                        text(&r),
                    )
                })
            })
            .collect();
        let answers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<_> = answers.iter().filter(|a| a.0 == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
        assert_eq!(winners[0].2.as_deref(), Some("100001"));
        let losers = answers
            .iter()
            .filter(|a| a.0 == 400 && a.1.as_deref() == Some("BackupJobExists"))
            .count();
        assert_eq!(losers, CLIENTS - 1, "round {round}: {answers:?}");
        let state = s.state(&mut c);
        assert_eq!(state["Ids"]["NextJobId"], 100002, "{state}");
    }
}
