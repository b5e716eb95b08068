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
