//! Which fault fires: matching in declaration order, the first that fires wins, and the
//! probability generator.

use serde::{Deserialize, Serialize};

use super::{Fault, FaultKind, FaultPhase, Faults};
use crate::ids::splitmix64;
use crate::time::Timestamp;

/// The fault generator: one stream of SplitMix64 values from the simulation's seed,
/// advanced by one draw for each `Probability` fault that matches a request (or a job).
/// It keeps only how many draws were taken: the seed is the simulation's, so a state
/// restored from JSON draws on exactly as the original would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultRng {
    draws: u64,
}

/// Keeps the fault stream apart from other uses of the seed.
const FAULT_STREAM: u64 = 0x6661_756c_7473_0001;

impl FaultRng {
    /// The next value of the stream of `seed`, uniform in `[0, 1)`.
    fn next_unit(&mut self, seed: u64) -> f64 {
        let x = splitmix64(splitmix64(seed ^ FAULT_STREAM).wrapping_add(self.draws));
        self.draws += 1;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A fault that fired on a request: what the edge must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fired {
    /// `FaultId`'s number.
    pub id: u32,
    /// What it does.
    pub kind: FaultKind,
    /// Whether the request is applied first.
    pub phase: FaultPhase,
    /// For `Latency` and `Timeout`: how long the emulator holds the request.
    pub latency_ms: u32,
}

impl Fired {
    /// `f-N`.
    pub fn fault_id(&self) -> String {
        super::fault_id(self.id)
    }
}

/// What a fault is matched against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    /// The API action; `None` for a job that starts (`JobFails`).
    pub action: Option<&'a str>,
    /// The request's `DBInstanceId` parameter, or the job's instance.
    pub instance: Option<&'a str>,
    /// The request's `AccessKeyId`.
    pub access_key_id: Option<&'a str>,
}

impl Fault {
    fn matches(&self, subject: &Subject<'_>, now: Timestamp) -> bool {
        let s = &self.spec;
        let kind_fits = match subject.action {
            Some(action) => {
                s.kind.is_request_fault()
                    && s.target.as_deref().is_some_and(|t| t == "*" || t == action)
            }
            None => s.kind == FaultKind::JobFails,
        };
        kind_fits
            && self.is_active(now)
            && s.db_instance_id
                .as_deref()
                .is_none_or(|id| subject.instance == Some(id))
            && s.access_key_id
                .as_deref()
                .is_none_or(|key| subject.access_key_id == Some(key))
    }
}

impl Faults {
    /// The first fault, in declaration order, that fires on `subject` at `now`, counted as
    /// fired. A `Probability` fault that matches takes one draw; one that does not fire
    /// does not count. Inlined: with no fault declared (the common case, every job start
    /// asks) it is one comparison.
    #[inline]
    pub(crate) fn fire(
        &mut self,
        subject: &Subject<'_>,
        seed: u64,
        now: Timestamp,
    ) -> Option<Fired> {
        if self.list.is_empty() {
            return None;
        }
        self.fire_declared(subject, seed, now)
    }

    /// [`Self::fire`] with at least one fault declared.
    #[inline(never)]
    fn fire_declared(&mut self, subject: &Subject<'_>, seed: u64, now: Timestamp) -> Option<Fired> {
        let Faults { list, rng, .. } = self;
        for fault in list.iter_mut() {
            if !fault.matches(subject, now) {
                continue;
            }
            let fires = fault
                .spec
                .probability
                .is_none_or(|p| rng.next_unit(seed) < p.get());
            if fires {
                fault.fired += 1;
                return Some(Fired {
                    id: fault.id,
                    kind: fault.spec.kind,
                    phase: fault.spec.phase,
                    latency_ms: fault.spec.latency_ms(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::{FaultSpec, Probability};

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap()
    }

    fn request<'a>(action: &'a str, instance: Option<&'a str>) -> Subject<'a> {
        Subject {
            action: Some(action),
            instance,
            access_key_id: None,
        }
    }

    #[test]
    fn the_generator_is_uniform_enough_and_reproducible() {
        let (mut a, mut b) = (FaultRng::default(), FaultRng::default());
        let draws: Vec<f64> = (0..10_000).map(|_| a.next_unit(7)).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        assert_eq!(
            draws[..5],
            (0..5).map(|_| b.next_unit(7)).collect::<Vec<_>>()[..]
        );
        assert_ne!(FaultRng::default().next_unit(8), draws[0]);
    }

    #[test]
    fn first_match_in_declaration_order_wins_and_times_retire_it() {
        let mut faults = Faults::default();
        let mut throttle = FaultSpec::new(FaultKind::Throttling);
        throttle.target = Some("CreateBackup".into());
        throttle.db_instance_id = Some("rm-a".into());
        throttle.times = Some(2);
        let mut internal = FaultSpec::new(FaultKind::InternalError);
        internal.target = Some("*".into());
        internal.times = Some(1);
        faults.declare(throttle);
        faults.declare(internal);
        // Another instance: the first does not match, the second fires and retires.
        let fired = faults.fire(&request("CreateBackup", Some("rm-b")), 0, now());
        assert_eq!(
            fired.map(|f| (f.id, f.kind)),
            Some((2, FaultKind::InternalError))
        );
        assert_eq!(
            faults.fire(&request("DescribeBackups", None), 0, now()),
            None
        );
        for _ in 0..2 {
            let fired = faults.fire(&request("CreateBackup", Some("rm-a")), 0, now());
            assert_eq!(fired.map(|f| f.id), Some(1));
        }
        assert_eq!(
            faults.fire(&request("CreateBackup", Some("rm-a")), 0, now()),
            None
        );
        assert_eq!(faults.list()[0].fired, 2);
        assert!(!faults.list()[0].is_active(now()));
    }

    #[test]
    fn a_probability_fault_draws_once_per_match_and_fires_about_that_often() {
        let mut faults = Faults::default();
        let mut spec = FaultSpec::new(FaultKind::Throttling);
        spec.target = Some("*".into());
        spec.probability = Probability::new(0.25);
        faults.declare(spec);
        let fired = (0..4000)
            .filter(|_| {
                faults
                    .fire(&request("CreateBackup", None), 0, now())
                    .is_some()
            })
            .count();
        assert!((900..=1100).contains(&fired), "{fired} of 4000");
        assert_eq!(faults.list()[0].fired, fired as u64);
        assert_eq!(faults.rng.draws, 4000);
    }

    #[test]
    fn jobs_match_only_job_faults_and_requests_only_request_faults() {
        let mut faults = Faults::default();
        let mut jobs = FaultSpec::new(FaultKind::JobFails);
        jobs.times = Some(1);
        faults.declare(jobs);
        assert_eq!(
            faults.fire(&request("CreateBackup", Some("rm-a")), 0, now()),
            None
        );
        let job = Subject {
            action: None,
            instance: Some("rm-a"),
            access_key_id: None,
        };
        assert_eq!(
            faults.fire(&job, 0, now()).map(|f| f.kind),
            Some(FaultKind::JobFails)
        );
    }
}
