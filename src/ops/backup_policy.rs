//! `ModifyBackupPolicy` and `DescribeBackupPolicy` (create-backup.md section 8, rule T-5).

use std::borrow::Cow;

use super::present;
use crate::error::{ErrorCode, WireError};
use crate::policy::{BackupPolicy, PolicyError, RetentionDays};
use crate::simulation::{Scope, Simulation, TimeWentBackwards};
use crate::time::Timestamp;
use crate::vocab::InstanceKind;

/// A `ModifyBackupPolicy` request as wire strings; empty counts as absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModifyBackupPolicyRequest<'a> {
    /// `DBInstanceId` (required).
    pub db_instance_id: Option<&'a str>,
    /// `PreferredBackupTime`, `HH:mmZ-HH:mmZ` (required).
    pub preferred_backup_time: Option<&'a str>,
    /// `PreferredBackupPeriod`, at least two distinct days (required).
    pub preferred_backup_period: Option<&'a str>,
    /// `BackupRetentionPeriod`, days from 7 to 730 (optional; absent keeps the instance's).
    pub backup_retention_period: Option<&'a str>,
}

/// Why `ModifyBackupPolicy` or `DescribeBackupPolicy` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupPolicyError {
    /// T-1.
    #[error(transparent)]
    TimeWentBackwards(#[from] TimeWentBackwards),
    /// `DBInstanceId` is absent.
    #[error("DBInstanceId is required")]
    MissingInstanceId,
    /// `ModifyBackupPolicy`: no such instance (400).
    #[error("instance {id:?} does not exist")]
    ModifyInstanceNotFound {
        /// The id given.
        id: String,
    },
    /// `DescribeBackupPolicy`: no such instance (404).
    #[error("instance {id:?} does not exist")]
    DescribeInstanceNotFound {
        /// The id given.
        id: String,
    },
    /// The instance is read-only.
    #[error("the instance is read-only")]
    ReadOnlyInstance,
    /// `PreferredBackupTime` is absent or malformed.
    #[error("PreferredBackupTime is not HH:mmZ-HH:mmZ with a later end")]
    InvalidTime,
    /// `PreferredBackupPeriod` is absent, names an unknown day or has fewer than 2 days.
    #[error("PreferredBackupPeriod must list at least 2 distinct days Monday…Sunday")]
    InvalidPeriod,
    /// `BackupRetentionPeriod` is not an integer from 7 to 730 (T-6).
    #[error("BackupRetentionPeriod must be an integer from 7 to 730")]
    InvalidRetention,
}

super::time_message_of!(BackupPolicyError);

/// A policy's own refusal as the policy operations answer it (T-5; create-backup.md
/// section 8): a bad time `InvalidPreferredBackupTime.Format`, a bad period
/// `InvalidParameters.Format`.
impl From<PolicyError> for BackupPolicyError {
    fn from(error: PolicyError) -> Self {
        match error {
            PolicyError::Time => BackupPolicyError::InvalidTime,
            PolicyError::Period { .. } => BackupPolicyError::InvalidPeriod,
        }
    }
}

impl WireError for BackupPolicyError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            Self::MissingInstanceId => ErrorCode::RequiredParamNotFound,
            Self::ModifyInstanceNotFound { .. } => ErrorCode::PolicyInstanceIdNotFound,
            Self::DescribeInstanceNotFound { .. } => ErrorCode::DescribeInstanceNotFound,
            Self::ReadOnlyInstance => ErrorCode::ReadOnlyInstance,
            Self::InvalidTime => ErrorCode::InvalidPreferredBackupTime,
            Self::InvalidPeriod => ErrorCode::InvalidParametersFormat,
            Self::InvalidRetention => ErrorCode::InvalidBackupRetentionPeriod,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        self.time_message()
            .unwrap_or(Cow::Borrowed(self.error_code().spec().message))
    }
}

/// What `DescribeBackupPolicy` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyView {
    /// The policy, if any.
    pub policy: Option<BackupPolicy>,
    /// `PreferredNextBackupTime`: the next automatic start.
    pub next_start: Option<Timestamp>,
    /// `BackupRetentionPeriod` (T-6).
    pub retention: RetentionDays,
}

impl Simulation {
    /// `ModifyBackupPolicy` at `now`: replaces the instance's policy and, when given, its
    /// retention (T-6); the next automatic start is the first window start later than
    /// `now` (T-5).
    pub fn modify_backup_policy(
        &mut self,
        request: &ModifyBackupPolicyRequest<'_>,
        now: Timestamp,
    ) -> Result<(), BackupPolicyError> {
        self.modify_backup_policy_for(Scope::AllAccounts, request, now)
    }

    /// [`Self::modify_backup_policy`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn modify_backup_policy_for(
        &mut self,
        scope: Scope<'_>,
        request: &ModifyBackupPolicyRequest<'_>,
        now: Timestamp,
    ) -> Result<(), BackupPolicyError> {
        let instance = self.instance_for(
            scope,
            request.db_instance_id,
            now,
            BackupPolicyError::MissingInstanceId,
            |id| BackupPolicyError::ModifyInstanceNotFound { id },
        )?;
        if instance.kind == InstanceKind::Readonly {
            return Err(BackupPolicyError::ReadOnlyInstance);
        }
        let time = present(request.preferred_backup_time).ok_or(BackupPolicyError::InvalidTime)?;
        let period = present(request.preferred_backup_period);
        // The time is checked first: a bad period with a bad time answers for the time.
        let policy = BackupPolicy::parse(time, period.unwrap_or(""), 2)?;
        let retention = match present(request.backup_retention_period) {
            None => instance.retention,
            Some(text) => RetentionDays::parse(text).ok_or(BackupPolicyError::InvalidRetention)?,
        };
        instance.retention = retention;
        instance.next_auto_start = crate::time::MaybeTimestamp::new(policy.next_start_after(now));
        instance
            .profile
            .update(|profile| profile.policy = Some(policy));
        self.debug_check(request.db_instance_id.unwrap_or_default());
        Ok(())
    }

    /// `DescribeBackupPolicy` at `now`.
    pub fn describe_backup_policy(
        &mut self,
        db_instance_id: Option<&str>,
        now: Timestamp,
    ) -> Result<PolicyView, BackupPolicyError> {
        self.describe_backup_policy_for(Scope::AllAccounts, db_instance_id, now)
    }

    /// [`Self::describe_backup_policy`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn describe_backup_policy_for(
        &mut self,
        scope: Scope<'_>,
        db_instance_id: Option<&str>,
        now: Timestamp,
    ) -> Result<PolicyView, BackupPolicyError> {
        let instance = self.instance_for(
            scope,
            db_instance_id,
            now,
            BackupPolicyError::MissingInstanceId,
            |id| BackupPolicyError::DescribeInstanceNotFound { id },
        )?;
        Ok(PolicyView {
            policy: instance.profile.policy,
            next_start: instance.next_auto_start.get(),
            retention: instance.retention,
        })
    }
}
