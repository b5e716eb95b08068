//! `DescribeBackups` (create-backup.md section 7): the backup sets of an instance.

use std::borrow::Cow;

use super::{owned, present};
use crate::error::{ErrorCode, WireError};
use crate::ids::BackupId;
use crate::job::JobRecord;
use crate::simulation::{Scope, Simulation, TimeWentBackwards};
use crate::time::Timestamp;
use crate::vocab::{BackupMode, BackupType, SetStatus};

/// A `DescribeBackups` request as wire strings; empty counts as absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DescribeBackupsRequest<'a> {
    /// `DBInstanceId` (required).
    pub db_instance_id: Option<&'a str>,
    /// `BackupId`: one set.
    pub backup_id: Option<&'a str>,
    /// `BackupStatus`: `Success` or `Failed`.
    pub backup_status: Option<&'a str>,
    /// `BackupMode`: `Automated` or `Manual`.
    pub backup_mode: Option<&'a str>,
    /// `BackupType`: `FullBackup` or `IncrementalBackup`.
    pub backup_type: Option<&'a str>,
    /// `StartTime`, `yyyy-MM-ddTHH:mmZ`.
    pub start_time: Option<&'a str>,
    /// `EndTime`, `yyyy-MM-ddTHH:mmZ`.
    pub end_time: Option<&'a str>,
    /// `PageSize`: 30 (default), 50 or 100.
    pub page_size: Option<&'a str>,
    /// `PageNumber`: ≥ 1 (default 1).
    pub page_number: Option<&'a str>,
}

/// One page of sets, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupsPage {
    /// The sets on this page.
    pub items: Vec<JobRecord>,
    /// `TotalRecordCount`: sets that passed the filters.
    pub total: usize,
    /// `PageNumber`.
    pub page_number: u32,
}

/// Why `DescribeBackups` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescribeBackupsError {
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
    /// `StartTime` is not `yyyy-MM-ddTHH:mmZ`.
    #[error("StartTime {value:?} is not yyyy-MM-ddTHH:mmZ")]
    InvalidStartTime {
        /// The value given.
        value: String,
    },
    /// `EndTime` is not `yyyy-MM-ddTHH:mmZ`.
    #[error("EndTime {value:?} is not yyyy-MM-ddTHH:mmZ")]
    InvalidEndTime {
        /// The value given.
        value: String,
    },
    /// `EndTime` is not after `StartTime`.
    #[error("EndTime is not after StartTime")]
    EndNotAfterStart,
    /// `PageNumber` is not an integer ≥ 1.
    #[error("PageNumber {value:?} is not an integer of at least 1")]
    InvalidPageNumber {
        /// The value given.
        value: String,
    },
    /// `PageSize` is not 30, 50 or 100.
    #[error("PageSize {value:?} is not 30, 50 or 100")]
    InvalidPageSize {
        /// The value given.
        value: String,
    },
    /// A filter value outside its list.
    #[error("{parameter} {value:?} is not valid")]
    InvalidFilter {
        /// The parameter.
        parameter: &'static str,
        /// The value given.
        value: String,
    },
}

super::time_message_of!(DescribeBackupsError);

impl WireError for DescribeBackupsError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            Self::MissingInstanceId => ErrorCode::RequiredParamNotFound,
            Self::InstanceNotFound { .. } => ErrorCode::DescribeInstanceNotFound,
            Self::InvalidStartTime { .. } => ErrorCode::InvalidStartTime,
            Self::InvalidEndTime { .. } => ErrorCode::InvalidEndTime,
            Self::EndNotAfterStart => ErrorCode::InvalidParameterCombination,
            Self::InvalidPageNumber { .. } => ErrorCode::InvalidPageNumber,
            Self::InvalidPageSize { .. } => ErrorCode::InvalidPageSize,
            Self::InvalidFilter { .. } => ErrorCode::InvalidParametersFormat,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        self.time_message()
            .unwrap_or(Cow::Borrowed(self.error_code().spec().message))
    }
}

