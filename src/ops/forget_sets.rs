//! Fleet-mode retention: forgetting old backup sets so that a long simulation's memory
//! does not grow with simulated time (`docs/simulate.md`, `--retain-days`).
//!
//! Not an API of the real service and not reachable from scenarios or the emulator: a
//! library caller (the fleet runner) chooses to forget sets it has already counted. The
//! last ended job of the instance is always kept, because rule CB-A3 ("the instance's last
//! job failed") reads it; the last successful full backup is kept apart (CB-A3) and is
//! not affected.

use crate::instance::{BackupState, SetRecord};
use crate::job::JobRecord;
use crate::simulation::Simulation;
use crate::time::Timestamp;

impl Simulation {
    /// Forgets the ended jobs (and their sets) of instance `id` that ended before `cutoff`,
    /// except the last ended job, and returns how many were forgotten; 0 for an unknown
    /// instance. `visit` sees each forgotten record first, oldest first, so that a caller
    /// can count what it drops. The clock does not move and the instance is not settled.
    pub fn forget_sets_before(
        &mut self,
        id: &str,
        cutoff: Timestamp,
        mut visit: impl FnMut(&JobRecord),
    ) -> usize {
        self.forget_before(id, cutoff, |state, old| {
            state.history().iter().take(old).for_each(|r| visit(&r));
        })
    }

    /// [`Self::forget_sets_before`] visiting the 24-byte records (the fleet's tally reads
    /// only their mode, method and outcome, so nothing is decoded).
    pub(crate) fn forget_records_before(
        &mut self,
        id: &str,
        cutoff: Timestamp,
        visit: impl FnMut(&SetRecord),
    ) {
        self.forget_before(id, cutoff, |state, old| {
            state.records()[..old].iter().for_each(visit);
        });
    }

    /// Finds the records to forget, lets `visit` see the state and their count, and
    /// drops them.
    fn forget_before(
        &mut self,
        id: &str,
        cutoff: Timestamp,
        visit: impl FnOnce(&BackupState, usize),
    ) -> usize {
        let Some(instance) = self.instances.get_mut(id) else {
            return 0;
        };
        let Some(state) = instance.backup.existing_mut() else {
            return 0;
        };
        let keep_last = state.records().len().saturating_sub(1);
        let old = crate::job::leading(&state.records()[..keep_last], |r| r.ended() < cutoff);
        visit(state, old);
        state.drain_records(old);
        old
    }
}

#[cfg(test)]
mod tests {
    use crate::{CreateBackupRequest, Engine, InstanceId, InstanceSpec, Simulation, Timestamp};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    /// Three manual jobs at 00:00, 01:00 and 02:00 (ending 00:10, 01:10, 02:10), settled
    /// at 05:00.
    fn three_sets() -> Simulation {
        let start = at("2026-03-01T00:00:00Z");
        let mut sim = Simulation::new(Default::default(), start);
        let id = InstanceId::new("rm-1").unwrap();
        sim.create_instance(InstanceSpec::new(id, Engine::MySql), start)
            .unwrap();
        let request = CreateBackupRequest::for_instance("rm-1");
        for hour in 0..3 {
            let now = start.saturating_add_millis(hour * 3_600_000);
            sim.create_backup(&request, now).unwrap();
        }
        sim.advance_to(at("2026-03-01T05:00:00Z")).unwrap();
        sim.settle_all();
        sim
    }

    #[test]
    fn forgets_old_sets_but_keeps_the_last_and_the_quota() {
        let mut sim = three_sets();
        let mut seen = Vec::new();
        let forgotten = sim.forget_sets_before("rm-1", Timestamp::MAX, |r| seen.push(r.id.0));
        assert_eq!(forgotten, 2);
        assert_eq!(seen, vec![100_001, 100_002]);
        let instance = sim.instance("rm-1").unwrap();
        let kept: Vec<u64> = instance.history().iter().map(|r| r.id.0).collect();
        assert_eq!(kept, vec![100_003]);
        // The quota still counts the forgotten acceptances (CB-A2).
        assert_eq!(instance.quota().accepted().len(), 3);
        assert_eq!(sim.forget_sets_before("rm-1", Timestamp::MAX, |_| ()), 0);
        assert_eq!(
            sim.forget_sets_before("rm-unknown", Timestamp::MAX, |_| ()),
            0
        );
        assert_eq!(sim.check_invariants(), Ok(()));
    }

