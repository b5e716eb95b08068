//! The fault controls (`Sim.InjectFault`, `Sim.ClearFaults`, `Sim.DescribeFaults`;
//! faults.md): declaring, removing and listing injected faults.

use crate::faults::{Fault, FaultSpec};
use crate::ops::controls::SimError;
use crate::ops::API_ACTIONS;
use crate::simulation::Simulation;
use crate::time::Timestamp;
use crate::vocab::clip;

impl Simulation {
    /// `Sim.InjectFault` at `now`: checks the declaration (nothing is declared when a rule
    /// fails) and declares it; returns its `FaultId` (`f-1`, `f-2`, … per simulation).
    pub fn inject_fault(&mut self, spec: FaultSpec, now: Timestamp) -> Result<String, SimError> {
        self.advance_to(now)?;
        spec.check(API_ACTIONS)?;
        Ok(crate::faults::fault_id(self.faults.declare(spec)))
    }

    /// `Sim.ClearFaults` at `now`: removes every fault, or only `fault_id`'s
    /// (`Sim.FaultNotFound` when it names none).
    pub fn clear_faults(&mut self, fault_id: Option<&str>, now: Timestamp) -> Result<(), SimError> {
        self.advance_to(now)?;
        let Some(text) = fault_id else {
            self.faults.clear(None);
            return Ok(());
        };
        let number = text
            .strip_prefix("f-")
            .filter(|n| !n.starts_with('0'))
            .and_then(|n| n.parse::<u32>().ok());
        match number {
            Some(n) if self.faults.clear(Some(n)) => Ok(()),
            _ => Err(SimError::FaultNotFound {
                id: clip(text).to_owned(),
            }),
        }
    }

    /// The declared faults, in declaration order (retired ones included until cleared).
    pub fn faults(&self) -> &[Fault] {
        self.faults.list()
    }
}
