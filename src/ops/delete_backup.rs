//! `DeleteBackup` (create-backup.md section 7): removes sets, all or nothing.

use std::borrow::Cow;

use super::{owned, present};
use crate::error::{ErrorCode, WireError};
use crate::ids::BackupId;
use crate::simulation::{Scope, Simulation, TimeWentBackwards};
use crate::time::Timestamp;
use crate::vocab::{Category, Engine, InstanceKind, InstanceStatus};

/// A `DeleteBackup` request as wire strings; empty counts as absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteBackupRequest<'a> {
    /// `DBInstanceId` (required).
    pub db_instance_id: Option<&'a str>,
    /// `BackupId`: a comma list of at most 100 set ids.
    pub backup_id: Option<&'a str>,
}

/// The most set ids one `DeleteBackup` takes.
pub const MAX_DELETE_IDS: usize = 100;

/// Why `DeleteBackup` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeleteBackupError {
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
    /// The instance is read-only.
    #[error("the instance is read-only")]
    ReadOnlyInstance,
    /// The instance is not `Running`.
    #[error("the instance is {status}, not Running")]
    NotRunning {
        /// Its status.
        status: InstanceStatus,
    },
    /// Only MySQL and PostgreSQL high-availability instances delete sets.
    #[error("{engine} {category} instances cannot delete backup sets")]
    UnsupportedInstance {
        /// The engine.
        engine: Engine,
        /// The category.
        category: Category,
    },
    /// `BackupId` is absent.
    #[error("BackupId is required")]
    MissingBackupId,
    /// More than 100 ids.
    #[error("{count} backup ids, more than 100")]
    TooManyIds {
        /// How many were given.
        count: usize,
    },
    /// An id that is not a set of this instance.
    #[error("backup set {id:?} does not exist on the instance")]
    SetNotFound {
        /// The first such id.
        id: String,
    },
}

super::time_message_of!(DeleteBackupError);

impl WireError for DeleteBackupError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            Self::MissingInstanceId => ErrorCode::RequiredParamNotFound,
            Self::InstanceNotFound { .. } => ErrorCode::DescribeInstanceNotFound,
            Self::ReadOnlyInstance => ErrorCode::ReadOnlyInstance,
            Self::NotRunning { .. } => ErrorCode::IncorrectInstanceState,
            Self::UnsupportedInstance { .. } => ErrorCode::IncorrectInstanceType,
            Self::MissingBackupId => ErrorCode::ParameterLeastAssociate,
            Self::TooManyIds { .. } => ErrorCode::DeleteBackupSetNumExceed,
            Self::SetNotFound { .. } => ErrorCode::BackupSetNotFound,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        self.time_message()
            .unwrap_or(Cow::Borrowed(self.error_code().spec().message))
    }
}

impl Simulation {
    /// `DeleteBackup` at `now`: removes the named sets of the instance from
    /// `DescribeBackups`. One id that is not a (not yet deleted) set of this instance
    /// deletes none. Their jobs stay visible to `DescribeBackupTasks` by id.
    pub fn delete_backup(
        &mut self,
        request: &DeleteBackupRequest<'_>,
        now: Timestamp,
    ) -> Result<(), DeleteBackupError> {
        self.delete_backup_for(Scope::AllAccounts, request, now)
    }

    /// [`Self::delete_backup`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn delete_backup_for(
        &mut self,
        scope: Scope<'_>,
        request: &DeleteBackupRequest<'_>,
        now: Timestamp,
    ) -> Result<(), DeleteBackupError> {
        let instance = self.instance_for(
            scope,
            request.db_instance_id,
            now,
            DeleteBackupError::MissingInstanceId,
            |id| DeleteBackupError::InstanceNotFound { id },
        )?;
        if instance.kind == InstanceKind::Readonly {
            return Err(DeleteBackupError::ReadOnlyInstance);
        }
        if instance.status != InstanceStatus::Running {
            return Err(DeleteBackupError::NotRunning {
                status: instance.status,
            });
        }
        if !matches!(instance.engine, Engine::MySql | Engine::PostgreSql)
            || instance.category != Category::HighAvailability
        {
            return Err(DeleteBackupError::UnsupportedInstance {
                engine: instance.engine,
                category: instance.category,
            });
        }
        let list = present(request.backup_id).ok_or(DeleteBackupError::MissingBackupId)?;
        let count = list.split(',').count();
        if count > MAX_DELETE_IDS {
            return Err(DeleteBackupError::TooManyIds { count });
        }
        let mut positions = Vec::with_capacity(count);
        for text in list.split(',') {
            let position = BackupId::parse(text).and_then(|backup_id| {
                instance
                    .history()
                    .iter()
                    .position(|r| r.backup_id == backup_id && !r.set_deleted)
            });
            positions
                .push(position.ok_or_else(|| DeleteBackupError::SetNotFound { id: owned(text) })?);
        }
        // A position was found, so the instance has a backup state.
        if let Some(state) = instance.backup.existing_mut() {
            for position in positions {
                state.hide_set(position);
            }
        }
        self.debug_check(request.db_instance_id.unwrap_or_default());
        Ok(())
    }
}
