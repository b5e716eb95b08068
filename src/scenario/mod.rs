//! The scenario dispatch: one JSON line in, one typed call of the [`crate::Simulation`], one
//! JSON answer out (`shared/spec/scenario-format.md`). `replay`, `simulate` and the
//! emulator all go through this module, so a scenario line and an HTTP request with the
//! same parameters get the same answer.
//!
//! Behind the cargo feature `scenario` (on by default); it adds `serde_json`, which does
//! no I/O: reading and writing lines is the caller's.

mod answer;
mod api;
mod fields;
pub mod rds_actions;
mod sim_actions;

pub use answer::Answer;

use crate::error::ErrorCode;
use crate::simulation::Simulation;
use crate::time::Timestamp;
use fields::{Fields, LineError};

/// A simulation driven by scenario lines and wire calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Scenario {
    sim: Simulation,
}

/// The API actions of the scenario format, served by the emulator on `/`.
pub const API_ACTIONS: &[&str] = &[
    "CreateBackup",
    "DescribeBackupTasks",
    "DescribeBackups",
    "DeleteBackup",
    "DescribeDBInstanceAttribute",
    "DescribeDBInstances",
    "ModifyBackupPolicy",
    "DescribeBackupPolicy",
];

impl Scenario {
    /// A fresh simulation with the default settings and start.
    pub fn new() -> Scenario {
        Scenario::default()
    }

    /// Wraps an existing simulation.
    pub fn from_simulation(sim: Simulation) -> Scenario {
        Scenario { sim }
    }

    /// The simulation.
    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    /// The simulation, to call the library directly.
    pub fn simulation_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    /// Applies one scenario line at the simulation's clock (or at its `At`). Blank lines
    /// and lines whose first non-blank character is `#` answer nothing (`None`).
    pub fn apply_line(&mut self, line: &[u8]) -> Option<Answer> {
        self.apply_line_at(line, None)
    }

    /// Applies one scenario line; without `At`, the action runs at `now` when given (the
    /// emulator's real clock), else at the simulation's clock.
    pub fn apply_line_at(&mut self, line: &[u8], now: Option<Timestamp>) -> Option<Answer> {
        let first = line.iter().position(|b| !b.is_ascii_whitespace())?;
        if line[first] == b'#' {
            return None;
        }
        let is_first_line = self.sim.answers_given() == 0;
        let answer = match fields::parse_line(line) {
            Err(error) => Err(error),
            Ok(fields) => self.dispatch_line(&fields, now, is_first_line),
        };
        Some(self.finish(answer))
    }

    /// The answer, or the error answer of a refusal (which takes the next `RequestId`).
    fn finish(&mut self, answer: Result<Answer, LineError>) -> Answer {
        answer.unwrap_or_else(
            |LineError {
                 code,
                 message,
                 extra,
             }| { Answer::error(&mut self.sim, code, message, extra) },
        )
    }

    fn dispatch_line(
        &mut self,
        fields: &Fields<'_>,
        now: Option<Timestamp>,
        is_first_line: bool,
    ) -> Result<Answer, LineError> {
        let action = fields.action()?;
        let now = match fields.at()? {
            Some(at) => {
                if let Err(e) = self.sim.advance_to(at) {
                    return Err(LineError::sim(crate::SimError::TimeWentBackwards(e)));
                }
                at
            }
            None => now.map_or(self.sim.clock(), |n| n.max(self.sim.clock())),
        };
        if let Some(name) = action.strip_prefix("Sim.") {
            sim_actions::dispatch(&mut self.sim, name, fields, now, is_first_line)
        } else {
            api::dispatch(&mut self.sim, &action, fields, now)
        }
    }

    /// Calls an API action with wire string parameters at `now` (the emulator's path).
    /// `Sim.*` actions and unknown ones answer `InvalidAction.NotFound`, a real RDS action
    /// that is not emulated `Sim.NotImplemented` (501). An `AccessKeyId`
    /// parameter makes the call act as that declared identity (ram.md); without one it
    /// acts as the root of the default account. (The emulator strips `AccessKeyId` for its
    /// own `--access-key` keys, which are root keys of the default account.)
    pub fn call_api(&mut self, action: &str, params: &[(&str, &str)], now: Timestamp) -> Answer {
        let answer = api::dispatch(&mut self.sim, action, &fields::Pairs(params), now);
        self.finish(answer)
    }

    /// Whether `action` is one of [`API_ACTIONS`].
    pub fn is_api_action(action: &str) -> bool {
        API_ACTIONS.contains(&action)
    }
}

/// The answer to an unknown action.
fn unknown_action() -> LineError {
    LineError::table(ErrorCode::InvalidAction)
}

/// The answer to an API action that is not served: `Sim.NotImplemented` for a real RDS
/// action (rule NI-1), `InvalidAction.NotFound` for anything else.
fn not_served(action: &str) -> LineError {
    match rds_actions::refusal(action) {
        Some((code, message)) => LineError {
            code,
            message,
            extra: None,
        },
        None => unknown_action(),
    }
}

#[cfg(test)]
mod tests;
