//! The simulator controls (`Sim.*` in scenario-format.md): settings, instances, failing
//! a job (T-3). They answer with `Sim.`-prefixed codes.

use std::borrow::Cow;

use crate::error::{ErrorCode, WireError};
use crate::ids::BackupJobId;
use crate::instance::{
    validate_databases, validate_duration, validate_tags, InstanceChanges, InstanceSpec,
    InvalidField,
};
use crate::settings::SettingsChange;
use crate::simulation::{end_job, Simulation, TimeWentBackwards};
use crate::time::Timestamp;
use crate::vocab::{clip, SetStatus};

/// Why a simulator control was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// T-1.
    #[error(transparent)]
    TimeWentBackwards(#[from] TimeWentBackwards),
    /// A field's type or value is wrong.
    #[error("{0}")]
    InvalidParameter(#[from] InvalidField),
    /// A simulator line carries a field its action does not know (scenario-format.md,
    /// "Lines").
    #[error("unknown field {field:?} of Sim.{action}")]
    UnknownField {
        /// The action, without its `Sim.` prefix.
        action: &'static str,
        /// The field as the line spells it (clipped).
        field: String,
        /// The known field of the action within two edits of it, if any.
        suggestion: Option<&'static str>,
    },
    /// `Sim.CreateInstance` of an existing id.
    #[error("instance {id:?} already exists")]
    InstanceAlreadyExists {
        /// The id.
        id: String,
    },
    /// No such instance.
    #[error("instance {id:?} does not exist")]
    InstanceNotFound {
        /// The id.
        id: String,
    },
    /// `Sim.ClearFaults` with a `FaultId` that names no fault.
    #[error("no fault {id:?}")]
    FaultNotFound {
        /// The id given.
        id: String,
    },
    /// `Sim.FailBackupJob` on an instance without an active job.
    #[error("instance {id:?} has no active backup job")]
    NoActiveJob {
        /// The id.
        id: String,
    },
}

impl WireError for SimError {
    fn error_code(&self) -> ErrorCode {
        match self {
            SimError::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            SimError::InvalidParameter(_) | SimError::UnknownField { .. } => {
                ErrorCode::SimInvalidParameter
            }
            SimError::InstanceAlreadyExists { .. } => ErrorCode::SimInstanceAlreadyExists,
            SimError::InstanceNotFound { .. } => ErrorCode::SimInstanceNotFound,
            SimError::NoActiveJob { .. } => ErrorCode::SimNoActiveJob,
            SimError::FaultNotFound { .. } => ErrorCode::SimFaultNotFound,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        Cow::Owned(match self {
            SimError::TimeWentBackwards(e) => e.to_string(),
            SimError::InvalidParameter(e) => {
                format!("Invalid parameter {}: {}.", e.field, e.reason)
            }
            SimError::UnknownField {
                action,
                field,
                suggestion,
            } => match suggestion {
                Some(known) => {
                    format!("unknown field {field:?} of Sim.{action} (did you mean {known:?}?)")
                }
                None => format!("unknown field {field:?} of Sim.{action}"),
            },
            SimError::InstanceAlreadyExists { id } => {
                format!("The instance {id:?} already exists.")
            }
            SimError::InstanceNotFound { id } => format!("The instance {id:?} does not exist."),
            SimError::NoActiveJob { id } => {
                format!("The instance {id:?} has no active backup job.")
            }
            SimError::FaultNotFound { id } => format!("The fault {id:?} does not exist."),
        })
    }
}

impl Simulation {
    /// `Sim.Configure` at `now`: changes settings from the next check on. Every
    /// instance is settled first, so that events before `now` keep the old settings.
    pub fn configure(&mut self, change: &SettingsChange, now: Timestamp) -> Result<(), SimError> {
        self.advance_to(now)?;
        if let Some(seconds) = change.backup_duration_seconds {
            validate_duration(seconds)?;
        }
        self.settle_all();
        let s = &mut self.settings;
        if let Some(seed) = change.seed {
            s.seed = seed;
            self.faults.reseed();
        }
        if let Some(limit) = change.daily_backup_limit {
            s.daily_backup_limit = limit;
        }
        if let Some(window) = change.quota_window {
            s.quota_window = window;
        }
        if let Some(offset) = change.quota_utc_offset {
            s.quota_utc_offset = offset;
        }
        if let Some(seconds) = change.backup_duration_seconds {
            s.backup_duration_seconds = seconds;
        }
        if change.quota_utc_offset.is_some() {
            // the calendar windows moved; past acceptances count where they now fall.
            self.recount_quotas();
        }
        Ok(())
    }

    /// `Sim.CreateInstance` at `now`.
    pub fn create_instance(&mut self, spec: InstanceSpec, now: Timestamp) -> Result<(), SimError> {
        self.advance_to(now)?;
        if self.instances.contains_key(spec.id.as_str()) {
            return Err(SimError::InstanceAlreadyExists {
                id: clip(spec.id.as_str()).to_owned(),
            });
        }
        let instance = spec.build(now)?;
        self.instances.insert(instance);
        Ok(())
    }

    /// `Sim.ModifyInstance` at `now`: the instance is settled to `now` under its old
    /// description, then every change is checked, then all are applied.
    pub fn modify_instance(
        &mut self,
        id: &str,
        changes: InstanceChanges,
        now: Timestamp,
    ) -> Result<(), SimError> {
        self.advance_to(now)?;
        let instance = self
            .settled_instance(crate::simulation::Scope::AllAccounts, id)
            .ok_or_else(|| SimError::InstanceNotFound {
                id: clip(id).to_owned(),
            })?;
        if let Some(databases) = &changes.databases {
            validate_databases(databases)?;
        }
        if let Some(tags) = &changes.tags {
            validate_tags(tags)?;
        }
        if let Some(seconds) = changes.backup_duration_seconds {
            validate_duration(seconds)?;
        }
        if let Some(status) = changes.status {
            instance.status = status;
        }
        if let Some(lock) = changes.lock {
            instance.lock = lock;
        }
        if let Some(kind) = changes.kind {
            instance.kind = kind;
        }
        if let Some(policy) = changes.policy {
            instance.next_auto_start =
                crate::time::MaybeTimestamp::new(policy.and_then(|p| p.next_start_after(now)));
        }
        if let Some(retention) = changes.retention {
            instance.retention = retention;
        }
        // Not shared with other instances until the state is next loaded.
        instance.profile.update(|profile| {
            if let Some(databases) = changes.databases {
                profile.databases = databases;
            }
            if let Some(policy) = changes.policy {
                profile.policy = policy;
            }
            if let Some(seconds) = changes.backup_duration_seconds {
                profile.backup_duration_seconds = Some(seconds);
            }
            if let Some(tags) = changes.tags {
                profile.tags = crate::instance::compact_tags(tags);
            }
        });
        self.debug_check(id);
        Ok(())
    }

    /// `Sim.FailBackupJob` at `now` (T-3): the instance's active job becomes `Failed` at
    /// `now`, a `Failed` set is recorded, and the instance is free for a new job.
    pub fn fail_backup_job(&mut self, id: &str, now: Timestamp) -> Result<BackupJobId, SimError> {
        self.advance_to(now)?;
        let settings = self.settings.clone();
        let instance = self
            .settled_instance(crate::simulation::Scope::AllAccounts, id)
            .ok_or_else(|| SimError::InstanceNotFound {
                id: clip(id).to_owned(),
            })?;
        let job = instance
            .active_job()
            .map(|j| j.id)
            .ok_or_else(|| SimError::NoActiveJob {
                id: clip(id).to_owned(),
            })?;
        end_job(instance, &settings, now, SetStatus::Failed);
        self.debug_check(id);
        Ok(job)
    }
}
