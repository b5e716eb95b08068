//! Fault injection (faults.md of the spec; docs/scenario-format.md, "Faults"): throttling,
//! 5xx answers, timeouts, latency and failing jobs, declared as simulation state and fired
//! deterministically.
//!
//! The core decides *that* a fault fires and what it answers; holding a connection or
//! closing it is the emulator's. A fault is matched against API requests (never `Sim.*`
//! lines) in declaration order; the first that fires wins. `Probability` draws come from one
//! generator seeded from the simulation's seed, so a replay is reproducible to the byte.

mod declare;
mod fire;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
pub use crate::vocab::{FaultKind, FaultPhase};

pub use declare::{FaultError, FaultSpec};
pub(crate) use fire::Subject;
pub use fire::{FaultRng, Fired};

impl FaultKind {
    /// The error row a request fault answers with; `None` for `Latency` (the answer stays
    /// as it is) and `JobFails` (no answer of its own).
    pub fn error_code(self) -> Option<crate::error::ErrorCode> {
        use crate::error::ErrorCode;
        match self {
            FaultKind::Throttling => Some(ErrorCode::ThrottlingUser),
            FaultKind::ServiceUnavailable => Some(ErrorCode::ServiceUnavailable),
            FaultKind::InternalError => Some(ErrorCode::InternalError),
            FaultKind::Timeout => Some(ErrorCode::SimTimeout),
            FaultKind::Latency | FaultKind::JobFails => None,
        }
    }

    /// Whether the kind answers API requests (every kind but `JobFails`).
    pub fn is_request_fault(self) -> bool {
        self != FaultKind::JobFails
    }

    /// Whether `Phase: After` is allowed (`InternalError`, `ServiceUnavailable`, `Timeout`).
    pub fn takes_after(self) -> bool {
        matches!(
            self,
            FaultKind::InternalError | FaultKind::ServiceUnavailable | FaultKind::Timeout
        )
    }

    /// Whether `LatencyMs` applies (`Latency`, `Timeout`).
    pub fn takes_latency(self) -> bool {
        matches!(self, FaultKind::Latency | FaultKind::Timeout)
    }
}

/// A fault that answers a request in place of the rules (the fleet runner's `[faults]`
/// rates; docs/simulate.md, "Faults"): what a client sees, whether or not the request was
/// applied first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestFault {
    /// 400 `Throttling.User`.
    Throttling,
    /// 503 `ServiceUnavailable`.
    ServiceUnavailable,
    /// 500 `InternalError`.
    InternalError,
}

impl RequestFault {
    /// Every such fault, in the order the fleet file lists them.
    pub const ALL: [RequestFault; 3] = [
        RequestFault::Throttling,
        RequestFault::ServiceUnavailable,
        RequestFault::InternalError,
    ];

    /// The error row it answers with.
    pub const fn error_code(self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            RequestFault::Throttling => ErrorCode::ThrottlingUser,
            RequestFault::ServiceUnavailable => ErrorCode::ServiceUnavailable,
            RequestFault::InternalError => ErrorCode::InternalError,
        }
    }

    /// Its `Fault` kind.
    pub const fn kind(self) -> FaultKind {
        match self {
            RequestFault::Throttling => FaultKind::Throttling,
            RequestFault::ServiceUnavailable => FaultKind::ServiceUnavailable,
            RequestFault::InternalError => FaultKind::InternalError,
        }
    }
}

/// The `FaultId` of fault number `id`: `f-1`, `f-2`, …
pub fn fault_id(id: u32) -> String {
    format!("f-{id}")
}

/// `Probability`: 0 < p ≤ 1, compared by value (a finite number, so `Eq` holds).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Probability(f64);

impl Eq for Probability {}

impl Probability {
    /// `p` when 0 < p ≤ 1.
    pub fn new(p: f64) -> Option<Probability> {
        (p > 0.0 && p <= 1.0).then_some(Probability(p))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A declared fault: what was declared, its id and how often it fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fault {
    /// `FaultId`'s number (`f-1` is 1).
    pub id: u32,
    /// The declaration.
    pub spec: FaultSpec,
    /// How often it fired.
    pub fired: u64,
}

impl Fault {
    /// `f-N`.
    pub fn fault_id(&self) -> String {
        fault_id(self.id)
    }

    /// Whether it may still fire at `now`: its `Times` not used up, and `now` not past
    /// `Until` (still active at exactly `Until`).
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.spec.times.is_none_or(|t| self.fired < u64::from(t))
            && self.spec.until.is_none_or(|until| now <= until)
    }
}

/// The faults of a simulation, in declaration order, with the id counter and the
/// probability generator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Faults {
    list: Vec<Fault>,
    /// The last `FaultId` number given.
    last_id: u32,
    rng: FaultRng,
}

impl Faults {
    /// Whether no fault is declared.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every declared fault, in declaration order.
    pub fn list(&self) -> &[Fault] {
        &self.list
    }

    /// Declares `spec`; returns its id number.
    pub(crate) fn declare(&mut self, spec: FaultSpec) -> u32 {
        self.last_id += 1;
        self.list.push(Fault {
            id: self.last_id,
            spec,
            fired: 0,
        });
        self.last_id
    }

    /// Removes every fault, or only `f-N`'s; `false` when `id` names none.
    pub(crate) fn clear(&mut self, id: Option<u32>) -> bool {
        match id {
            None => {
                self.list.clear();
                true
            }
            Some(id) => {
                let before = self.list.len();
                self.list.retain(|f| f.id != id);
                self.list.len() < before
            }
        }
    }

    /// Starts the probability generator over (`Sim.Configure` sets `Seed`).
    pub(crate) fn reseed(&mut self) {
        self.rng = FaultRng::default();
    }

    /// Whether nothing was ever declared (the state's JSON then leaves the faults out).
    pub fn is_pristine(&self) -> bool {
        *self == Faults::default()
    }
}