    /// CB-17 and Q-4 after forgetting: the forgotten jobs' acceptances (kept beside the
    /// records, their jobs gone) still count in the calendar window and in the rolling
    /// one, are recounted when the offset moves, and survive the state's JSON.
    #[test]
    fn q4_forgotten_acceptances_still_count() {
        use crate::quota::QuotaExceeded;
        use crate::settings::{SettingsChange, UtcOffset};
        use crate::simulation::Simulation;
        use crate::vocab::QuotaWindow;
        use crate::CreateBackupError;
        let mut sim = three_sets();
        let limit_three = SettingsChange {
            daily_backup_limit: Some(3),
            ..SettingsChange::default()
        };
        sim.configure(&limit_three, at("2026-03-01T05:00:00Z"))
            .unwrap();
        sim.forget_sets_before("rm-1", Timestamp::MAX, |_| ());
        let request = CreateBackupRequest::for_instance("rm-1");
        let refused = Err(CreateBackupError::QuotaExceeded(QuotaExceeded {
            limit: 3,
            used: 3,
        }));
        assert_eq!(
            sim.create_backup(&request, at("2026-03-01T06:00:00Z")),
            refused
        );
        let rolling = SettingsChange {
            quota_window: Some(QuotaWindow::Rolling24h),
            ..SettingsChange::default()
        };
        sim.configure(&rolling, at("2026-03-01T06:00:00Z")).unwrap();
        assert_eq!(
            sim.create_backup(&request, at("2026-03-01T23:59:59Z")),
            refused
        );
        // The first acceptance (00:00) leaves the rolling window a day later.
        let one_left = sim.create_backup(&request, at("2026-03-02T00:00:00Z"));
        assert_eq!(one_left.map(|job| job.0), Ok(100_004));
        // Back to calendar days at -08:00: 03-01T00:00Z to 02:00Z fall on 02-28 there,
        // 03-02T00:00Z on 03-01: one acceptance in the window of 03-02T01:00Z. The 24 hours
        // up to the newest hold the last three (00:00 on 03-01 is exactly 24 hours older).
        let pacific = SettingsChange {
            quota_window: Some(QuotaWindow::CalendarDay),
            quota_utc_offset: Some(UtcOffset::parse("-08:00").unwrap()),
            ..SettingsChange::default()
        };
        sim.configure(&pacific, at("2026-03-02T01:00:00Z")).unwrap();
        sim.forget_sets_before("rm-1", Timestamp::MAX, |_| ());
        let accepted = sim.instance("rm-1").unwrap().quota();
        assert_eq!(accepted.used(sim.settings(), at("2026-03-02T01:00:00Z")), 1);
        assert_eq!(accepted.accepted().len(), 3);
        assert_eq!(sim.check_invariants(), Ok(()));
        let text = serde_json::to_string(&sim).unwrap();
        let loaded: Simulation = serde_json::from_str(&text).unwrap();
        assert_eq!(loaded, sim);
        assert_eq!(loaded.check_invariants(), Ok(()));
    }

    #[test]
    fn forgets_only_before_the_cutoff() {
        let mut sim = three_sets();
        let cutoff = at("2026-03-01T01:10:00Z");
        assert_eq!(sim.forget_sets_before("rm-1", cutoff, |_| ()), 1);
        assert_eq!(sim.instance("rm-1").unwrap().history().len(), 2);
    }

    /// The fleet's way: the same records forgotten, each seen in its 24 bytes first.
    #[test]
    fn forgets_the_same_records_visiting_their_24_bytes() {
        let mut sim = three_sets();
        let mut seen = Vec::new();
        sim.forget_records_before("rm-1", Timestamp::MAX, |r| seen.push(r.ended()));
        let ends = [at("2026-03-01T00:10:00Z"), at("2026-03-01T01:10:00Z")];
        assert_eq!(seen, ends);
        let kept = sim.instance("rm-1").unwrap().history();
        assert_eq!(kept.iter().map(|r| r.id.0).collect::<Vec<_>>(), [100_003]);
        assert_eq!(sim.check_invariants(), Ok(()));
    }
}
