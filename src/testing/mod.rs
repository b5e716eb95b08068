//! **Unstable** test helpers: [`proptest`](mod@proptest) strategies for instances, `CreateBackup` requests
//! and whole scenarios, so that users can property-test their own code against the
//! simulator. Behind the cargo feature `proptest`; not covered by semver: names and the
//! distributions they draw from may change in any release.
//!
//! Every function returns a plain `impl Strategy`. Requests come as [`CreateBackupParams`],
//! which owns its wire strings and lends a [`CreateBackupRequest`] or renders a scenario
//! line.
//!
//! ```
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//! use rds_backup_sim::testing::{backupable_instance_spec, valid_create_backup};
//! use rds_backup_sim::{InstanceId, Simulation};
//!
//! let mut runner = TestRunner::default();
//! let id = InstanceId::new("rm-doc").unwrap();
//! let strategy = backupable_instance_spec(id)
//!     .prop_flat_map(|spec| (Just(spec.clone()), valid_create_backup(&spec)));
//! runner
//!     .run(&strategy, |(spec, params)| {
//!         let mut sim = Simulation::default();
//!         let now = sim.clock();
//!         sim.create_instance(spec, now).unwrap();
//!         // A valid request on a fresh, backup-able instance is accepted.
//!         prop_assert!(sim.create_backup(&params.request(), now).is_ok());
//!         Ok(())
//!     })
//!     .unwrap();
//! ```

use proptest::prelude::*;
use proptest::sample::select;

use crate::error::ErrorCode;
use crate::ids::InstanceId;
use crate::instance::{Database, InstanceSpec};
use crate::ops::create_backup::{method_support, CreateBackupRequest};
use crate::policy::BackupPolicy;
use crate::vocab::{
    BackupMethod, Category, DbStatus, Engine, InstanceKind, InstanceStatus, LockMode, StorageType,
    Weekday, WireEnum,
};

/// Any value of a closed wire vocabulary (engine, status, lock mode, …), uniformly.
pub fn wire<T: WireEnum + std::fmt::Debug>() -> impl Strategy<Value = T> {
    select(T::ALL)
}

/// Database names an instance may hold. Most also pass `CreateBackup`'s stricter `DBName`
/// format (CB-5); `sales-eu` and the 17-character one exist but cannot be named there.
pub const DATABASE_NAMES: &[&str] = &[
    "db1",
    "db2",
    "orders",
    "sales_eu",
    "sales-eu",
    "abcdefghijklmnopq",
];

/// A list of distinct databases with any `DBStatus`, mostly `Running`.
pub fn databases() -> impl Strategy<Value = Vec<Database>> {
    proptest::sample::subsequence(DATABASE_NAMES, 0..=4).prop_flat_map(|names| {
        let n = names.len();
        proptest::collection::vec(
            prop_oneof![3 => Just(DbStatus::Running), 1 => wire::<DbStatus>()],
            n,
        )
        .prop_map(move |statuses| {
            names
                .iter()
                .zip(statuses)
                .map(|(name, status)| Database {
                    name: (*name).into(),
                    status,
                })
                .collect()
        })
    })
}

/// A backup policy: a window starting on a whole quarter hour, on one to seven days.
pub fn backup_policy() -> impl Strategy<Value = BackupPolicy> {
    let days = proptest::sample::subsequence(Weekday::ALL, 1..=7);
    (0u16..96, 1u16..8, days).prop_filter_map("window ends by 23:59", |(start, len, days)| {
        let (start, end) = (start * 15, start * 15 + len * 15);
        (end < 24 * 60).then_some(())?;
        let time = format!(
            "{:02}:{:02}Z-{:02}:{:02}Z",
            start / 60,
            start % 60,
            end / 60,
            end % 60
        );
        let days: Vec<&str> = days.into_iter().map(Weekday::as_str).collect();
        BackupPolicy::parse(&time, &days.join(","), 1).ok()
    })
}

