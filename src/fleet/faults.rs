//! Fault rates of a fleet run (`docs/simulate.md`, "Faults"): per request, the chance that
//! the service throttles it, answers 503, or applies it and then answers 500 (a lost
//! answer). The runner draws them from the instance's own [`super::rng::Stream::Faults`]
//! stream, so rates of 0 draw nothing and leave every other count as it was.

use crate::faults::RequestFault;

use super::rng::FleetRng;

/// A probability from 0 to 1, compared by value (a finite number, so `Eq` holds).
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Rate(f64);

impl Eq for Rate {}

impl Rate {
    /// Never.
    pub const ZERO: Rate = Rate(0.0);

    /// `p` when 0 ≤ p ≤ 1 (so never NaN).
    pub fn new(p: f64) -> Option<Rate> {
        (0.0..=1.0).contains(&p).then_some(Rate(p))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// What a drawn fault does to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrawnFault {
    /// The request is not applied; the client sees the fault's code
    /// (`Throttling.User` or `ServiceUnavailable`).
    Before(RequestFault),
    /// The request is applied, then the client sees 500 `InternalError` (`Phase: After`).
    LostAnswer,
}

/// Per-request fault rates; their sum is at most 1 (see [`FaultRates::new`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultRates {
    throttling: Rate,
    service_unavailable: Rate,
    lost_answer: Rate,
}

impl FaultRates {
    /// No faults (the built-in fleet).
    pub const NONE: FaultRates = FaultRates {
        throttling: Rate::ZERO,
        service_unavailable: Rate::ZERO,
        lost_answer: Rate::ZERO,
    };

    /// The rates of 400 `Throttling.User`, 503 `ServiceUnavailable` and a lost answer
    /// (`InternalError`, `Phase: After`); `None` when they add up to more than 1.
    pub fn new(throttling: Rate, service_unavailable: Rate, lost_answer: Rate) -> Option<Self> {
        (throttling.0 + service_unavailable.0 + lost_answer.0 <= 1.0).then_some(FaultRates {
            throttling,
            service_unavailable,
            lost_answer,
        })
    }

    /// The chance of 400 `Throttling.User`.
    pub fn throttling(&self) -> Rate {
        self.throttling
    }

    /// The chance of 503 `ServiceUnavailable`.
    pub fn service_unavailable(&self) -> Rate {
        self.service_unavailable
    }

    /// The chance of a lost answer (`InternalError` after the request was applied).
    pub fn lost_answer(&self) -> Rate {
        self.lost_answer
    }

    /// Whether no fault can fire (the runner then draws nothing).
    pub fn is_none(&self) -> bool {
        *self == FaultRates::NONE
    }

    /// One request's draw: one value of `rng`, uniform in `[0, 1)`, falls into the
    /// throttling share, then the 503 share, then the lost-answer share, or none.
    pub fn draw(&self, rng: &mut FleetRng) -> Option<DrawnFault> {
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let throttled = self.throttling.0;
        let unavailable = throttled + self.service_unavailable.0;
        if u < throttled {
            Some(DrawnFault::Before(RequestFault::Throttling))
        } else if u < unavailable {
            Some(DrawnFault::Before(RequestFault::ServiceUnavailable))
        } else if u < unavailable + self.lost_answer.0 {
            Some(DrawnFault::LostAnswer)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(p: f64) -> Rate {
        Rate::new(p).expect("the test's rates are from 0 to 1")
    }

    #[test]
    fn rates_are_probabilities_that_add_up_to_at_most_one() {
        assert_eq!(Rate::new(-0.1), None);
        assert_eq!(Rate::new(1.5), None);
        assert_eq!(Rate::new(f64::NAN), None);
        assert_eq!(Rate::new(1.0).map(Rate::get), Some(1.0));
        assert_eq!(FaultRates::new(rate(0.5), rate(0.5), rate(0.01)), None);
        assert!(FaultRates::new(rate(0.5), rate(0.25), rate(0.25)).is_some());
        assert!(FaultRates::default().is_none());
    }

    #[test]
    fn draws_follow_the_rates() {
        let rates = FaultRates::new(rate(0.1), rate(0.2), rate(0.3)).expect("sum 0.6");
        let mut rng = FleetRng::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..100_000 {
            seen[match rates.draw(&mut rng) {
                Some(DrawnFault::Before(RequestFault::Throttling)) => 0,
                Some(DrawnFault::Before(RequestFault::ServiceUnavailable)) => 1,
                Some(DrawnFault::LostAnswer) => 2,
                None => 3,
                Some(DrawnFault::Before(RequestFault::InternalError)) => 4,
            }] += 1;
        }
        for (n, expected) in seen.iter().zip([10_000, 20_000, 30_000, 40_000, 0]) {
            assert!(n.abs_diff(expected) < 700, "{seen:?}");
        }
        let always = FaultRates::new(rate(1.0), Rate::ZERO, Rate::ZERO).expect("sum 1");
        assert!((0..1000)
            .all(|_| always.draw(&mut rng) == Some(DrawnFault::Before(RequestFault::Throttling))));
        let never = FaultRates::NONE;
        assert!((0..1000).all(|_| never.draw(&mut rng).is_none()));
    }
}
