//! The scenario dispatch: one JSON line in, one typed call of the [`crate::Simulation`], one
//! JSON answer out (docs/scenario-format.md). `replay`, `simulate` and the
//! emulator all go through this module, so a scenario line and an HTTP request with the
//! same parameters get the same answer.
//!
//! Behind the cargo feature `scenario` (on by default); it adds `serde_json`, which does
//! no I/O: reading and writing lines is the caller's.

mod answer;
mod api;
pub mod expect;
mod fields;
mod sim_actions;

pub use answer::Answer;
pub use fields::MAX_PARAMETER_CHARS;

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
            api_call(&mut self.sim, &action, fields, now)
        }
    }

    /// Calls an API action with wire string parameters at `now` (the emulator's path).
    /// `Sim.*` actions and unknown ones answer `InvalidAction.NotFound`. An `AccessKeyId`
    /// parameter makes the call act as that declared identity (ram.md); without one it
    /// acts as the root of the default account. (The emulator strips `AccessKeyId` for its
    /// own `--access-key` keys, which are root keys of the default account.)
    pub fn call_api(&mut self, action: &str, params: &[(&str, &str)], now: Timestamp) -> Answer {
        let answer = api_call(&mut self.sim, action, &fields::Pairs(params), now);
        self.finish(answer)
    }

    /// The answer to line `number` of a scenario when it is longer than [`MAX_LINE_BYTES`]:
    /// `Sim.MalformedLine` naming the line and the limit. The line is not applied; the
    /// caller skips it without holding it whole.
    pub fn refuse_long_line(&mut self, number: u64) -> Answer {
        let refusal = fields::LineError::malformed(format!(
            "Line {number} is longer than the limit of {MAX_LINE_BYTES} bytes (16 MiB)."
        ));
        self.finish(Err(refusal))
    }

    /// Whether `action` is one of [`API_ACTIONS`].
    pub fn is_api_action(action: &str) -> bool {
        API_ACTIONS.contains(&action)
    }
}

/// An API action: an unknown one answers `InvalidAction.NotFound`; a parameter value over
/// 1,024 characters `InvalidParameter` before anything else reads the request (RAM
/// included), so no request's size grows the work done for it.
fn api_call(
    sim: &mut Simulation,
    action: &str,
    params: &impl fields::Params,
    now: Timestamp,
) -> Result<Answer, LineError> {
    if !Scenario::is_api_action(action) {
        return Err(unknown_action());
    }
    if let Some(name) = params.too_long() {
        return Err(LineError::too_long(name));
    }
    api::dispatch(sim, action, params, now)
}

/// The longest scenario line `replay` reads, in bytes without its line end
/// (scenario-format.md): a longer one answers [`Scenario::refuse_long_line`].
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The UTF-8 byte-order mark, skipped at the very start of a scenario.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `input` without a leading UTF-8 byte-order mark: give it the start of a scenario (its
/// first line), as an editor on Windows may have saved it.
pub fn without_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(BOM).unwrap_or(input)
}

/// The answer to an unknown action.
fn unknown_action() -> LineError {
    LineError::table(ErrorCode::InvalidAction)
}

#[cfg(test)]
mod tests;