/// The storage types `engine` can run on (MariaDB: cloud disks only).
fn storage_for(engine: Engine) -> impl Strategy<Value = StorageType> {
    let cloud: &'static [StorageType] = &StorageType::ALL[1..];
    match engine {
        Engine::MariaDb => select(cloud).boxed(),
        Engine::MySql | Engine::PostgreSql | Engine::SqlServer => wire::<StorageType>().boxed(),
    }
}

/// An instance of any engine, storage, kind, status, lock mode and category, with any
/// databases, an optional duration and an optional policy. `Sim.CreateInstance` accepts it.
pub fn instance_spec(id: InstanceId) -> impl Strategy<Value = InstanceSpec> {
    wire::<Engine>().prop_flat_map(move |engine| {
        (
            storage_for(engine),
            prop_oneof![3 => Just(InstanceKind::Primary), 1 => wire::<InstanceKind>()],
            prop_oneof![3 => Just(InstanceStatus::Running), 1 => wire::<InstanceStatus>()],
            prop_oneof![3 => Just(LockMode::Unlock), 1 => wire::<LockMode>()],
            prop_oneof![3 => Just(Category::HighAvailability), 1 => wire::<Category>()],
            databases(),
            proptest::option::of(select(&[60u32, 600, 3_600, 90_000][..])),
            proptest::option::weighted(0.3, backup_policy()),
        )
            .prop_map({
                let id = id.clone();
                move |(storage, kind, status, lock, category, databases, duration, policy)| {
                    let mut spec = InstanceSpec::new(id.clone(), engine);
                    spec.storage = Some(storage);
                    spec.kind = kind;
                    spec.status = status;
                    spec.lock = lock;
                    spec.category = category;
                    spec.databases = databases;
                    spec.backup_duration_seconds = duration;
                    spec.policy = policy;
                    spec
                }
            })
    })
}

/// An instance that can take a manual backup: `Primary`, `Running`, `Unlock` (CB-7 to CB-10).
pub fn backupable_instance_spec(id: InstanceId) -> impl Strategy<Value = InstanceSpec> {
    instance_spec(id).prop_map(|mut spec| {
        spec.kind = InstanceKind::Primary;
        spec.status = InstanceStatus::Running;
        spec.lock = LockMode::Unlock;
        spec
    })
}

/// A `CreateBackup` request that owns its wire strings (`None` = parameter absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateBackupParams {
    /// `DBInstanceId`.
    pub db_instance_id: Option<String>,
    /// `DBName`.
    pub db_name: Option<String>,
    /// `BackupStrategy`.
    pub backup_strategy: Option<String>,
    /// `BackupMethod`.
    pub backup_method: Option<String>,
    /// `BackupType`.
    pub backup_type: Option<String>,
}

impl CreateBackupParams {
    /// The borrowed request the library takes.
    pub fn request(&self) -> CreateBackupRequest<'_> {
        CreateBackupRequest {
            db_instance_id: self.db_instance_id.as_deref(),
            db_name: self.db_name.as_deref(),
            backup_strategy: self.backup_strategy.as_deref(),
            backup_method: self.backup_method.as_deref(),
            backup_type: self.backup_type.as_deref(),
        }
    }

    /// The parameters as `(name, value)` pairs, absent ones left out.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("DBInstanceId", &self.db_instance_id),
            ("DBName", &self.db_name),
            ("BackupStrategy", &self.backup_strategy),
            ("BackupMethod", &self.backup_method),
            ("BackupType", &self.backup_type),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect()
    }

    /// The scenario line `{"Action":"CreateBackup",…}`.
    pub fn to_line(&self) -> String {
        let mut line = String::from("{\"Action\":\"CreateBackup\"");
        for (name, value) in self.pairs() {
            line.push_str(&format!(",{}:{}", quote(name), quote(value)));
        }
        line.push('}');
        line
    }
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An optional wire string: absent, empty (counts as absent), or one of `values`.
fn param(values: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(String::new())),
        6 => select(values).prop_map(|v| Some(v.to_owned())),
    ]
}

