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
pub mod rds_actions;
mod request;
mod sim_actions;

pub use answer::{Answer, Body, Member, HOST_ID};
pub use fields::MAX_PARAMETER_CHARS;
pub use request::{ApiRequest, Operation, Refusal};

use crate::error::ErrorCode;
use crate::faults::{FaultPhase, Fired, Subject};
use crate::ids::RequestId;
use crate::simulation::Simulation;
use crate::time::Timestamp;
use fields::{Fields, LineError};

/// A simulation driven by scenario lines and wire calls, and the count of answers given,
/// from which the answers' `RequestId`s derive (with the seed). The state JSON is the
/// simulation's with the count as `Answers`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scenario {
    #[serde(flatten)]
    sim: Simulation,
    /// Answers given so far. Not domain state: the simulation never reads it.
    #[serde(rename = "Answers", default)]
    answers: u64,
}

pub use crate::ops::API_ACTIONS;

impl Scenario {
    /// A fresh simulation with the default settings and start.
    pub fn new() -> Scenario {
        Scenario::default()
    }

    /// Wraps an existing simulation; its first answer is answer 0.
    pub fn from_simulation(sim: Simulation) -> Scenario {
        Scenario { sim, answers: 0 }
    }

    /// Number of answers given (what `RequestId`s derive from).
    pub fn answers_given(&self) -> u64 {
        self.answers
    }

    /// The `RequestId` of the next answer; counts the answer.
    fn next_request_id(&mut self) -> RequestId {
        let id = RequestId::derive(self.sim.settings.seed, self.answers);
        self.answers += 1;
        id
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
        let parsed = ParsedLine::parse(line)?;
        Some(self.apply_parsed(&parsed, now))
    }

    /// Applies a line parsed beforehand ([`ParsedLine::parse`]), as
    /// [`Scenario::apply_line_at`] does: a server parses a line's JSON before it takes the
    /// lock around the simulation, and holds the lock only to apply it.
    pub fn apply_parsed(&mut self, line: &ParsedLine<'_>, now: Option<Timestamp>) -> Answer {
        let is_first_line = self.answers == 0;
        let (answer, fault) = match &line.0 {
            Err(error) => (Err(error.clone()), None),
            Ok(fields) => self.dispatch_line(fields, now, is_first_line),
        };
        self.finish(answer, fault)
    }

    /// The answer, or the error answer of a refusal (which takes the next `RequestId`),
    /// with the injected fault that fired, if any.
    fn finish(&mut self, body: Result<Body, LineError>, fault: Option<Fired>) -> Answer {
        let body = body.unwrap_or_else(
            |LineError {
                 code,
                 message,
                 extra,
             }| Body::Error {
                code,
                message,
                extra,
            },
        );
        let mut answer = Answer::new(self.next_request_id(), body);
        answer.fault = fault;
        answer
    }

    fn dispatch_line(
        &mut self,
        fields: &Fields<'_>,
        now: Option<Timestamp>,
        is_first_line: bool,
    ) -> (Result<Body, LineError>, Option<Fired>) {
        let action = match fields.action() {
            Ok(action) => action,
            Err(e) => return (Err(e), None),
        };
        let now = match fields.at() {
            Err(e) => return (Err(e), None),
            Ok(Some(at)) => {
                if let Err(e) = self.sim.advance_to(at) {
                    return (
                        Err(LineError::sim(crate::SimError::TimeWentBackwards(e))),
                        None,
                    );
                }
                at
            }
            Ok(None) => now.map_or(self.sim.clock(), |n| n.max(self.sim.clock())),
        };
        if let Some(name) = action.strip_prefix("Sim.") {
            (
                sim_actions::dispatch(&mut self.sim, name, fields, now, is_first_line),
                None,
            )
        } else {
            api_call(&mut self.sim, &action, fields, now, None)
        }
    }

    /// Calls an API action with wire string parameters at `now` (the emulator's path).
    /// `Sim.*` actions and unknown ones answer `InvalidAction.NotFound`, a real RDS action
    /// that is not emulated `Sim.NotImplemented` (501). An `AccessKeyId`
    /// parameter makes the call act as that declared identity (ram.md); without one it
    /// acts as the root of the default account. (The emulator strips `AccessKeyId` for its
    /// own `--access-key` keys, which are root keys of the default account.)
    pub fn call_api(&mut self, action: &str, params: &[(&str, &str)], now: Timestamp) -> Answer {
        self.call_api_signed(action, params, now, None)
    }

    /// [`Scenario::call_api`] for a request signed with `signing_key` that carries no
    /// `AccessKeyId` parameter (the emulator's `--access-key` keys): the key is matched
    /// against faults' `AccessKeyId` filters only; the call still acts as the root of the
    /// default account. An `AccessKeyId` parameter, when present, wins.
    pub fn call_api_signed(
        &mut self,
        action: &str,
        params: &[(&str, &str)],
        now: Timestamp,
        signing_key: Option<&str>,
    ) -> Answer {
        let params = fields::Pairs(params);
        let (answer, fault) = api_call(&mut self.sim, action, &params, now, signing_key);
        self.finish(answer, fault)
    }

