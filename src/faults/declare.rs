//! `Sim.InjectFault`: what a declaration says, and the rules it must meet (nothing is
//! declared when one fails).

use serde::{Deserialize, Serialize};

use super::{FaultKind, FaultPhase, Probability};
use crate::instance::InvalidField;
use crate::time::Timestamp;

/// The longest `LatencyMs`, ten minutes.
pub const MAX_LATENCY_MS: u32 = 600_000;
/// `LatencyMs` when not given.
pub const DEFAULT_LATENCY_MS: u32 = 1_000;

/// A fault's declaration, checked by [`FaultSpec::check`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FaultSpec {
    /// `Fault`.
    #[serde(rename = "Fault")]
    pub kind: FaultKind,
    /// `Target`: an API action name or `*`; `None` for `JobFails`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `DBInstanceId`: only requests (or jobs) of this instance.
    #[serde(
        default,
        rename = "DBInstanceId",
        skip_serializing_if = "Option::is_none"
    )]
    pub db_instance_id: Option<String>,
    /// `AccessKeyId`: only requests signed with (carrying) this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// `Times`: fires on the next N matching requests, then retires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// `Probability`: fires on each matching request with this probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Probability>,
    /// `Phase`.
    pub phase: FaultPhase,
    /// `LatencyMs`: how long the emulator holds a `Latency` or `Timeout` request (`None`:
    /// 1,000 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u32>,
    /// `Until`: the fault retires after this simulation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

/// Why a declaration was refused: the field and why (`Sim.InvalidParameter`).
pub type FaultError = InvalidField;

impl FaultSpec {
    /// A fault of `kind` with every optional field absent and `Phase: Before`.
    pub fn new(kind: FaultKind) -> FaultSpec {
        FaultSpec {
            kind,
            target: None,
            db_instance_id: None,
            access_key_id: None,
            times: None,
            probability: None,
            phase: FaultPhase::Before,
            latency_ms: None,
            until: None,
        }
    }

    /// The rules of a declaration (faults.md, "Declaring a fault"), in the order of its
    /// table: `Target` (required and an API action or `*`, refused for `JobFails`),
    /// `AccessKeyId` (refused for `JobFails`), `Times` ≥ 1 or `Probability`, `Phase`,
    /// `LatencyMs`. `api_actions` are the names a `Target` may give.
    pub fn check(&self, api_actions: &[&str]) -> Result<(), FaultError> {
        let jobs = self.kind == FaultKind::JobFails;
        match (&self.target, jobs) {
            (Some(_), true) => {
                return Err(InvalidField::new("Target", "is not taken by JobFails"));
            }
            (None, false) => return Err(InvalidField::new("Target", "is required")),
            (Some(t), false) if t != "*" && !api_actions.contains(&t.as_str()) => {
                return Err(InvalidField::new(
                    "Target",
                    format!(
                        "must be * or an API action ({}), not {:?}",
                        api_actions.join(", "),
                        crate::vocab::clip(t)
                    ),
                ));
            }
            _ => {}
        }
        if jobs && self.access_key_id.is_some() {
            return Err(InvalidField::new("AccessKeyId", "is not taken by JobFails"));
        }
        if self.times == Some(0) {
            return Err(InvalidField::new(
                "Times",
                "must be an integer of at least 1",
            ));
        }
        if self.times.is_none() && self.probability.is_none() {
            return Err(InvalidField::new(
                "Times",
                "give Times, Probability or both",
            ));
        }
        if self.phase == FaultPhase::After && !self.kind.takes_after() {
            return Err(InvalidField::new(
                "Phase",
                format!(
                    "After is taken only by InternalError, ServiceUnavailable and Timeout, not {}",
                    self.kind
                ),
            ));
        }
        match self.latency_ms {
            Some(_) if !self.kind.takes_latency() => Err(InvalidField::new(
                "LatencyMs",
                format!("is taken only by Latency and Timeout, not {}", self.kind),
            )),
            Some(ms) if ms > MAX_LATENCY_MS => Err(InvalidField::new(
                "LatencyMs",
                format!("must be an integer from 0 to {MAX_LATENCY_MS}"),
            )),
            _ => Ok(()),
        }
    }

    /// How long the emulator holds a `Latency` or `Timeout` request, in milliseconds.
    pub fn latency_ms(&self) -> u32 {
        self.latency_ms.unwrap_or(DEFAULT_LATENCY_MS)
    }
}
