//! `CreateBackup`: checks CB-1 … CB-17 in the spec's order, then effects CB-A1 … CB-A3.
//!
//! Every check runs before anything changes; a refused request leaves the domain state as
//! it was (settling the instance to `now` is not a change of the request's: T-4).

use std::borrow::Cow;

use compact_str::CompactString;

use super::{owned, present};
use crate::error::{ErrorCode, WireError};
use crate::faults::RequestFault;
use crate::ids::BackupJobId;
use crate::instance::Instance;
use crate::quota::QuotaExceeded;
use crate::simulation::{
    sql_server_auto_type, start_job, NewJob, Scope, Simulation, TimeWentBackwards,
};
use crate::time::Timestamp;
use crate::vocab::{
    BackupMethod, BackupMode, BackupStrategy, BackupType, Engine, InstanceStatus, LockMode,
    RequestedBackupType, StorageType,
};

/// A `CreateBackup` request as it arrives: every parameter a wire string; empty counts as absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CreateBackupRequest<'a> {
    /// `DBInstanceId` (required).
    pub db_instance_id: Option<&'a str>,
    /// `DBName`: comma-separated database names.
    pub db_name: Option<&'a str>,
    /// `BackupStrategy`: `db` or `instance`.
    pub backup_strategy: Option<&'a str>,
    /// `BackupMethod`: `Logical`, `Physical` (default) or `Snapshot`.
    pub backup_method: Option<&'a str>,
    /// `BackupType`: `Auto` (default) or `FullBackup`.
    pub backup_type: Option<&'a str>,
}

impl<'a> CreateBackupRequest<'a> {
    /// A request for `id` with every other parameter absent.
    pub fn for_instance(id: &'a str) -> Self {
        CreateBackupRequest {
            db_instance_id: Some(id),
            ..Self::default()
        }
    }
}

/// Why `CreateBackup` was refused. Each variant names the rule that fires it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreateBackupError {
    /// T-1: `now` is earlier than the clock.
    #[error(transparent)]
    TimeWentBackwards(#[from] TimeWentBackwards),
    /// CB-1: `DBInstanceId` is absent.
    #[error("CB-1: DBInstanceId is required")]
    MissingInstanceId,
    /// CB-2: `BackupMethod` is not one of `Logical`, `Physical`, `Snapshot`.
    #[error("CB-2: BackupMethod {value:?} is not Logical, Physical or Snapshot")]
    InvalidMethod {
        /// The value given.
        value: String,
    },
    /// CB-3: `BackupType` is not `Auto` or `FullBackup`.
    #[error("CB-3: BackupType {value:?} is not Auto or FullBackup")]
    InvalidType {
        /// The value given.
        value: String,
    },
    /// CB-4: `BackupStrategy` is not `db` or `instance`.
    #[error("CB-4: BackupStrategy {value:?} is not db or instance")]
    InvalidStrategy {
        /// The value given.
        value: String,
    },
    /// CB-5: a name in `DBName` breaks the parameter's format.
    #[error("CB-5: DBName element {name:?} is not 1-16 of a-z, 0-9 and _ starting with a letter")]
    InvalidDbName {
        /// The offending element.
        name: String,
    },
    /// CB-6: no such instance.
    #[error("CB-6: instance {id:?} does not exist")]
    InstanceNotFound {
        /// The id given (inline up to 24 bytes: refusing an unknown id allocates nothing).
        id: CompactString,
    },
    /// CB-7: the instance is read-only.
    #[error("CB-7: the instance is read-only")]
    ReadOnlyInstance,
    /// CB-8: the instance is temporary.
    #[error("CB-8: the instance is temporary")]
    TemporaryInstance,
    /// CB-9: the instance is not `Running`.
    #[error("CB-9: the instance is {status}, not Running")]
    NotRunning {
        /// Its status.
        status: InstanceStatus,
    },
    /// CB-10: the instance is locked.
    #[error("CB-10: the instance is locked ({lock})")]
    Locked {
        /// Its lock mode.
        lock: LockMode,
    },
    /// CB-11: the engine and storage do not support the method.
    #[error("CB-11: {engine} on {storage} does not support {method} backups")]
    MethodNotSupported {
        /// The engine.
        engine: Engine,
        /// The storage.
        storage: StorageType,
        /// The method requested.
        method: BackupMethod,
    },
    /// CB-12: `Logical` on an instance without a `Running` database.
    #[error("CB-12: a logical backup needs a Running database")]
    LogicalWithoutDatabase,
    /// CB-13: SQL Server single-database physical backups must be `FullBackup`.
    #[error("CB-13: SQL Server single-database backups are full only")]
    SqlServerDbBackupNotFull,
    /// CB-14: `BackupStrategy=db` takes effect but `DBName` is absent.
    #[error("CB-14: BackupStrategy=db needs DBName")]
    MissingDbName,
    /// CB-15: a named database does not exist or is not `Running`.
    #[error("CB-15: database {name:?} does not exist or is not Running")]
    DatabaseNotFound {
        /// The first such name.
        name: String,
    },
    /// CB-16: the instance has an active job.
    #[error("CB-16: job {job} is active on the instance")]
    JobExists {
        /// The active job.
        job: BackupJobId,
    },
    /// CB-17: the quota window is full.
    #[error("CB-17: {} of {} manual backups used in the quota window", .0.used, .0.limit)]
    QuotaExceeded(QuotaExceeded),
    /// An injected fault answered instead of the rules (the fleet's `[faults]` rates:
    /// docs/simulate.md, "Faults"); never returned by [`crate::Simulation::create_backup`].
    #[error("injected fault: {} answered", .0.kind())]
    Injected(RequestFault),
}