/// The checked filters of a request.
struct Filters {
    backup_id: Option<Option<BackupId>>,
    status: Option<SetStatus>,
    mode: Option<BackupMode>,
    backup_type: Option<BackupType>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    page_size: u32,
    page_number: u32,
}

fn filter<T>(
    parameter: &'static str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, DescribeBackupsError> {
    match present(value) {
        None => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| DescribeBackupsError::InvalidFilter {
                parameter,
                value: owned(v),
            }),
    }
}

/// The parameters in the order their errors are listed: times, their combination, page
/// number, page size, then the filter values \[choice\].
fn parse_filters(request: &DescribeBackupsRequest<'_>) -> Result<Filters, DescribeBackupsError> {
    let start = match present(request.start_time) {
        None => None,
        Some(v) => Some(
            Timestamp::parse_minute(v)
                .ok_or_else(|| DescribeBackupsError::InvalidStartTime { value: owned(v) })?,
        ),
    };
    let end = match present(request.end_time) {
        None => None,
        Some(v) => Some(
            Timestamp::parse_minute(v)
                .ok_or_else(|| DescribeBackupsError::InvalidEndTime { value: owned(v) })?,
        ),
    };
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return Err(DescribeBackupsError::EndNotAfterStart);
        }
    }
    let page_number = match present(request.page_number) {
        None => 1,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1 && v.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| DescribeBackupsError::InvalidPageNumber { value: owned(v) })?,
    };
    let page_size = match present(request.page_size) {
        None => 30,
        Some(v @ ("30" | "50" | "100")) => v.parse().unwrap_or(30),
        Some(v) => return Err(DescribeBackupsError::InvalidPageSize { value: owned(v) }),
    };
    Ok(Filters {
        backup_id: present(request.backup_id).map(BackupId::parse),
        status: filter("BackupStatus", request.backup_status, SetStatus::from_wire)?,
        mode: filter("BackupMode", request.backup_mode, BackupMode::from_wire)?,
        backup_type: filter("BackupType", request.backup_type, BackupType::from_wire)?,
        start,
        end,
        page_size,
        page_number,
    })
}

impl Filters {
    fn keeps(&self, set: &JobRecord) -> bool {
        let minute = set.started.floor_minute();
        !set.set_deleted
            && self.backup_id.is_none_or(|id| id == Some(set.backup_id))
            && self.status.is_none_or(|s| s == set.outcome)
            && self.mode.is_none_or(|m| m == set.mode)
            && self.backup_type.is_none_or(|t| t == set.backup_type)
            && self.start.is_none_or(|s| minute >= s)
            && self.end.is_none_or(|e| minute <= e)
    }
}

impl Simulation {
    /// `DescribeBackups` at `now`: the instance's sets (of any kind and status of
    /// instance) that pass the filters, newest `BackupStartTime` first (equal start times:
    /// larger `BackupId` first), one page of them.
    pub fn describe_backups(
        &mut self,
        request: &DescribeBackupsRequest<'_>,
        now: Timestamp,
    ) -> Result<BackupsPage, DescribeBackupsError> {
        self.describe_backups_for(Scope::AllAccounts, request, now)
    }

    /// [`Self::describe_backups`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn describe_backups_for(
        &mut self,
        scope: Scope<'_>,
        request: &DescribeBackupsRequest<'_>,
        now: Timestamp,
    ) -> Result<BackupsPage, DescribeBackupsError> {
        let instance: &crate::Instance = self.instance_for(
            scope,
            request.db_instance_id,
            now,
            DescribeBackupsError::MissingInstanceId,
            |id| DescribeBackupsError::InstanceNotFound { id },
        )?;
        let filters = parse_filters(request)?;
        let mut sets: Vec<JobRecord> = instance
            .history()
            .iter()
            .filter(|s| filters.keeps(s))
            .collect();
        sets.sort_unstable_by(JobRecord::newest_first);
        let total = sets.len();
        let skip = (filters.page_number as usize - 1).saturating_mul(filters.page_size as usize);
        let items = sets
            .into_iter()
            .skip(skip)
            .take(filters.page_size as usize)
            .collect();
        Ok(BackupsPage {
            items,
            total,
            page_number: filters.page_number,
        })
    }
}
