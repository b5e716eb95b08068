//! `DescribeDBInstanceAttribute` (create-backup.md section 7).

use std::borrow::Cow;

use crate::error::{ErrorCode, WireError};
use crate::instance::Instance;
use crate::simulation::{Scope, Simulation, TimeWentBackwards};
use crate::time::Timestamp;

/// Why `DescribeDBInstanceAttribute` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescribeInstanceError {
    /// T-1.
    #[error(transparent)]
    TimeWentBackwards(#[from] TimeWentBackwards),
    /// `DBInstanceId` is absent.
    #[error("DBInstanceId is required")]
    MissingInstanceId,
    /// No such instance.
    #[error("instance {id:?} does not exist")]
    InstanceNotFound {
        /// The id given.
        id: String,
    },
}

super::time_message_of!(DescribeInstanceError);

impl WireError for DescribeInstanceError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            Self::MissingInstanceId => ErrorCode::RequiredParamNotFound,
            Self::InstanceNotFound { .. } => ErrorCode::InstanceIdNotFound,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        self.time_message()
            .unwrap_or(Cow::Borrowed(self.error_code().spec().message))
    }
}

impl Simulation {
    /// `DescribeDBInstanceAttribute` at `now`: the instance, settled to `now`.
    pub fn describe_db_instance_attribute(
        &mut self,
        db_instance_id: Option<&str>,
        now: Timestamp,
    ) -> Result<&Instance, DescribeInstanceError> {
        self.describe_db_instance_attribute_for(Scope::AllAccounts, db_instance_id, now)
    }

    /// [`Self::describe_db_instance_attribute`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn describe_db_instance_attribute_for(
        &mut self,
        scope: Scope<'_>,
        db_instance_id: Option<&str>,
        now: Timestamp,
    ) -> Result<&Instance, DescribeInstanceError> {
        let instance = self.instance_for(
            scope,
            db_instance_id,
            now,
            DescribeInstanceError::MissingInstanceId,
            |id| DescribeInstanceError::InstanceNotFound { id },
        )?;
        Ok(instance)
    }
}