impl CreateBackupError {
    /// Every row `CreateBackup` answers with, in the order of its checks (CB-1 … CB-17;
    /// T-1's `Sim.TimeWentBackwards` aside). Rows shared by several checks appear once.
    pub const CODES: &'static [ErrorCode] = &[
        ErrorCode::RequiredParamNotFound,
        ErrorCode::InvalidBackupMethod,
        ErrorCode::BackupTypeNotSupport,
        ErrorCode::ParametersInvalid,
        ErrorCode::InvalidDbNameFormat,
        ErrorCode::CreateBackupInstanceNotFound,
        ErrorCode::ReadOnlyInstance,
        ErrorCode::IncorrectInstanceType,
        ErrorCode::IncorrectInstanceState,
        ErrorCode::IncorrectLockMode,
        ErrorCode::DatabaseNotFound,
        ErrorCode::BackupJobExists,
        ErrorCode::ExceededBackupTimes,
    ];

    /// The rows an injected request fault answers with ([`CreateBackupError::Injected`]),
    /// in the order of [`RequestFault::ALL`].
    pub const FAULT_CODES: &'static [ErrorCode] = &[
        RequestFault::Throttling.error_code(),
        RequestFault::ServiceUnavailable.error_code(),
        RequestFault::InternalError.error_code(),
    ];
}

impl WireError for CreateBackupError {
    fn error_code(&self) -> ErrorCode {
        match self {
            CreateBackupError::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            CreateBackupError::MissingInstanceId => ErrorCode::RequiredParamNotFound,
            CreateBackupError::InvalidMethod { .. } => ErrorCode::InvalidBackupMethod,
            CreateBackupError::InvalidType { .. } => ErrorCode::BackupTypeNotSupport,
            CreateBackupError::InvalidStrategy { .. } => ErrorCode::ParametersInvalid,
            CreateBackupError::InvalidDbName { .. } => ErrorCode::InvalidDbNameFormat,
            CreateBackupError::InstanceNotFound { .. } => ErrorCode::CreateBackupInstanceNotFound,
            CreateBackupError::ReadOnlyInstance => ErrorCode::ReadOnlyInstance,
            CreateBackupError::TemporaryInstance => ErrorCode::IncorrectInstanceType,
            CreateBackupError::NotRunning { .. } => ErrorCode::IncorrectInstanceState,
            CreateBackupError::Locked { .. } => ErrorCode::IncorrectLockMode,
            CreateBackupError::MethodNotSupported { .. } => ErrorCode::InvalidBackupMethod,
            CreateBackupError::LogicalWithoutDatabase => ErrorCode::InvalidBackupMethod,
            CreateBackupError::SqlServerDbBackupNotFull => ErrorCode::BackupTypeNotSupport,
            CreateBackupError::MissingDbName => ErrorCode::RequiredParamNotFound,
            CreateBackupError::DatabaseNotFound { .. } => ErrorCode::DatabaseNotFound,
            CreateBackupError::JobExists { .. } => ErrorCode::BackupJobExists,
            CreateBackupError::QuotaExceeded(_) => ErrorCode::ExceededBackupTimes,
            CreateBackupError::Injected(fault) => fault.error_code(),
        }
    }

    fn message(&self) -> Cow<'static, str> {
        match self {
            CreateBackupError::TimeWentBackwards(e) => Cow::Owned(e.to_string()),
            _ => Cow::Borrowed(self.error_code().spec().message),
        }
    }
}