/// `CreateBackup` requests for the instances `ids` with any mix of valid and invalid wire
/// strings in every parameter: what a careless or hostile client sends.
pub fn create_backup_params(ids: Vec<String>) -> impl Strategy<Value = CreateBackupParams> {
    let id = if ids.is_empty() {
        Just(Some("rm-unknown".to_owned())).boxed()
    } else {
        prop_oneof![
            8 => select(ids).prop_map(Some),
            1 => Just(None),
            1 => Just(Some("rm-unknown".to_owned())),
        ]
        .boxed()
    };
    (
        id,
        param(&[
            "db1",
            "db2",
            "orders",
            "db1,db2",
            "db1,orders",
            "sales_eu",
            "sales-eu",
            "Db1",
            "db1,",
            "abcdefghijklmnopq",
            "missing",
        ]),
        param(&["db", "instance", "DB", "table"]),
        param(&["Logical", "Physical", "Snapshot", "physical", "Incremental"]),
        param(&["Auto", "FullBackup", "auto", "IncrementalBackup"]),
    )
        .prop_map(
            |(id, db_name, strategy, method, backup_type)| CreateBackupParams {
                db_instance_id: id,
                db_name,
                backup_strategy: strategy,
                backup_method: method,
                backup_type,
            },
        )
}

/// A request that passes every check about the request and the instance (CB-1 to CB-15)
/// for an instance built from `spec`, if the instance is backup-able (CB-7 to CB-10). It may
/// still meet an active job (CB-16) or a full quota (CB-17).
pub fn valid_create_backup(spec: &InstanceSpec) -> impl Strategy<Value = CreateBackupParams> {
    let id = spec.id.as_str().to_owned();
    let engine = spec.engine;
    let storage = spec.storage.unwrap_or(engine.default_storage());
    let running: Vec<String> = spec
        .databases
        .iter()
        .filter(|d| {
            d.status == DbStatus::Running
                && crate::ops::create_backup::is_valid_db_name_parameter(&d.name)
        })
        .map(|d| d.name.to_string())
        .collect();
    let any_running = spec.databases.iter().any(|d| d.status == DbStatus::Running);
    let methods: Vec<BackupMethod> = BackupMethod::ALL
        .iter()
        .copied()
        .filter(|m| method_support(engine, storage, *m).is_some())
        .filter(|m| *m != BackupMethod::Logical || any_running)
        .collect();
    // Every engine on every storage supports at least one method (table of CB-11).
    select(methods).prop_flat_map(move |method| {
        let db_capable = matches!(
            (engine, method),
            (Engine::MySql, BackupMethod::Logical) | (Engine::SqlServer, BackupMethod::Physical)
        ) && !running.is_empty();
        let strategy = if db_capable {
            prop_oneof![Just(None), Just(Some("instance")), Just(Some("db"))].boxed()
        } else {
            prop_oneof![Just(None), Just(Some("instance"))].boxed()
        };
        let running = running.clone();
        let id = id.clone();
        let names = if running.is_empty() {
            Just(Vec::new()).boxed()
        } else {
            proptest::sample::subsequence(running.clone(), 1..=running.len()).boxed()
        };
        (
            strategy,
            names,
            prop_oneof![Just(None), Just(Some("Auto")), Just(Some("FullBackup"))],
        )
            .prop_map(move |(strategy, names, backup_type)| {
                let db = strategy == Some("db");
                let backup_type = if db && engine == Engine::SqlServer {
                    Some("FullBackup")
                } else {
                    backup_type
                };
                CreateBackupParams {
                    db_instance_id: Some(id.clone()),
                    db_name: (db && !names.is_empty()).then(|| names.join(",")),
                    backup_strategy: strategy.map(str::to_owned),
                    backup_method: Some(method.as_str().to_owned()),
                    backup_type: backup_type.map(str::to_owned),
                }
            })
    })
}

