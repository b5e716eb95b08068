//! A faithful, deterministic simulator of Alibaba Cloud RDS backup state, above all of the
//! `CreateBackup` API and its rules.
//!
//! # The contract
//!
//! - **Pure.** The crate does no I/O and never reads a clock or an unseeded random source.
//!   Every transition of [`Simulation`] takes `now: Timestamp` from the caller; the
//!   simulation keeps the latest `now` as its clock and refuses an earlier one with
//!   [`TimeWentBackwards`] (rule T-1), changing nothing. Backup sizes come from the seed
//!   in [`Settings`]; job and set ids from counters; the answers' request ids from the seed
//!   and the count of answers that `scenario::Scenario` keeps.
//! - **Deterministic.** The same settings and the same sequence of calls give the same
//!   answers, ids included, on every machine. The state is `Clone`, `Debug` and
//!   serde-serializable; a deserialized state continues exactly as the original would.
//! - **Validate, then mutate.** Each transition runs its checks in the spec's order and
//!   changes the state only when all passed: a refused request leaves the domain state
//!   (instances, jobs, sets, quota counts, id counters) as it was.
//! - **One error table.** Each operation has an error enum whose variants name the rule
//!   that fires them; [`WireError::error_code`] maps each to one row of [`ErrorCode`],
//!   which holds the wire code, HTTP status and exact message.
//! - **What `now` means.** Moving the clock to `now` applies every job end and automatic
//!   start that falls due by `now`, in time order, job ends first at equal times (T-4).
//!   Instances are settled lazily, when a transition touches them; use
//!   [`Simulation::settle_all`] before reading the whole state.
//!
//! The rules are those of the project's CreateBackup specification; `docs/rules.md` maps
//! every rule id to the code that enforces it and the test that pins it.
//!
//! # Example
//!
//! ```
//! use rds_backup_sim::{
//!     CreateBackupError, CreateBackupRequest, Engine, InstanceId, InstanceSpec, Simulation,
//!     Timestamp, WireError,
//! };
//!
//! let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
//! let mut sim = Simulation::new(Default::default(), start);
//! let id = InstanceId::new("rm-demo").unwrap();
//! sim.create_instance(InstanceSpec::new(id, Engine::MySql), start).unwrap();
//!
//! // CB-A1: the first request starts a job.
//! let request = CreateBackupRequest::for_instance("rm-demo");
//! let job = sim.create_backup(&request, start).unwrap();
//! assert_eq!(job.to_string(), "100001");
//!
//! // CB-16: a second one while the job runs (600 s by default) is refused.
//! let later = Timestamp::parse_rfc3339("2026-03-01T00:05:00Z").unwrap();
//! let refused = sim.create_backup(&request, later).unwrap_err();
//! assert!(matches!(refused, CreateBackupError::JobExists { .. }));
//! let row = refused.error_code().spec();
//! assert_eq!((row.code, row.status), ("BackupJobExists", 400));
//! assert_eq!(row.message, "A backup job already exists in the specified DB instance.");
//! ```
//!
//! # Typed requests and answers (feature `scenario`)
//!
//! What `replay` and the emulator send: a typed `scenario::ApiRequest` (its action and wire
//! parameters) in, a structured `scenario::Answer` (status, `RequestId`, body) out, rendered
//! as the real API would send it.
//!
//! ```
//! # #[cfg(feature = "scenario")] {
//! use rds_backup_sim::ops::{ApiAction, ApiParam};
//! use rds_backup_sim::scenario::{ApiRequest, Body, Scenario};
//!
//! let mut scenario = Scenario::new();
//! scenario.apply_line(br#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-demo","Engine":"MySQL"}"#);
//! let create = ApiRequest::new(ApiAction::CreateBackup).with(ApiParam::DBInstanceId, "rm-demo");
//! let now = scenario.simulation().clock();
//! let answer = scenario.call(&create, now, None);
//! assert_eq!(answer.http_status, 200);
//! assert!(matches!(answer.body, Body::Created(job) if job.to_string() == "100001"));
//! assert!(answer.to_line().starts_with(r#"{"HttpStatus":200,"BackupJobId":"100001","RequestId":""#));
//!
//! let again = scenario.call(&create, now, None);
//! assert_eq!(again.http_status, 400);
//! assert_eq!(again.body_json()["Code"], "BackupJobExists");
//! # }
//! ```
//!
//! # Large fleets in memory
//!
//! From about 10⁵ instances in one [`Simulation`], a request's time is mostly memory: the
//! id table's slot, the instance (one 64-byte line), its backup state (one more, once it
//! has backed up) and the blocks of its history and quota.
//! [`Simulation::create_backups`] overlaps those misses for many requests at once, with
//! the answers one call per request would give. Transparent huge pages take a quarter to
//! two fifths off each request at 10⁶ instances, and keep it steady on a busy machine
//! (`docs/performance.md`, issue 12): the `rds-backup-sim` program gets them from its
//! allocator (mimalloc); a program on glibc's allocator can ask for them with
//! `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// docs.rs builds with `--cfg docsrs` and marks the items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod authz;
pub mod error;
pub mod faults;
pub mod fleet;
mod id_table;
pub mod ids;
pub mod instance;
pub mod instances;
pub mod job;
pub mod ops;
pub mod policy;
pub mod quota;
#[cfg(feature = "scenario")]
#[cfg_attr(docsrs, doc(cfg(feature = "scenario")))]
pub mod scenario;
pub mod settings;
pub mod simulation;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod testing;
pub mod time;
pub mod vocab;

pub use error::{ErrorCode, ErrorSpec, WireError};
pub use ids::{BackupId, BackupJobId, InstanceId, RequestId};
pub use instance::{
    Database, History, HistoryIter, Instance, InstanceChanges, InstanceSpec, InvalidField,
};
pub use job::{ActiveJob, JobRecord};
pub use ops::backup_policy::{BackupPolicyError, ModifyBackupPolicyRequest, PolicyView};
pub use ops::controls::SimError;
pub use ops::create_backup::{CreateBackupError, CreateBackupRequest};
pub use ops::delete_backup::{DeleteBackupError, DeleteBackupRequest};
pub use ops::describe_backup_tasks::{
    DescribeBackupTasksError, DescribeBackupTasksRequest, JobView,
};
pub use ops::describe_backups::{BackupsPage, DescribeBackupsError, DescribeBackupsRequest};
pub use ops::describe_db_instances::{
    DbInstancesPage, DescribeDbInstancesError, DescribeDbInstancesRequest, TagsFilter,
};
pub use ops::describe_instance::DescribeInstanceError;
pub use policy::BackupPolicy;
pub use settings::{Settings, SettingsChange, UtcOffset};
pub use simulation::{Scope, Simulation, TimeWentBackwards};
pub use time::Timestamp;
pub use vocab::{
    BackupMethod, BackupMode, BackupStrategy, BackupType, Category, DbStatus, Engine, Initiator,
    InstanceKind, InstanceStatus, JobStatus, LockMode, QuotaWindow, SetStatus, StorageType,
};