/// The request after CB-1 … CB-5: typed, still to be checked against the instance.
#[derive(Clone, Copy, Debug)]
struct Parsed<'a> {
    id: &'a str,
    method: BackupMethod,
    requested_type: RequestedBackupType,
    strategy: Option<BackupStrategy>,
    db_names: Option<&'a str>,
}

/// CB-5: 1–16 characters of `[a-z0-9_]`, starting with a letter, ending with a letter or digit.
pub fn is_valid_db_name_parameter(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=16).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// CB-1 … CB-5: the request's own syntax. Always inlined: returned through memory, its
/// result cost a store-forwarding stall per call (docs/performance.md, issue 12).
#[inline(always)]
fn parse<'a>(request: &CreateBackupRequest<'a>) -> Result<Parsed<'a>, CreateBackupError> {
    // `let … else`, not `ok_or`: an eager error value is built and dropped on every call.
    let Some(id) = present(request.db_instance_id) else {
        return Err(CreateBackupError::MissingInstanceId);
    };
    let method = match present(request.backup_method) {
        None => BackupMethod::Physical,
        Some(v) => BackupMethod::from_wire(v)
            .ok_or_else(|| CreateBackupError::InvalidMethod { value: owned(v) })?,
    };
    let requested_type = match present(request.backup_type) {
        None => RequestedBackupType::Auto,
        Some(v) => RequestedBackupType::from_wire(v)
            .ok_or_else(|| CreateBackupError::InvalidType { value: owned(v) })?,
    };
    let strategy = match present(request.backup_strategy) {
        None => None,
        Some(v) => Some(
            BackupStrategy::from_wire(v)
                .ok_or_else(|| CreateBackupError::InvalidStrategy { value: owned(v) })?,
        ),
    };
    let db_names = present(request.db_name);
    if let Some(names) = db_names {
        if let Some(bad) = names.split(',').find(|n| !is_valid_db_name_parameter(n)) {
            return Err(CreateBackupError::InvalidDbName { name: owned(bad) });
        }
    }
    Ok(Parsed {
        id,
        method,
        requested_type,
        strategy,
        db_names,
    })
}

/// CB-11's table: whether the engine on the storage supports the method, and the method
/// the set records (`Physical` on PostgreSQL cloud disks and on MariaDB is a snapshot).
#[inline(always)]
pub fn method_support(
    engine: Engine,
    storage: StorageType,
    method: BackupMethod,
) -> Option<BackupMethod> {
    use BackupMethod::{Logical, Physical, Snapshot};
    let cloud = storage.is_cloud_disk();
    match (engine, cloud, method) {
        (Engine::MySql, false, Logical | Physical) => Some(method),
        (Engine::MySql, false, Snapshot) => None,
        (Engine::MySql, true, Snapshot) => Some(Snapshot),
        (Engine::MySql, true, Logical | Physical) => None,
        (Engine::PostgreSql, false, Physical) => Some(Physical),
        (Engine::PostgreSql, false, Logical | Snapshot) => None,
        (Engine::PostgreSql, true, Physical | Snapshot) => Some(Snapshot),
        (Engine::PostgreSql, true, Logical) => None,
        (Engine::SqlServer, false, Physical) => Some(Physical),
        (Engine::SqlServer, false, Logical | Snapshot) => None,
        (Engine::SqlServer, true, Physical | Snapshot) => Some(method),
        (Engine::SqlServer, true, Logical) => None,
        (Engine::MariaDb, true, Physical) => Some(Snapshot),
        (Engine::MariaDb, true, Logical | Snapshot) => None,
        (Engine::MariaDb, false, _) => None,
    }
}

/// Whether `BackupStrategy=db` takes effect: MySQL `Logical`, SQL Server `Physical`.
fn db_strategy_applies(engine: Engine, method: BackupMethod) -> bool {
    matches!(
        (engine, method),
        (Engine::MySql, BackupMethod::Logical) | (Engine::SqlServer, BackupMethod::Physical)
    )
}

/// A decision that passed every check: what the job will record.
#[derive(Clone, Copy, Debug)]
struct Decision {
    method: BackupMethod,
    backup_type: BackupType,
}

