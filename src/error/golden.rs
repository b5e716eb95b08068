//! Golden table over every variant of every operation's error enum: the wire code, HTTP
//! status and exact message each answers (create-backup.md sections 3, 7, 8; ram.md;
//! scenario-format.md). The rows themselves live in `ErrorCode::spec`; this pins which
//! row each variant maps to.
//!
//! Exhaustive by construction: [`Golden::variant`] names each enum's variants with a `match`
//! that has no wildcard, so a new variant does not compile until it is listed here, and
//! every test ends by asserting that it pinned every variant of the enums it covers.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::authz::eval::DenyKind;
use crate::authz::{AccessDenied, AuthError};
use crate::ops::describe_db_instances::DescribeDbInstancesError;
use crate::quota::QuotaExceeded;
use crate::*;

/// An error enum whose variants the golden tests must each pin.
trait Golden: WireError {
    /// Every variant, as its pattern is written in [`golden!`].
    const VARIANTS: &'static [&'static str];
    /// This value's variant, from a `match` with no wildcard arm.
    fn variant(&self) -> &'static str;
}

/// Implements [`Golden`] for an enum from the patterns of all its variants: the generated
/// `match` has no wildcard, so a variant added to the enum does not compile until it is
/// listed, and then [`all_pinned`] fails until a test pins its row.
macro_rules! golden {
    ($ty:ty: $($variant:pat),+ $(,)?) => {
        impl Golden for $ty {
            const VARIANTS: &'static [&'static str] = &[$(stringify!($variant)),+];
            fn variant(&self) -> &'static str {
                match self {
                    $($variant => stringify!($variant),)+
                }
            }
        }
    };
}

golden!(CreateBackupError:
    CreateBackupError::TimeWentBackwards(_),
    CreateBackupError::MissingInstanceId,
    CreateBackupError::InvalidMethod { .. },
    CreateBackupError::InvalidType { .. },
    CreateBackupError::InvalidStrategy { .. },
    CreateBackupError::InvalidDbName { .. },
    CreateBackupError::InstanceNotFound { .. },
    CreateBackupError::ReadOnlyInstance,
    CreateBackupError::TemporaryInstance,
    CreateBackupError::NotRunning { .. },
    CreateBackupError::Locked { .. },
    CreateBackupError::MethodNotSupported { .. },
    CreateBackupError::LogicalWithoutDatabase,
    CreateBackupError::SqlServerDbBackupNotFull,
    CreateBackupError::MissingDbName,
    CreateBackupError::DatabaseNotFound { .. },
    CreateBackupError::JobExists { .. },
    CreateBackupError::QuotaExceeded(_),
    CreateBackupError::Injected(_),
);
golden!(DescribeBackupTasksError:
    DescribeBackupTasksError::TimeWentBackwards(_),
    DescribeBackupTasksError::MissingInstanceId,
    DescribeBackupTasksError::InstanceNotFound { .. },
    DescribeBackupTasksError::ReadOnlyInstance,
    DescribeBackupTasksError::InvalidFilter { .. },
);
golden!(DescribeBackupsError:
    DescribeBackupsError::TimeWentBackwards(_),
    DescribeBackupsError::MissingInstanceId,
    DescribeBackupsError::InstanceNotFound { .. },
    DescribeBackupsError::InvalidStartTime { .. },
    DescribeBackupsError::InvalidEndTime { .. },
    DescribeBackupsError::EndNotAfterStart,
    DescribeBackupsError::InvalidPageNumber { .. },
    DescribeBackupsError::InvalidPageSize { .. },
    DescribeBackupsError::InvalidFilter { .. },
);
golden!(DeleteBackupError:
    DeleteBackupError::TimeWentBackwards(_),
    DeleteBackupError::MissingInstanceId,
    DeleteBackupError::InstanceNotFound { .. },
    DeleteBackupError::ReadOnlyInstance,
    DeleteBackupError::NotRunning { .. },
    DeleteBackupError::UnsupportedInstance { .. },
    DeleteBackupError::MissingBackupId,
    DeleteBackupError::TooManyIds { .. },
    DeleteBackupError::SetNotFound { .. },
);
golden!(DescribeInstanceError:
    DescribeInstanceError::TimeWentBackwards(_),
    DescribeInstanceError::MissingInstanceId,
    DescribeInstanceError::InstanceNotFound { .. },
);
golden!(BackupPolicyError:
    BackupPolicyError::TimeWentBackwards(_),
    BackupPolicyError::MissingInstanceId,
    BackupPolicyError::ModifyInstanceNotFound { .. },
    BackupPolicyError::DescribeInstanceNotFound { .. },
    BackupPolicyError::ReadOnlyInstance,
    BackupPolicyError::InvalidTime,
    BackupPolicyError::InvalidPeriod,
    BackupPolicyError::InvalidRetention,
);
golden!(SimError:
    SimError::TimeWentBackwards(_),
    SimError::InvalidParameter(_),
    SimError::UnknownField { .. },
    SimError::InstanceAlreadyExists { .. },
    SimError::InstanceNotFound { .. },
    SimError::FaultNotFound { .. },
    SimError::NoActiveJob { .. },
);
golden!(AuthError: AuthError::UnknownAccessKey { .. }, AuthError::Denied(_));
golden!(DescribeDbInstancesError:
    DescribeDbInstancesError::TimeWentBackwards(_),
    DescribeDbInstancesError::MissingRegionId,
    DescribeDbInstancesError::InvalidInstanceType { .. },
    DescribeDbInstancesError::InvalidNextToken { .. },
    DescribeDbInstancesError::InvalidParameter { .. },
);