/// A request for the instance `id` that breaks the request's own syntax (CB-1 to CB-5),
/// with the error it must get whatever the instance.
pub fn invalid_create_backup(id: &str) -> impl Strategy<Value = (CreateBackupParams, ErrorCode)> {
    let id = id.to_owned();
    let base = CreateBackupParams {
        db_instance_id: Some(id),
        ..CreateBackupParams::default()
    };
    let with = move |f: fn(&mut CreateBackupParams, String), values: &'static [&'static str]| {
        let base = base.clone();
        select(values).prop_map(move |v| {
            let mut p = base.clone();
            f(&mut p, v.to_owned());
            p
        })
    };
    prop_oneof![
        with(|p, _| p.db_instance_id = None, &[""])
            .prop_map(|p| (p, ErrorCode::RequiredParamNotFound)),
        with(
            |p, v| p.backup_method = Some(v),
            &["physical", "LOGICAL", "Incremental", " Physical"]
        )
        .prop_map(|p| (p, ErrorCode::InvalidBackupMethod)),
        with(
            |p, v| p.backup_type = Some(v),
            &["auto", "IncrementalBackup", "Full"]
        )
        .prop_map(|p| (p, ErrorCode::BackupTypeNotSupport)),
        with(
            |p, v| p.backup_strategy = Some(v),
            &["DB", "table", "Instance"]
        )
        .prop_map(|p| (p, ErrorCode::ParametersInvalid)),
        with(
            |p, v| p.db_name = Some(v),
            &[
                "Db1",
                "1db",
                "db_",
                "sales-eu",
                "db1,",
                ",db1",
                "abcdefghijklmnopq"
            ]
        )
        .prop_map(|p| (p, ErrorCode::InvalidDbNameFormat)),
    ]
}

/// The instance ids [`scenario_lines`] uses.
pub const SCENARIO_INSTANCE_IDS: &[&str] = &["rm-a", "rm-b", "rm-c"];

/// A whole scenario as scenario lines (scenario-format.md): a `Sim.Configure` first line
/// (seed, a small daily limit, either window, an offset), the instances of
/// [`SCENARIO_INSTANCE_IDS`], then `steps` lines mixing `CreateBackup` (valid and invalid),
/// the describe, delete and policy actions, time steps of seconds to more than a day,
/// failed jobs, instance and settings changes.
pub fn scenario_lines(steps: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    let ids: Vec<String> = SCENARIO_INSTANCE_IDS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let header = (
        any::<u64>(),
        select(&[0u32, 1, 2, 3, 20][..]),
        wire::<crate::vocab::QuotaWindow>(),
        select(&["+00:00", "+08:00", "-05:30"][..]),
    )
        .prop_map(|(seed, limit, window, offset)| {
            format!(
                "{{\"Action\":\"Sim.Configure\",\"Seed\":{seed},\"DailyBackupLimit\":{limit},\"QuotaWindow\":\"{}\",\"QuotaUtcOffset\":\"{offset}\"}}",
                window.as_str()
            )
        });
    let instances: Vec<_> = SCENARIO_INSTANCE_IDS
        .iter()
        .map(|id| {
            let id = InstanceId::new(id).unwrap_or_else(|| unreachable!("constant ids"));
            prop_oneof![2 => backupable_instance_spec(id.clone()), 1 => instance_spec(id)]
                .prop_map(|spec| instance_line(&spec))
        })
        .collect();
    (
        header,
        instances,
        proptest::collection::vec(scenario_step(ids), steps),
    )
        .prop_map(|(header, instances, steps)| {
            let mut lines = vec![header];
            lines.extend(instances);
            lines.extend(steps);
            lines
        })
}

/// The `Sim.CreateInstance` line of `spec`.
pub fn instance_line(spec: &InstanceSpec) -> String {
    let mut fields = vec![
        format!("\"DBInstanceId\":{}", quote(spec.id.as_str())),
        format!("\"Engine\":\"{}\"", spec.engine.as_str()),
        format!("\"DBInstanceType\":\"{}\"", spec.kind.as_str()),
        format!("\"DBInstanceStatus\":\"{}\"", spec.status.as_str()),
        format!("\"LockMode\":\"{}\"", spec.lock.as_str()),
        format!("\"Category\":\"{}\"", spec.category.as_str()),
    ];
    if let Some(storage) = spec.storage {
        fields.push(format!(
            "\"DBInstanceStorageType\":\"{}\"",
            storage.as_str()
        ));
    }
    fields.push(format!("\"Databases\":{}", databases_json(&spec.databases)));
    if let Some(seconds) = spec.backup_duration_seconds {
        fields.push(format!("\"BackupDurationSeconds\":{seconds}"));
    }
    if let Some(policy) = &spec.policy {
        fields.push(format!("\"BackupPolicy\":{}", policy_json(policy)));
    }
    format!("{{\"Action\":\"Sim.CreateInstance\",{}}}", fields.join(","))
}

