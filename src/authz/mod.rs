//! RAM authorization (the RAM rules of docs/rules.md): identities, policy documents and their
//! evaluation, as a pure part of the domain that `replay` and the emulator both use.
//!
//! An API action is authorized after the emulator's gateway checks and before every
//! check of the action (`Simulation::authorize`, in `ops/identities.rs`, which answers the
//! caller's account); then it runs for that account's `Scope`, passed to the operation, so
//! other accounts' instances answer as unknown instances, also for a root key. This module
//! knows nothing of the simulation: it is the pure part (keys, documents, evaluation).

pub mod eval;
pub mod identity;
pub mod pattern;
pub mod policy;

use std::borrow::Cow;

use crate::error::{ErrorCode, WireError};
use eval::DenyKind;
pub use identity::Identity;
pub use policy::{Policy, PolicyError};

/// `AccessDeniedDetail` of a `Forbidden.RAM` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessDenied {
    /// `AuthAction`, e.g. `rds:CreateBackup`.
    pub action: String,
    /// `AuthPrincipalDisplayName`: the user name.
    pub user_name: String,
    /// `AuthPrincipalOwnerId`: the user's account.
    pub account_id: String,
    /// `NoPermissionType`.
    pub kind: DenyKind,
}

/// Why an API action was not authorized.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The `AccessKeyId` was never declared.
    #[error("access key {id:?} is not known")]
    UnknownAccessKey {
        /// The key given.
        id: String,
    },
    /// The user's policies do not allow the action on the resource.
    #[error("{} is denied ({})", .0.action, .0.kind.as_str())]
    Denied(AccessDenied),
}

impl WireError for AuthError {
    fn error_code(&self) -> ErrorCode {
        match self {
            AuthError::UnknownAccessKey { .. } => ErrorCode::InvalidAccessKeyIdNotFound,
            AuthError::Denied(_) => ErrorCode::ForbiddenRam,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.error_code().spec().message)
    }
}