thread_local! {
    /// The (enum, variant) pairs this test's `wire` calls have pinned.
    static PINNED: RefCell<BTreeSet<(&'static str, &'static str)>> =
        const { RefCell::new(BTreeSet::new()) };
}

fn wire<E: Golden>(e: &E) -> (&'static str, u16, String) {
    PINNED.with(|p| {
        p.borrow_mut()
            .insert((std::any::type_name::<E>(), e.variant()))
    });
    let spec = e.error_code().spec();
    (spec.code, spec.status, e.message().into_owned())
}

/// Asserts that this test pinned every variant of `E`.
fn all_pinned<E: Golden>() {
    let name = std::any::type_name::<E>();
    let pinned: BTreeSet<&str> = PINNED.with(|p| {
        p.borrow()
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .collect()
    });
    let all: BTreeSet<&str> = E::VARIANTS.iter().copied().collect();
    let missing: Vec<&&str> = all.difference(&pinned).collect();
    assert!(missing.is_empty(), "{name}: no golden row for {missing:?}");
}

fn row(code: &'static str, status: u16, message: &str) -> (&'static str, u16, String) {
    (code, status, message.to_owned())
}

fn create_backup_error_variants_cb1_to_cb17() {
    let method = "The specified parameter \"BackupMethod\" is not valid.";
    let cases: Vec<(CreateBackupError, (&str, u16, String))> = vec![
        (
            CreateBackupError::MissingInstanceId,
            row(
                "RequiredParam.NotFound",
                400,
                "Required input param is not found.",
            ),
        ),
        (
            CreateBackupError::InvalidMethod { value: "x".into() },
            row("InvalidBackupMethod.ValueNotSupport", 400, method),
        ),
        (
            CreateBackupError::InvalidType { value: "x".into() },
            row(
                "BackupType.NotSupport",
                400,
                "the specified backup type not support",
            ),
        ),
        (
            CreateBackupError::InvalidStrategy { value: "x".into() },
            row(
                "Parameters.Invalid",
                400,
                "Parameter error, please check the parameters.",
            ),
        ),
        (
            CreateBackupError::InvalidDbName { name: "X".into() },
            row(
                "InvalidDBName.Format",
                400,
                "Specified DB name is not valid.",
            ),
        ),
        (
            CreateBackupError::InstanceNotFound { id: "rm".into() },
            row(
                "InvalidDBInstanceName.NotFound",
                404,
                "The database instance does not exist.",
            ),
        ),
        (
            CreateBackupError::ReadOnlyInstance,
            row(
                "ReadDBInstanceNotSupport",
                400,
                "The operation is not permitted due to type of the instance.",
            ),
        ),
        (
            CreateBackupError::TemporaryInstance,
            row(
                "IncorrectDBInstanceType",
                403,
                "Current DB instance engine and type does not support operations.",
            ),
        ),
        (
            CreateBackupError::NotRunning {
                status: InstanceStatus::Stopped,
            },
            row(
                "IncorrectDBInstanceState",
                403,
                "Current DB instance state does not support this operation.",
            ),
        ),
        (
            CreateBackupError::Locked {
                lock: LockMode::ManualLock,
            },
            row(
                "IncorrectDBInstanceLockMode.ValueNotSupported",
                400,
                "The Current DB instance lock mode does not support this operation.",
            ),
        ),
        (
            CreateBackupError::MethodNotSupported {
                engine: Engine::MySql,
                storage: StorageType::CloudEssd,
                method: BackupMethod::Logical,
            },
            row("InvalidBackupMethod.ValueNotSupport", 400, method),
        ),
        (
            CreateBackupError::LogicalWithoutDatabase,
            row("InvalidBackupMethod.ValueNotSupport", 400, method),
        ),
        (
            CreateBackupError::SqlServerDbBackupNotFull,
            row(
                "BackupType.NotSupport",
                400,
                "the specified backup type not support",
            ),
        ),
        (
            CreateBackupError::MissingDbName,
            row(
                "RequiredParam.NotFound",
                400,
                "Required input param is not found.",
            ),
        ),
        (
            CreateBackupError::DatabaseNotFound { name: "db".into() },
            row(
                "InvalidDB.NotFound",
                404,
                "Specified db does not exist or DB status does not support this operation.",
            ),
        ),
        (
            CreateBackupError::JobExists {
                job: BackupJobId(100_001),
            },
            row(
                "BackupJobExists",
                400,
                "A backup job already exists in the specified DB instance.",
            ),
        ),
        (
            CreateBackupError::QuotaExceeded(QuotaExceeded {
                limit: 20,
                used: 20,
            }),
            row("Exceeded.BackupTimes", 403, "The backup times exceeds."),
        ),
    ];
    for (error, expected) in &cases {
        assert_eq!(&wire(error), expected, "{error:?}");
        assert!(
            CreateBackupError::CODES.contains(&error.error_code()),
            "{error:?} is missing from CODES"
        );
    }
    let used: Vec<ErrorCode> = cases.iter().map(|(e, _)| e.error_code()).collect();
    assert!(
        CreateBackupError::CODES.iter().all(|c| used.contains(c)),
        "CODES lists a row no variant answers"
    );
}

