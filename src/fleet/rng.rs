//! The fleet's only source of "randomness": a SplitMix64 stream seeded from the run's seed
//! and an instance's index, so that every instance draws the same values whatever shard
//! or thread runs it.

use crate::ids::splitmix64;

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetRng {
    state: u64,
}

/// Streams of one instance: each concern draws from its own, so that adding a draw to one
/// (say, the instance mix) does not shift the others (the clients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// The instance's description ([`crate::fleet::FleetMix`]).
    Instance = 1,
    /// The client's behaviour ([`crate::fleet::Workload`]).
    Client = 2,
    /// Job failures injected by the runner.
    Failures = 3,
    /// Request faults injected by the runner ([`crate::fleet::FaultRates`]).
    Faults = 4,
}

impl FleetRng {
    /// The stream `stream` of instance `index` in a run seeded with `seed`.
    pub fn for_instance(seed: u64, index: u64, stream: Stream) -> FleetRng {
        FleetRng::new(splitmix64(
            splitmix64(seed ^ (stream as u64).rotate_left(40)) ^ index,
        ))
    }

    /// A generator started from `seed`.
    pub fn new(seed: u64) -> FleetRng {
        FleetRng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (0 when `bound` is 0), by multiply-shift.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// Picks the index of a weight: `weights[i] / sum` is the chance of `i`. An empty or
    /// all-zero list gives 0.
    pub fn pick(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut draw = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if draw < w {
                return i;
            }
            draw -= w;
        }
        0
    }

    /// Picks a value of `(value, weight)` pairs with chance weight / total; `None` when
    /// the list is empty or every weight is 0.
    pub fn pick_from<T: Copy>(&mut self, list: &[(T, u32)]) -> Option<T> {
        let total: u64 = list.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut left = self.below(total);
        for (value, weight) in list {
            let weight = u64::from(*weight);
            if left < weight {
                return Some(*value);
            }
            left -= weight;
        }
        None
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a = FleetRng::for_instance(0, 7, Stream::Client).next_u64();
        assert_eq!(a, FleetRng::for_instance(0, 7, Stream::Client).next_u64());
        assert_ne!(a, FleetRng::for_instance(0, 7, Stream::Instance).next_u64());
        assert_ne!(a, FleetRng::for_instance(0, 8, Stream::Client).next_u64());
        assert_ne!(a, FleetRng::for_instance(1, 7, Stream::Client).next_u64());
    }

    #[test]
    fn pick_follows_the_weights_and_never_picks_a_zero_weight() {
        let mut rng = FleetRng::new(42);
        let mut seen = [0u32; 3];
        for _ in 0..10_000 {
            seen[rng.pick(&[1, 0, 3])] += 1;
        }
        assert_eq!(seen[1], 0);
        assert_eq!(seen, [2433, 0, 7567]);
        assert_eq!(rng.pick(&[]), 0);
        assert_eq!(rng.pick(&[0, 0]), 0);
        assert_eq!(rng.below(0), 0);
    }
}
