//! The one error table: every wire error the simulator answers, with its code, HTTP
//! status and exact message (create-backup.md, scenario-format.md).
//!
//! Each operation has its own error enum (in `ops/`), whose variants carry their deciding
//! context and map to an [`ErrorCode`] with an exhaustive `match`. The code, status and
//! message of an [`ErrorCode`] come from [`ErrorCode::spec`] only; the golden test in
//! this file lists every row.

use std::borrow::Cow;

/// One row of the error table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorSpec {
    /// The wire `Code`.
    pub code: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The exact `Message` (for `Sim.*` codes, a generic one; their errors carry details).
    pub message: &'static str,
}

/// Declares [`ErrorCode`], its [`ErrorCode::ALL`] and its [`ErrorCode::spec`] rows from one
/// list, so that a code cannot be added without its row or left out of `ALL`.
macro_rules! error_table {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal, $message:literal), )+) => {
        /// Every distinct (code, status, message) the simulator answers.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code's row: wire code, HTTP status and exact message.
            pub const fn spec(self) -> ErrorSpec {
                match self {
                    $( ErrorCode::$variant => ErrorSpec {
                        code: $code,
                        status: $status,
                        message: $message,
                    }, )+
                }
            }
        }
    };
}

error_table! {
    /// CB-1, CB-14 and every missing required parameter.
    RequiredParamNotFound => ("RequiredParam.NotFound", 400, "Required input param is not found."),
    /// CB-2, CB-11, CB-12.
    InvalidBackupMethod => ("InvalidBackupMethod.ValueNotSupport", 400, "The specified parameter \"BackupMethod\" is not valid."),
    /// CB-3, CB-13.
    BackupTypeNotSupport => ("BackupType.NotSupport", 400, "the specified backup type not support"),
    /// CB-4.
    ParametersInvalid => ("Parameters.Invalid", 400, "Parameter error, please check the parameters."),
    /// CB-5.
    InvalidDbNameFormat => ("InvalidDBName.Format", 400, "Specified DB name is not valid."),
    /// CB-6: CreateBackup's unknown instance.
    CreateBackupInstanceNotFound => ("InvalidDBInstanceName.NotFound", 404, "The database instance does not exist."),
    /// Unknown instance for DescribeBackupTasks, DescribeBackups, DeleteBackup, DescribeBackupPolicy.
    DescribeInstanceNotFound => ("InvalidDBInstanceName.NotFound", 404, "Invalid DBInstanceId NotFound."),
    /// Unknown instance for DescribeDBInstanceAttribute (404).
    InstanceIdNotFound => ("InvalidDBInstanceId.NotFound", 404, "The DBInstanceId provided does not exist in records."),
    /// Unknown instance for ModifyBackupPolicy (400).
    PolicyInstanceIdNotFound => ("InvalidDBInstanceId.NotFound", 400, "The DBInstanceId provided does not exist in records."),
    /// CB-7 and the other operations' read-only check.
    ReadOnlyInstance => ("ReadDBInstanceNotSupport", 400, "The operation is not permitted due to type of the instance."),
    /// CB-8 and DeleteBackup's engine/category check.
    IncorrectInstanceType => ("IncorrectDBInstanceType", 403, "Current DB instance engine and type does not support operations."),
    /// CB-9 and DeleteBackup's state check.
    IncorrectInstanceState => ("IncorrectDBInstanceState", 403, "Current DB instance state does not support this operation."),
    /// CB-10.
    IncorrectLockMode => ("IncorrectDBInstanceLockMode.ValueNotSupported", 400, "The Current DB instance lock mode does not support this operation."),
    /// CB-15.
    DatabaseNotFound => ("InvalidDB.NotFound", 404, "Specified db does not exist or DB status does not support this operation."),
    /// CB-16.
    BackupJobExists => ("BackupJobExists", 400, "A backup job already exists in the specified DB instance."),
    /// CB-17.
    ExceededBackupTimes => ("Exceeded.BackupTimes", 403, "The backup times exceeds."),
    /// A filter value outside its list.
    InvalidParametersFormat => ("InvalidParameters.Format", 400, "Specified parameter is not valid"),
    /// DescribeBackups `StartTime`.
    InvalidStartTime => ("InvalidStartTime.Format", 400, "Specified start time is not valid."),
    /// DescribeBackups `EndTime`.
    InvalidEndTime => ("InvalidEndTime.Format", 400, "Specified end time is not valid."),
    /// DescribeBackups end not after start.
    InvalidParameterCombination => ("InvalidParameterCombination", 400, "The end time must be greater than the start time"),
    /// DescribeBackups `PageNumber`.
    InvalidPageNumber => ("InvalidPageNumbers.Malformed", 400, "Specified page number is not valid."),
    /// DescribeBackups `PageSize`.
    InvalidPageSize => ("InvalidMaxRecordsPerPage.Malformed", 403, "Specified record number is not valid."),
    /// DeleteBackup without `BackupId`.
    ParameterLeastAssociate => ("ParameterLeastAssociate", 400, "Must input at least one optional parameter"),
    /// DeleteBackup with more than 100 ids.
    DeleteBackupSetNumExceed => ("DeleteBackupSetNumExceed", 400, "Delete backup set number is more than 100."),
    /// DeleteBackup with an id that is not a set of the instance.
    BackupSetNotFound => ("InvalidBackupSetID.NotFound", 404, "Specified backup set ID does not exist."),
    /// A backup policy time that is not `HH:mmZ-HH:mmZ` with a later end.
    InvalidPreferredBackupTime => ("InvalidPreferredBackupTime.Format", 400, "Specified preferred backup time is not valid."),
    /// A `BackupRetentionPeriod` that is not an integer from 7 to 730 (T-6).
    InvalidBackupRetentionPeriod => ("InvalidBackupRetentionPeriod.Malformed", 400, "The specified backup retention period is invalid."),
    /// An API parameter value longer than 1,024 characters (the message names it).
    InvalidParameterTooLong => ("InvalidParameter", 400, "The specified parameter is too long."),
    /// An injected `Throttling` fault (faults.md).
    ThrottlingUser => ("Throttling.User", 400, "Request was denied due to user flow control."),
    /// An injected `ServiceUnavailable` fault.
    ServiceUnavailable => ("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."),
    /// An injected `InternalError` fault.
    InternalError => ("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure."),
    /// An injected `Timeout` fault, in `replay` and on the control plane.
    SimTimeout => ("Sim.Timeout", 504, "No answer: the connection was closed by an injected fault."),
    /// `Sim.ClearFaults` of a `FaultId` that names no fault.
    SimFaultNotFound => ("Sim.FaultNotFound", 404, "The fault does not exist."),
    /// DDI-1: DescribeDBInstances without `RegionId`.
    MissingRegionId => ("MissingRegionId", 400, "RegionId is mandatory for this action."),
    /// DDI-2: DescribeDBInstances with a `DBInstanceType` outside its list.
    InvalidDbInstanceType => ("InvalidDBInstanceType.ValueNotSupport", 400, "The specified  parameter DBInstanceType is not valid."),
    /// DDI-3: DescribeDBInstances with a `NextToken` it did not give.
    InvalidNextToken => ("Invalid.NextToken", 400, "The parameter NextToken is invalid."),
    /// An unknown action.
    InvalidAction => ("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method."),
    /// An `AccessKeyId` that was never declared (ram.md).
    InvalidAccessKeyIdNotFound => ("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
    /// A RAM denial (ram.md).
    ForbiddenRam => ("Forbidden.RAM", 403, "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
    /// `Sim.InvalidParameter`.
    SimInvalidParameter => ("Sim.InvalidParameter", 400, "A parameter is not valid."),
    /// `Sim.InstanceAlreadyExists`.
    SimInstanceAlreadyExists => ("Sim.InstanceAlreadyExists", 400, "The instance already exists."),
    /// `Sim.InstanceNotFound`.
    SimInstanceNotFound => ("Sim.InstanceNotFound", 404, "The instance does not exist."),
    /// `Sim.NoActiveJob`.
    SimNoActiveJob => ("Sim.NoActiveJob", 404, "The instance has no active backup job."),
    /// `Sim.TimeWentBackwards` (rule T-1).
    SimTimeWentBackwards => ("Sim.TimeWentBackwards", 400, "The time is earlier than the simulation clock."),
    /// `Sim.MalformedLine`.
    SimMalformedLine => ("Sim.MalformedLine", 400, "The line is not a JSON object with an Action."),
    /// NI-1: a real RDS action the simulator does not emulate (`Sim.NotImplemented`).
    SimNotImplemented => ("Sim.NotImplemented", 501, "The RDS action is not emulated by rds-backup-sim."),
}

/// An error that is answered on the wire: its row in the table and its message.
pub trait WireError {
    /// The row of the error table.
    fn error_code(&self) -> ErrorCode;

    /// The `Message`: the table's, unless the error names what was wrong (`Sim.*` codes).
    fn message(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.error_code().spec().message)
    }
}

#[cfg(test)]
mod golden;

#[cfg(test)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    /// The golden table: every row's code, status and message, spelled out once more.
    #[test]
    fn golden_error_table() {
        let expected: &[(ErrorCode, &str, u16, &str)] = &[
            (ErrorCode::RequiredParamNotFound, "RequiredParam.NotFound", 400, "Required input param is not found."),
            (ErrorCode::InvalidBackupMethod, "InvalidBackupMethod.ValueNotSupport", 400, "The specified parameter \"BackupMethod\" is not valid."),
            (ErrorCode::BackupTypeNotSupport, "BackupType.NotSupport", 400, "the specified backup type not support"),
            (ErrorCode::ParametersInvalid, "Parameters.Invalid", 400, "Parameter error, please check the parameters."),
            (ErrorCode::InvalidDbNameFormat, "InvalidDBName.Format", 400, "Specified DB name is not valid."),
            (ErrorCode::CreateBackupInstanceNotFound, "InvalidDBInstanceName.NotFound", 404, "The database instance does not exist."),
            (ErrorCode::DescribeInstanceNotFound, "InvalidDBInstanceName.NotFound", 404, "Invalid DBInstanceId NotFound."),
            (ErrorCode::InstanceIdNotFound, "InvalidDBInstanceId.NotFound", 404, "The DBInstanceId provided does not exist in records."),
            (ErrorCode::PolicyInstanceIdNotFound, "InvalidDBInstanceId.NotFound", 400, "The DBInstanceId provided does not exist in records."),
            (ErrorCode::ReadOnlyInstance, "ReadDBInstanceNotSupport", 400, "The operation is not permitted due to type of the instance."),
            (ErrorCode::IncorrectInstanceType, "IncorrectDBInstanceType", 403, "Current DB instance engine and type does not support operations."),
            (ErrorCode::IncorrectInstanceState, "IncorrectDBInstanceState", 403, "Current DB instance state does not support this operation."),
            (ErrorCode::IncorrectLockMode, "IncorrectDBInstanceLockMode.ValueNotSupported", 400, "The Current DB instance lock mode does not support this operation."),
            (ErrorCode::DatabaseNotFound, "InvalidDB.NotFound", 404, "Specified db does not exist or DB status does not support this operation."),
            (ErrorCode::BackupJobExists, "BackupJobExists", 400, "A backup job already exists in the specified DB instance."),
            (ErrorCode::ExceededBackupTimes, "Exceeded.BackupTimes", 403, "The backup times exceeds."),
            (ErrorCode::InvalidParametersFormat, "InvalidParameters.Format", 400, "Specified parameter is not valid"),
            (ErrorCode::InvalidStartTime, "InvalidStartTime.Format", 400, "Specified start time is not valid."),
            (ErrorCode::InvalidEndTime, "InvalidEndTime.Format", 400, "Specified end time is not valid."),
            (ErrorCode::InvalidParameterCombination, "InvalidParameterCombination", 400, "The end time must be greater than the start time"),
            (ErrorCode::InvalidPageNumber, "InvalidPageNumbers.Malformed", 400, "Specified page number is not valid."),
            (ErrorCode::InvalidPageSize, "InvalidMaxRecordsPerPage.Malformed", 403, "Specified record number is not valid."),
            (ErrorCode::ParameterLeastAssociate, "ParameterLeastAssociate", 400, "Must input at least one optional parameter"),
            (ErrorCode::DeleteBackupSetNumExceed, "DeleteBackupSetNumExceed", 400, "Delete backup set number is more than 100."),
            (ErrorCode::BackupSetNotFound, "InvalidBackupSetID.NotFound", 404, "Specified backup set ID does not exist."),
            (ErrorCode::InvalidPreferredBackupTime, "InvalidPreferredBackupTime.Format", 400, "Specified preferred backup time is not valid."),
            (ErrorCode::InvalidBackupRetentionPeriod, "InvalidBackupRetentionPeriod.Malformed", 400, "The specified backup retention period is invalid."),
            (ErrorCode::InvalidParameterTooLong, "InvalidParameter", 400, "The specified parameter is too long."),
            (ErrorCode::ThrottlingUser, "Throttling.User", 400, "Request was denied due to user flow control."),
            (ErrorCode::ServiceUnavailable, "ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."),
            (ErrorCode::InternalError, "InternalError", 500, "The request processing has failed due to some unknown error, exception or failure."),
            (ErrorCode::SimTimeout, "Sim.Timeout", 504, "No answer: the connection was closed by an injected fault."),
            (ErrorCode::SimFaultNotFound, "Sim.FaultNotFound", 404, "The fault does not exist."),
            (ErrorCode::MissingRegionId, "MissingRegionId", 400, "RegionId is mandatory for this action."),
            (ErrorCode::InvalidDbInstanceType, "InvalidDBInstanceType.ValueNotSupport", 400, "The specified  parameter DBInstanceType is not valid."),
            (ErrorCode::InvalidNextToken, "Invalid.NextToken", 400, "The parameter NextToken is invalid."),
            (ErrorCode::InvalidAction, "InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method."),
            (ErrorCode::InvalidAccessKeyIdNotFound, "InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
            (ErrorCode::ForbiddenRam, "Forbidden.RAM", 403, "User not authorized to operate on the specified resource, or this API doesn't support RAM."),
            (ErrorCode::SimInvalidParameter, "Sim.InvalidParameter", 400, "A parameter is not valid."),
            (ErrorCode::SimInstanceAlreadyExists, "Sim.InstanceAlreadyExists", 400, "The instance already exists."),
            (ErrorCode::SimInstanceNotFound, "Sim.InstanceNotFound", 404, "The instance does not exist."),
            (ErrorCode::SimNoActiveJob, "Sim.NoActiveJob", 404, "The instance has no active backup job."),
            (ErrorCode::SimTimeWentBackwards, "Sim.TimeWentBackwards", 400, "The time is earlier than the simulation clock."),
            (ErrorCode::SimMalformedLine, "Sim.MalformedLine", 400, "The line is not a JSON object with an Action."),
            (ErrorCode::SimNotImplemented, "Sim.NotImplemented", 501, "The RDS action is not emulated by rds-backup-sim."),
        ];
        assert_eq!(expected.len(), ErrorCode::ALL.len());
        for (row, &(code, wire, status, message)) in expected.iter().enumerate() {
            assert_eq!(ErrorCode::ALL[row], code, "row {row} is out of order");
            assert_eq!(code.spec(), ErrorSpec { code: wire, status, message }, "{code:?}");
        }
    }
}