fn time_went_backwards_t1_is_the_same_answer_from_every_operation() {
    let clock = Timestamp::parse_rfc3339("2026-01-02T00:00:00Z").unwrap();
    let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let e = TimeWentBackwards { clock, now };
    let expected = row(
        "Sim.TimeWentBackwards",
        400,
        "The time 2026-01-01T00:00:00Z is earlier than the simulation clock 2026-01-02T00:00:00Z.",
    );
    assert_eq!(wire(&CreateBackupError::TimeWentBackwards(e)), expected);
    assert_eq!(
        wire(&DescribeBackupTasksError::TimeWentBackwards(e)),
        expected
    );
    assert_eq!(wire(&DescribeBackupsError::TimeWentBackwards(e)), expected);
    assert_eq!(wire(&DeleteBackupError::TimeWentBackwards(e)), expected);
    assert_eq!(wire(&DescribeInstanceError::TimeWentBackwards(e)), expected);
    assert_eq!(wire(&BackupPolicyError::TimeWentBackwards(e)), expected);
    assert_eq!(wire(&SimError::TimeWentBackwards(e)), expected);
    assert_eq!(
        wire(&DescribeDbInstancesError::TimeWentBackwards(e)),
        expected
    );
}

fn section7_and_section8_error_variants() {
    let describe_nf = row(
        "InvalidDBInstanceName.NotFound",
        404,
        "Invalid DBInstanceId NotFound.",
    );
    let required = row(
        "RequiredParam.NotFound",
        400,
        "Required input param is not found.",
    );
    let read_only = row(
        "ReadDBInstanceNotSupport",
        400,
        "The operation is not permitted due to type of the instance.",
    );
    let filter = row(
        "InvalidParameters.Format",
        400,
        "Specified parameter is not valid",
    );
    assert_eq!(wire(&DescribeBackupTasksError::MissingInstanceId), required);
    assert_eq!(
        wire(&DescribeBackupTasksError::InstanceNotFound { id: "x".into() }),
        describe_nf
    );
    assert_eq!(wire(&DescribeBackupTasksError::ReadOnlyInstance), read_only);
    assert_eq!(
        wire(&DescribeBackupTasksError::InvalidFilter {
            parameter: "BackupMode",
            value: "x".into()
        }),
        filter
    );
    assert_eq!(wire(&DescribeBackupsError::MissingInstanceId), required);
    assert_eq!(
        wire(&DescribeBackupsError::InstanceNotFound { id: "x".into() }),
        describe_nf
    );
    assert_eq!(
        wire(&DescribeBackupsError::InvalidStartTime { value: "x".into() }),
        row(
            "InvalidStartTime.Format",
            400,
            "Specified start time is not valid."
        )
    );
    assert_eq!(
        wire(&DescribeBackupsError::InvalidEndTime { value: "x".into() }),
        row(
            "InvalidEndTime.Format",
            400,
            "Specified end time is not valid."
        )
    );
    assert_eq!(
        wire(&DescribeBackupsError::EndNotAfterStart),
        row(
            "InvalidParameterCombination",
            400,
            "The end time must be greater than the start time"
        )
    );
    assert_eq!(
        wire(&DescribeBackupsError::InvalidPageNumber { value: "0".into() }),
        row(
            "InvalidPageNumbers.Malformed",
            400,
            "Specified page number is not valid."
        )
    );
    assert_eq!(
        wire(&DescribeBackupsError::InvalidPageSize { value: "7".into() }),
        row(
            "InvalidMaxRecordsPerPage.Malformed",
            403,
            "Specified record number is not valid."
        )
    );
    assert_eq!(
        wire(&DescribeBackupsError::InvalidFilter {
            parameter: "BackupStatus",
            value: "x".into()
        }),
        filter
    );
    assert_eq!(wire(&DeleteBackupError::MissingInstanceId), required);
    assert_eq!(
        wire(&DeleteBackupError::InstanceNotFound { id: "x".into() }),
        describe_nf
    );
    assert_eq!(wire(&DeleteBackupError::ReadOnlyInstance), read_only);
    assert_eq!(
        wire(&DeleteBackupError::NotRunning {
            status: InstanceStatus::Stopped
        }),
        row(
            "IncorrectDBInstanceState",
            403,
            "Current DB instance state does not support this operation."
        )
    );
    assert_eq!(
        wire(&DeleteBackupError::UnsupportedInstance {
            engine: Engine::SqlServer,
            category: Category::Basic
        }),
        row(
            "IncorrectDBInstanceType",
            403,
            "Current DB instance engine and type does not support operations."
        )
    );
    assert_eq!(
        wire(&DeleteBackupError::MissingBackupId),
        row(
            "ParameterLeastAssociate",
            400,
            "Must input at least one optional parameter"
        )
    );
    assert_eq!(
        wire(&DeleteBackupError::TooManyIds { count: 101 }),
        row(
            "DeleteBackupSetNumExceed",
            400,
            "Delete backup set number is more than 100."
        )
    );
    assert_eq!(
        wire(&DeleteBackupError::SetNotFound { id: "1".into() }),
        row(
            "InvalidBackupSetID.NotFound",
            404,
            "Specified backup set ID does not exist."
        )
    );
    assert_eq!(wire(&DescribeInstanceError::MissingInstanceId), required);
    assert_eq!(
        wire(&DescribeInstanceError::InstanceNotFound { id: "x".into() }),
        row(
            "InvalidDBInstanceId.NotFound",
            404,
            "The DBInstanceId provided does not exist in records."
        )
    );
    assert_eq!(wire(&BackupPolicyError::MissingInstanceId), required);
    assert_eq!(
        wire(&BackupPolicyError::ModifyInstanceNotFound { id: "x".into() }),
        row(
            "InvalidDBInstanceId.NotFound",
            400,
            "The DBInstanceId provided does not exist in records."
        )
    );
    assert_eq!(
        wire(&BackupPolicyError::DescribeInstanceNotFound { id: "x".into() }),
        describe_nf
    );
    assert_eq!(wire(&BackupPolicyError::ReadOnlyInstance), read_only);
    assert_eq!(
        wire(&BackupPolicyError::InvalidTime),
        row(
            "InvalidPreferredBackupTime.Format",
            400,
            "Specified preferred backup time is not valid."
        )
    );
    assert_eq!(wire(&BackupPolicyError::InvalidPeriod), filter);
    assert_eq!(
        wire(&BackupPolicyError::InvalidRetention),
        row(
            "InvalidBackupRetentionPeriod.Malformed",
            400,
            "The specified backup retention period is invalid."
        )
    );
}

