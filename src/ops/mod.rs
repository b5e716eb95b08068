//! The transitions, one file per operation (create-backup.md sections 3, 4, 7, 8; the
//! simulator controls of scenario-format.md in `controls.rs`).

pub mod backup_policy;
pub mod controls;
pub mod create_backup;
pub mod delete_backup;
pub mod describe_backup_tasks;
pub mod describe_backups;
pub mod describe_db_instances;
pub mod describe_instance;
pub mod faults;
pub mod forget_sets;
pub mod identities;
pub mod request;

pub use request::{ApiAction, ApiParam, API_ACTIONS};

/// An empty parameter counts as absent (create-backup.md section 2).
pub(crate) fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// At most 64 characters of `value`, owned, for error context.
pub(crate) fn owned(value: &str) -> String {
    crate::vocab::clip(value).to_owned()
}

impl crate::Simulation {
    /// The prologue of every operation addressed to one instance: move the clock to `now`
    /// (T-1), require `DBInstanceId`, and find the instance (visible to the caller,
    /// settled to `now`). `missing` and `not_found` are the operation's own errors.
    pub(crate) fn instance_for<E: From<crate::TimeWentBackwards>>(
        &mut self,
        scope: crate::simulation::Scope<'_>,
        id: Option<&str>,
        now: crate::Timestamp,
        missing: E,
        not_found: fn(String) -> E,
    ) -> Result<&mut crate::Instance, E> {
        self.advance_to(now)?;
        let id = present(id).ok_or(missing)?;
        self.settled_instance(scope, id)
            .ok_or_else(|| not_found(owned(id)))
    }
}

/// Gives an operation error enum `time_message()`: the T-1 message for its
/// `TimeWentBackwards` variant, `None` for the others (which take the table's message).
macro_rules! time_message_of {
    ($ty:ty) => {
        impl $ty {
            fn time_message(&self) -> Option<std::borrow::Cow<'static, str>> {
                match self {
                    Self::TimeWentBackwards(e) => Some(std::borrow::Cow::Owned(e.to_string())),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use time_message_of;
