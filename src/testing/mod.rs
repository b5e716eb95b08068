//! **Unstable** test helpers: [`proptest`](mod@proptest) strategies for instances, `CreateBackup` requests
//! and whole scenarios, so that users can property-test their own code against the
//! simulator. Behind the cargo feature `proptest`; not covered by semver: names and the
//! distributions they draw from may change in any release.
//!
//! Every function returns a plain `impl Strategy`. Requests come as [`CreateBackupParams`],
//! which owns its wire strings and lends a [`CreateBackupRequest`](crate::CreateBackupRequest) or renders a scenario
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
mod lines;
mod requests;
mod scenarios;

pub use lines::{databases_json, instance_line, policy_json};
pub use requests::{
    create_backup_params, invalid_create_backup, valid_create_backup, CreateBackupParams,
};
pub use scenarios::{scenario_lines, scenario_step, SCENARIO_INSTANCE_IDS};

use proptest::prelude::*;
use proptest::sample::select;

use crate::ids::InstanceId;
use crate::instance::{Database, InstanceSpec};
use crate::policy::BackupPolicy;
use crate::vocab::{
    Category, DbStatus, Engine, InstanceKind, InstanceStatus, LockMode, StorageType, Weekday,
    WireEnum,
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