fn simulator_control_and_ram_error_variants() {
    assert_eq!(
        wire(&SimError::InvalidParameter(InvalidField::new(
            "Seed",
            "must be an integer"
        ))),
        row(
            "Sim.InvalidParameter",
            400,
            "Invalid parameter Seed: must be an integer."
        )
    );
    assert_eq!(
        wire(&SimError::UnknownField {
            action: "Configure",
            field: "DailyBackupLimt".into(),
            suggestion: Some("DailyBackupLimit"),
        }),
        row(
            "Sim.InvalidParameter",
            400,
            "unknown field \"DailyBackupLimt\" of Sim.Configure (did you mean \"DailyBackupLimit\"?)"
        )
    );
    assert_eq!(
        wire(&SimError::UnknownField {
            action: "CreateInstance",
            field: "Colour".into(),
            suggestion: None,
        }),
        row(
            "Sim.InvalidParameter",
            400,
            "unknown field \"Colour\" of Sim.CreateInstance"
        )
    );
    assert_eq!(
        wire(&SimError::InstanceAlreadyExists { id: "rm".into() }),
        row(
            "Sim.InstanceAlreadyExists",
            400,
            "The instance \"rm\" already exists."
        )
    );
    assert_eq!(
        wire(&SimError::InstanceNotFound { id: "rm".into() }),
        row(
            "Sim.InstanceNotFound",
            404,
            "The instance \"rm\" does not exist."
        )
    );
    assert_eq!(
        wire(&SimError::FaultNotFound { id: "f-9".into() }),
        row(
            "Sim.FaultNotFound",
            404,
            "The fault \"f-9\" does not exist."
        )
    );
    assert_eq!(
        wire(&SimError::NoActiveJob { id: "rm".into() }),
        row(
            "Sim.NoActiveJob",
            404,
            "The instance \"rm\" has no active backup job."
        )
    );
    assert_eq!(
        wire(&AuthError::UnknownAccessKey { id: "ak".into() }),
        row(
            "InvalidAccessKeyId.NotFound",
            404,
            "Specified access key is not found."
        )
    );
    let denied = AuthError::Denied(AccessDenied {
        action: "rds:CreateBackup".into(),
        user_name: "ops".into(),
        account_id: "1234567890123456".into(),
        kind: DenyKind::ExplicitDeny,
    });
    assert_eq!(
        wire(&denied),
        row("Forbidden.RAM", 403, "User not authorized to operate on the specified resource, or this API doesn't support RAM.")
    );
}