/// CB-7 … CB-17 against the instance settled to `now`; CB-A3 for the type. Always
/// inlined into its one caller: as a call, its result went through memory twice.
#[inline(always)]
fn decide(
    parsed: &Parsed<'_>,
    instance: &Instance,
    settings: &crate::Settings,
    now: Timestamp,
) -> Result<Decision, CreateBackupError> {
    use crate::vocab::InstanceKind;
    if instance.kind == InstanceKind::Readonly {
        return Err(CreateBackupError::ReadOnlyInstance);
    }
    if instance.kind == InstanceKind::Temp {
        return Err(CreateBackupError::TemporaryInstance);
    }
    if instance.status != InstanceStatus::Running {
        return Err(CreateBackupError::NotRunning {
            status: instance.status,
        });
    }
    if instance.lock != LockMode::Unlock {
        return Err(CreateBackupError::Locked {
            lock: instance.lock,
        });
    }
    let (engine, storage) = (instance.engine, instance.storage);
    let recorded = method_support(engine, storage, parsed.method).ok_or_else(|| {
        CreateBackupError::MethodNotSupported {
            engine,
            storage,
            method: parsed.method,
        }
    })?;
    if parsed.method == BackupMethod::Logical
        && !instance
            .databases()
            .iter()
            .any(|d| d.status == crate::vocab::DbStatus::Running)
    {
        return Err(CreateBackupError::LogicalWithoutDatabase);
    }
    let db_strategy =
        parsed.strategy == Some(BackupStrategy::Db) && db_strategy_applies(engine, parsed.method);
    if db_strategy
        && engine == Engine::SqlServer
        && parsed.requested_type != RequestedBackupType::FullBackup
    {
        return Err(CreateBackupError::SqlServerDbBackupNotFull);
    }
    if db_strategy {
        let Some(names) = parsed.db_names else {
            return Err(CreateBackupError::MissingDbName);
        };
        if let Some(missing) = names.split(',').find(|n| !instance.has_running_database(n)) {
            return Err(CreateBackupError::DatabaseNotFound {
                name: owned(missing),
            });
        }
    }
    let state = instance.backup.get();
    if let Some(job) = &state.active_job {
        return Err(CreateBackupError::JobExists { job: job.id });
    }
    state
        .quota_allows(settings, now)
        .map_err(CreateBackupError::QuotaExceeded)?;
    let backup_type = match (engine, parsed.method, parsed.requested_type) {
        (Engine::SqlServer, BackupMethod::Physical, RequestedBackupType::Auto) => {
            sql_server_auto_type(instance, now)
        }
        _ => BackupType::FullBackup,
    };
    Ok(Decision {
        method: recorded,
        backup_type,
    })
}

impl Simulation {
    /// `CreateBackup` at `now`: moves the clock to `now` (T-1, T-4), runs checks CB-1 …
    /// CB-17 in order and, when all pass, starts a manual job (CB-A1), consumes one unit
    /// of quota (CB-A2) and resolves the type (CB-A3). A refused request changes nothing.
    ///
    /// ```
    /// use rds_backup_sim::{CreateBackupRequest, Engine, InstanceId, InstanceSpec, Simulation, Timestamp};
    /// let mut sim = Simulation::default();
    /// let now = sim.clock();
    /// let id = InstanceId::new("rm-1").unwrap();
    /// sim.create_instance(InstanceSpec::new(id, Engine::MySql), now).unwrap();
    /// let job = sim.create_backup(&CreateBackupRequest::for_instance("rm-1"), now).unwrap();
    /// assert_eq!(job.to_string(), "100001");
    /// ```
    pub fn create_backup(
        &mut self,
        request: &CreateBackupRequest<'_>,
        now: Timestamp,
    ) -> Result<BackupJobId, CreateBackupError> {
        self.create_backup_for(Scope::AllAccounts, request, now)
    }

    /// [`Self::create_backup`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    #[inline(always)]
    pub fn create_backup_for(
        &mut self,
        scope: Scope<'_>,
        request: &CreateBackupRequest<'_>,
        now: Timestamp,
    ) -> Result<BackupJobId, CreateBackupError> {
        self.advance_to(now)?;
        let parsed = parse(request)?;
        let position = self
            .instances
            .position(parsed.id)
            .filter(|&at| scope.sees(self.instances.at(at)));
        self.create_backup_at(&parsed, position, now)
    }

    /// From how many instances [`Self::create_backups`] warms a run's memory before
    /// deciding it: below, the table and the instances stay in the caches and the warming
    /// passes only add work (at 1e3 instances they made a batched accept 52 → 64 ns), so
    /// requests are decided one after another as single calls are.
    pub const BATCH_WARM_FROM: usize = 8_192;

