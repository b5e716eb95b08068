//! The simulation's time under `--clock real|manual` (spec/emulator.md, "Starting it").
//!
//! - `real`: simulation time is the real time plus a forward offset. The offset starts at 0
//!   (the simulation starts at the real time of the first start); after each control-plane
//!   change it becomes `simulation clock − real now`, so `Sim.AdvanceTime` and `At` move it
//!   forward, `Sim.Configure` `Start` (first line only) moves the origin, and a restored
//!   snapshot resumes from its own clock.
//! - `manual`: simulation time is the simulation's clock; only `Sim.AdvanceTime` and `At`
//!   (control plane) move it.
//!
//! Either way an action runs at `max(that time, the simulation clock)`, so the core never
//! sees time go backwards (a real clock stepped back by NTP stalls simulation time instead).

use std::fmt;

use chrono::{DateTime, Utc};
use rds_backup_sim::Timestamp;
use serde::{Deserialize, Serialize};

/// How simulation time moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Real time plus a forward offset.
    Real,
    /// Only `Sim.AdvanceTime` and `At` move it.
    Manual,
}

impl fmt::Display for ClockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockMode::Real => "real",
            ClockMode::Manual => "manual",
        })
    }
}

/// The mode and, for `real`, the offset in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimClock {
    mode: ClockMode,
    offset_ms: i64,
}

impl SimClock {
    /// A clock in `mode` with no offset.
    pub fn new(mode: ClockMode) -> SimClock {
        SimClock { mode, offset_ms: 0 }
    }

    /// The mode.
    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The offset (always 0 in `manual`).
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms
    }

    /// Sets the offset (restored from the log).
    pub fn set_offset_ms(&mut self, offset_ms: i64) {
        if self.mode == ClockMode::Real {
            self.offset_ms = offset_ms;
        }
    }

    /// The time an action runs at, given the real time and the simulation clock.
    pub fn now(&self, real: DateTime<Utc>, sim_clock: Timestamp) -> Timestamp {
        match self.mode {
            ClockMode::Manual => sim_clock,
            ClockMode::Real => {
                let t = Timestamp::clamped(real.timestamp_millis().saturating_add(self.offset_ms));
                t.max(sim_clock)
            }
        }
    }

    /// After a control-plane change: the offset follows the simulation clock.
    pub fn follow(&mut self, real: DateTime<Utc>, sim_clock: Timestamp) {
        if self.mode == ClockMode::Real {
            self.offset_ms = sim_clock
                .as_millis()
                .saturating_sub(real.timestamp_millis());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn ts(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    #[test]
    fn real_mode_follows_the_real_clock_plus_offset_and_never_goes_back() {
        let mut c = SimClock::new(ClockMode::Real);
        assert_eq!(c.now(real(1_000), ts(0)), ts(1_000));
        // AdvanceTime took the simulation an hour ahead: the offset follows it.
        c.follow(real(2_000), ts(3_602_000));
        assert_eq!(c.offset_ms(), 3_600_000);
        assert_eq!(c.now(real(5_000), ts(3_602_000)), ts(3_605_000));
        // A real clock stepped back stalls simulation time at its clock.
        assert_eq!(c.now(real(0), ts(3_605_000)), ts(3_605_000));
        // Start moved the origin backwards (first line only): the offset goes negative.
        c.follow(real(10_000), ts(4_000));
        assert_eq!(c.offset_ms(), -6_000);
        assert_eq!(c.now(real(11_000), ts(4_000)), ts(5_000));
    }

    #[test]
    fn manual_mode_is_the_simulation_clock_whatever_the_real_time() {
        let mut c = SimClock::new(ClockMode::Manual);
        assert_eq!(c.now(real(99_999_999), ts(7)), ts(7));
        c.follow(real(1), ts(500));
        c.set_offset_ms(42);
        assert_eq!(c.offset_ms(), 0);
        assert_eq!(c.now(real(1), ts(500)), ts(500));
    }
}