fn describe_db_instances_error_variants_ddi1_to_ddi4() {
    assert_eq!(
        wire(&DescribeDbInstancesError::MissingRegionId),
        row(
            "MissingRegionId",
            400,
            "RegionId is mandatory for this action."
        )
    );
    assert_eq!(
        wire(&DescribeDbInstancesError::InvalidInstanceType { value: "x".into() }),
        row(
            "InvalidDBInstanceType.ValueNotSupport",
            400,
            "The specified  parameter DBInstanceType is not valid."
        )
    );
    assert_eq!(
        wire(&DescribeDbInstancesError::InvalidNextToken { value: "x".into() }),
        row(
            "Invalid.NextToken",
            400,
            "The parameter NextToken is invalid."
        )
    );
    assert_eq!(
        wire(&DescribeDbInstancesError::InvalidParameter {
            parameter: "PageSize",
            value: "0".into()
        }),
        row(
            "InvalidParameters.Format",
            400,
            "Specified parameter is not valid"
        )
    );
}

/// Every variant of every error enum answers its golden row, and none is left out.
#[test]
fn golden_rows_of_every_error_variant() {
    create_backup_error_variants_cb1_to_cb17();
    time_went_backwards_t1_is_the_same_answer_from_every_operation();
    section7_and_section8_error_variants();
    simulator_control_and_ram_error_variants();
    describe_db_instances_error_variants_ddi1_to_ddi4();
    injected_faults_answer_their_own_rows_outside_the_rules_codes();
    all_pinned::<CreateBackupError>();
    all_pinned::<DescribeBackupTasksError>();
    all_pinned::<DescribeBackupsError>();
    all_pinned::<DeleteBackupError>();
    all_pinned::<DescribeInstanceError>();
    all_pinned::<BackupPolicyError>();
    all_pinned::<SimError>();
    all_pinned::<AuthError>();
    all_pinned::<DescribeDbInstancesError>();
}

fn injected_faults_answer_their_own_rows_outside_the_rules_codes() {
    use crate::faults::RequestFault;
    let cases = [
        (
            RequestFault::Throttling,
            row("Throttling.User", 400, "Request was denied due to user flow control."),
        ),
        (
            RequestFault::ServiceUnavailable,
            row(
                "ServiceUnavailable",
                503,
                "The request has failed due to a temporary failure of the server.",
            ),
        ),
        (
            RequestFault::InternalError,
            row(
                "InternalError",
                500,
                "The request processing has failed due to some unknown error, exception or failure.",
            ),
        ),
    ];
    for (fault, expected) in &cases {
        let error = CreateBackupError::Injected(*fault);
        assert_eq!(&wire(&error), expected, "{error:?}");
        assert!(CreateBackupError::FAULT_CODES.contains(&error.error_code()));
        assert!(!CreateBackupError::CODES.contains(&error.error_code()));
    }
    assert_eq!(
        RequestFault::ALL.map(|f| f.error_code()).as_slice(),
        CreateBackupError::FAULT_CODES
    );
}