/// `Databases` as the scenario format writes it.
pub fn databases_json(databases: &[Database]) -> String {
    let items: Vec<String> = databases
        .iter()
        .map(|d| {
            format!(
                "{{\"DBName\":{},\"DBStatus\":\"{}\"}}",
                quote(&d.name),
                d.status.as_str()
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// `BackupPolicy` as the scenario format writes it.
pub fn policy_json(policy: &BackupPolicy) -> String {
    format!(
        "{{\"PreferredBackupTime\":\"{}\",\"PreferredBackupPeriod\":\"{}\"}}",
        policy.time_text(),
        policy.period_text()
    )
}

/// One line of a scenario after its header: any action on the instances `ids`.
pub fn scenario_step(ids: Vec<String>) -> impl Strategy<Value = String> {
    let id = select(ids.clone());
    let id_line = |action: &'static str| {
        select(ids.clone()).prop_map(move |id| {
            format!(
                "{{\"Action\":\"{action}\",\"DBInstanceId\":{}}}",
                quote(&id)
            )
        })
    };
    prop_oneof![
        4 => create_backup_params(ids.clone()).prop_map(|p| p.to_line()),
        8 => (id.clone(), select(&[None, Some("Physical"), Some("Snapshot")][..])).prop_map(
            |(id, method)| CreateBackupParams {
                db_instance_id: Some(id),
                backup_method: method.map(str::to_owned),
                ..CreateBackupParams::default()
            }
            .to_line()
        ),
        4 => prop_oneof![
            0u64..=700,
            3_000u64..=11_000,
            80_000u64..=100_000,
        ]
        .prop_map(|s| format!("{{\"Action\":\"Sim.AdvanceTime\",\"Seconds\":{s}}}")),
        2 => id_line("Sim.FailBackupJob"),
        2 => id_line("DescribeBackupTasks"),
        2 => id_line("DescribeBackups"),
        1 => id_line("DescribeDBInstanceAttribute"),
        1 => id_line("DescribeBackupPolicy"),
        1 => (id.clone(), 300_001u64..300_020).prop_map(|(id, set)| format!(
            "{{\"Action\":\"DeleteBackup\",\"DBInstanceId\":{},\"BackupId\":\"{set}\"}}",
            quote(&id)
        )),
        1 => (id.clone(), backup_policy()).prop_map(|(id, p)| format!(
            "{{\"Action\":\"ModifyBackupPolicy\",\"DBInstanceId\":{},\"PreferredBackupTime\":\"{}\",\"PreferredBackupPeriod\":\"{}\"}}",
            quote(&id), p.time_text(), p.period_text()
        )),
        1 => (id.clone(), wire::<InstanceStatus>(), wire::<LockMode>(), databases()).prop_map(
            |(id, status, lock, dbs)| format!(
                "{{\"Action\":\"Sim.ModifyInstance\",\"DBInstanceId\":{},\"DBInstanceStatus\":\"{}\",\"LockMode\":\"{}\",\"Databases\":{}}}",
                quote(&id), status.as_str(), lock.as_str(), databases_json(&dbs)
            )
        ),
        1 => (select(&[0u32, 1, 2, 20][..]), wire::<crate::vocab::QuotaWindow>()).prop_map(
            |(limit, window)| format!(
                "{{\"Action\":\"Sim.Configure\",\"DailyBackupLimit\":{limit},\"QuotaWindow\":\"{}\"}}",
                window.as_str()
            )
        ),
    ]
}