    /// Answers a typed API request at `now`: the checks after parsing (an unknown
    /// `AccessKeyId`, injected faults, RAM), then the operation. `signing_key` is as in
    /// [`Scenario::call_api_signed`].
    pub fn call(
        &mut self,
        request: &ApiRequest,
        now: Timestamp,
        signing_key: Option<&str>,
    ) -> Answer {
        let (answer, fault) = call(&mut self.sim, request, now, signing_key);
        self.finish(answer, fault)
    }

    /// The answer to a request that could not be parsed ([`ApiRequest::from_wire`]).
    pub fn refuse(&mut self, refusal: &Refusal) -> Answer {
        self.finish(Err(refusal.0.clone()), None)
    }

    /// The answer to line `number` of a scenario when it is longer than [`MAX_LINE_BYTES`]:
    /// `Sim.MalformedLine` naming the line and the limit. The line is not applied; the
    /// caller skips it without holding it whole.
    pub fn refuse_long_line(&mut self, number: u64) -> Answer {
        let refusal = fields::LineError::malformed(format!(
            "Line {number} is longer than the limit of {MAX_LINE_BYTES} bytes (16 MiB)."
        ));
        self.finish(Err(refusal), None)
    }

    /// Whether `action` is one of [`API_ACTIONS`].
    pub fn is_api_action(action: &str) -> bool {
        crate::ops::ApiAction::from_wire(action).is_some()
    }
}

/// An API action, in the order of its checks: the request is parsed
/// ([`ApiRequest::parse`]: an action that is not served, a parameter value over 1,024
/// characters, a parameter that is not a string); an `AccessKeyId` that names no declared
/// key answers `InvalidAccessKeyId.NotFound`; then injected faults (faults.md) are examined,
/// before RAM authorization and the operation. Returns the answer and the fault that fired,
/// if any. `signing_key` stands in for a missing `AccessKeyId` in fault matching only.
fn api_call(
    sim: &mut Simulation,
    action: &str,
    params: &impl fields::Params,
    now: Timestamp,
    signing_key: Option<&str>,
) -> (Result<Body, LineError>, Option<Fired>) {
    match ApiRequest::parse(action, params) {
        Ok(request) => call(sim, &request, now, signing_key),
        Err(refusal) => (Err(refusal), None),
    }
}

/// A parsed request: the checks after parsing, in the order of [`api_call`].
fn call(
    sim: &mut Simulation,
    request: &ApiRequest,
    now: Timestamp,
    signing_key: Option<&str>,
) -> (Result<Body, LineError>, Option<Fired>) {
    let fired = match fault_for(sim, request, now, signing_key) {
        Ok(fired) => fired,
        Err(refusal) => return (Err(refusal), None),
    };
    let Some(fired) = fired else {
        return (api::dispatch(sim, request, now), None);
    };
    let refusal = fired.kind.error_code().map(LineError::table);
    let answer = match (refusal, fired.phase) {
        // `Latency` holds the request on the wire only; its answer is the request's own.
        (None, _) => api::dispatch(sim, request, now),
        (Some(refusal), FaultPhase::Before) => Err(refusal),
        (Some(refusal), FaultPhase::After) => {
            // Applied (or refused by the rules), then answered with the fault instead.
            let _ = api::dispatch(sim, request, now);
            Err(refusal)
        }
    };
    (answer, Some(fired))
}

/// Refuses an `AccessKeyId` that names no declared identity, then finds the fault that
/// fires on the request, if any.
fn fault_for(
    sim: &mut Simulation,
    request: &ApiRequest,
    now: Timestamp,
    signing_key: Option<&str>,
) -> Result<Option<Fired>, LineError> {
    let key = request.access_key_id();
    if let Some(key) = key {
        if sim.identity(key).is_none() {
            return Err(LineError::of(&crate::authz::AuthError::UnknownAccessKey {
                id: crate::vocab::clip(key).to_owned(),
            }));
        }
    }
    if sim.faults.is_empty() {
        return Ok(None);
    }
    let subject = Subject {
        action: Some(request.action().as_str()),
        instance: request.instance_id(),
        access_key_id: key.or(signing_key),
    };
    let seed = sim.settings.seed;
    Ok(sim.faults.fire(&subject, seed, now))
}

/// A scenario line whose JSON is parsed (its fields found, their values not yet read), or
/// the refusal of a line that is not a JSON object. Borrows the line's text.
pub struct ParsedLine<'a>(Result<Fields<'a>, LineError>);

impl<'a> ParsedLine<'a> {
    /// Parses `line`; `None` for a blank line or one whose first non-blank character is
    /// `#` (it answers nothing).
    pub fn parse(line: &'a [u8]) -> Option<ParsedLine<'a>> {
        let first = line.iter().position(|b| !b.is_ascii_whitespace())?;
        if line[first] == b'#' {
            return None;
        }
        Some(ParsedLine(fields::parse_line(line)))
    }
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

/// The refusal of an API action that is not served: `Sim.NotImplemented` for a real RDS
/// action (rule NI-1), `InvalidAction.NotFound` for anything else.
pub(crate) fn not_served(action: &str) -> LineError {
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