    /// `CreateBackup` for each of `requests` at `now`, in order, for a caller who sees every
    /// instance: `answers` receives (after what it held) exactly what one
    /// [`Self::create_backup`] call per request, in the same order, would have returned.
    ///
    /// Built for callers with many requests at once: with [`Self::BATCH_WARM_FROM`]
    /// instances or more, for a run of 16 requests, the table
    /// slots of their ids are read first, then their instances, then their backup states,
    /// then the history block a decision writes to, each pass issuing loads that do not depend
    /// on each other so that their memory misses overlap; only then are they decided in
    /// order. Nothing else differs: the decisions, the ids and the state are those of
    /// single calls.
    ///
    /// ```
    /// use rds_backup_sim::{CreateBackupError, CreateBackupRequest, Engine, InstanceId, InstanceSpec, Simulation};
    /// let mut sim = Simulation::default();
    /// let now = sim.clock();
    /// sim.create_instance(InstanceSpec::new(InstanceId::new("rm-1").unwrap(), Engine::MySql), now).unwrap();
    /// let request = CreateBackupRequest::for_instance("rm-1");
    /// let mut answers = Vec::new();
    /// sim.create_backups(&[request, request], now, &mut answers);
    /// assert_eq!(answers[0].as_ref().unwrap().to_string(), "100001");
    /// assert!(matches!(answers[1], Err(CreateBackupError::JobExists { .. })));
    /// ```
    pub fn create_backups(
        &mut self,
        requests: &[CreateBackupRequest<'_>],
        now: Timestamp,
        answers: &mut Vec<Result<BackupJobId, CreateBackupError>>,
    ) {
        /// Requests looked up together: enough lookups in flight to overlap their misses,
        /// few enough that their instances stay in the first-level cache until decided.
        const RUN: usize = 16;
        if requests.is_empty() {
            // No call: the clock stays where it is.
            return;
        }
        answers.reserve(requests.len());
        if let Err(backwards) = self.advance_to(now) {
            // T-1: every call would be refused alike, and none moves the clock.
            answers.extend(requests.iter().map(|_| Err(backwards.into())));
            return;
        }
        if self.instances.len() < Self::BATCH_WARM_FROM {
            for request in requests {
                let answer = parse(request).and_then(|parsed| {
                    let position = self.instances.position(parsed.id);
                    self.create_backup_at(&parsed, position, now)
                });
                answers.push(answer);
            }
            return;
        }
        for run in requests.chunks(RUN) {
            // Four passes over the run, each issuing loads that do not depend on one
            // another, so that their memory misses overlap: the table's slots, then the
            // instances (the id comparison reads each one's line), then their backup
            // states (the quota's summary is there), then the history block an ended job's
            // record is appended to.
            let mut keys = [None; RUN];
            for (key, request) in keys.iter_mut().zip(run) {
                *key = present(request.db_instance_id).map(|id| (id, self.instances.warm(id)));
            }
            let mut found = [None; RUN];
            for (slot, key) in found.iter_mut().zip(keys) {
                *slot = key.and_then(|(id, hash)| self.instances.position_hashed(id, hash));
            }
            for &at in found.iter().flatten() {
                self.instances.at(at).warm_backup_state();
            }
            for &at in found.iter().flatten() {
                self.instances.at(at).warm_backup_blocks();
            }
            for (request, position) in run.iter().zip(found) {
                let answer =
                    parse(request).and_then(|parsed| self.create_backup_at(&parsed, position, now));
                answers.push(answer);
            }
        }
    }

    /// CB-6 … CB-17 and the effects, for a parsed request whose instance (visible to the
    /// caller) is at `position`, at `now` (the clock already there).
    #[inline(always)]
    fn create_backup_at(
        &mut self,
        parsed: &Parsed<'_>,
        position: Option<usize>,
        now: Timestamp,
    ) -> Result<BackupJobId, CreateBackupError> {
        let Some(at) = position else {
            return Err(CreateBackupError::InstanceNotFound {
                id: CompactString::new(crate::vocab::clip(parsed.id)),
            });
        };
        let instance = self.instances.at_mut(at);
        crate::simulation::settle(
            instance,
            &mut self.ids,
            &self.settings,
            &mut self.faults,
            now,
        );
        let decision = decide(parsed, instance, &self.settings, now)?;
        let job = start_job(
            instance,
            &mut self.ids,
            &self.settings,
            &mut self.faults,
            NewJob {
                mode: BackupMode::Manual,
                method: decision.method,
                backup_type: decision.backup_type,
            },
            now,
        );
        debug_assert_eq!(
            crate::simulation::instance_invariants(instance, &self.ids),
            Ok(())
        );
        Ok(job)
    }
}
