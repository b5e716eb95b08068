//! How steps are drawn from the model's state. Every `select` is guarded against an empty
//! list; ids of jobs and sets are drawn only from those the model has shown (and the
//! reference's preconditions re-check that while shrinking).

use proptest::prelude::*;
use proptest::sample::select;

use rds_backup_sim::testing::{
    backup_policy, create_backup_params, databases, instance_spec, wire,
};
use rds_backup_sim::testing::{valid_create_backup, CreateBackupParams};
use rds_backup_sim::{
    Database, InstanceId, InstanceKind, InstanceSpec, InstanceStatus, LockMode, QuotaWindow,
    StorageType,
};

use crate::reference::Model;
use crate::transitions::{Action, IdRef, Step, TimeParam};

/// The ids instances are created under.
pub const POOL: &[&str] = &["rm-a", "rm-b", "rm-c", "rm-d"];

/// `select` over a list that may be empty: `fallback` then.
fn pick<T: Clone + std::fmt::Debug + 'static>(
    items: Vec<T>,
    fallback: BoxedStrategy<T>,
) -> BoxedStrategy<T> {
    if items.is_empty() {
        fallback
    } else {
        select(items).boxed()
    }
}

/// A `DBInstanceId` parameter: mostly an existing instance, sometimes absent, empty or
/// unknown.
fn instance_param(m: &Model) -> BoxedStrategy<Option<String>> {
    let existing: Vec<String> = m.instances.iter().map(|i| i.id.clone()).collect();
    let unknown = prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some("rm-zz".to_owned())),
    ]
    .boxed();
    if existing.is_empty() {
        return unknown;
    }
    prop_oneof![9 => select(existing).prop_map(Some), 1 => unknown].boxed()
}

fn existing_or_pool(m: &Model) -> BoxedStrategy<String> {
    let existing: Vec<String> = m.instances.iter().map(|i| i.id.clone()).collect();
    let pool = select(POOL).prop_map(str::to_owned).boxed();
    prop_oneof![4 => pick(existing, pool.clone()), 1 => pool].boxed()
}

fn job_ref(m: &Model) -> BoxedStrategy<Option<IdRef>> {
    let literal = prop_oneof![
        Just(IdRef::Literal("")),
        Just(IdRef::Literal("abc")),
        Just(IdRef::Literal("999999999")),
    ]
    .boxed();
    let seen = pick(
        m.seen_jobs.iter().map(|n| IdRef::Seen(*n)).collect(),
        literal.clone(),
    );
    prop_oneof![
        3 => Just(None),
        4 => seen.prop_map(Some),
        1 => literal.prop_map(Some),
    ]
    .boxed()
}

fn set_ref(m: &Model) -> BoxedStrategy<IdRef> {
    let literal = prop_oneof![
        Just(IdRef::Literal("abc")),
        Just(IdRef::Literal("999999999")),
    ]
    .boxed();
    let seen = pick(
        m.seen_sets.iter().map(|n| IdRef::Seen(*n)).collect(),
        literal.clone(),
    );
    prop_oneof![6 => seen, 1 => literal].boxed()
}

/// An instance to create: any spec from the exported strategy, or now and then the one
/// `Sim.CreateInstance` refuses (MariaDB on `local_ssd`).
fn new_instance() -> BoxedStrategy<InstanceSpec> {
    select(POOL)
        .prop_flat_map(|id| {
            let id = InstanceId::new(id).unwrap_or_else(|| unreachable!("pool ids are non-empty"));
            prop_oneof![
                12 => instance_spec(id.clone()),
                1 => Just({
                    let mut spec = InstanceSpec::new(id, rds_backup_sim::Engine::MariaDb);
                    spec.storage = Some(StorageType::LocalSsd);
                    spec
                }),
            ]
        })
        .boxed()
}

/// A request that passes CB-1 to CB-15 on an existing instance (if it is backup-able):
/// drawn by the exported `valid_create_backup` from the model's view of the instance.
fn well_formed_create(m: &Model) -> BoxedStrategy<CreateBackupParams> {
    let specs: Vec<InstanceSpec> = m
        .instances
        .iter()
        .filter_map(|i| {
            let mut spec = InstanceSpec::new(InstanceId::new(&i.id)?, i.engine);
            spec.storage = Some(i.storage);
            spec.databases = i
                .databases
                .iter()
                .map(|(name, status)| Database {
                    name: name.as_str().into(),
                    status: *status,
                })
                .collect();
            Some(spec)
        })
        .collect();
    if specs.is_empty() {
        return create_backup_params(Vec::new()).boxed();
    }
    select(specs)
        .prop_flat_map(|spec| valid_create_backup(&spec))
        .boxed()
}

/// CB-A3's 72-hour boundary: a second before, at and after 72 hours past the start of a
/// successful SQL Server full backup (else a step of an hour).
fn full_backup_age(m: &Model) -> BoxedStrategy<i64> {
    let sql_server: Vec<&str> = m
        .instances
        .iter()
        .filter(|i| i.engine == rds_backup_sim::Engine::SqlServer)
        .map(|i| i.id.as_str())
        .collect();
    let targets: Vec<i64> = m
        .jobs
        .iter()
        .filter(|j| {
            sql_server.contains(&j.instance.as_str())
                && j.backup_type == rds_backup_sim::BackupType::FullBackup
                && matches!(j.end, Some((_, rds_backup_sim::SetStatus::Success, _, _)))
        })
        .flat_map(|j| [-1_000, 0, 1_000].map(|d| j.started + 72 * 3_600_000 + d))
        .filter(|t| *t >= m.clock)
        .collect();
    pick(targets, Just(m.clock + 3_600_000).boxed())
}

/// A well-formed request turned into a single-database one that CB-13 to CB-15 may refuse:
/// `DBName` dropped, naming a database that is missing or not `Running`, or `Auto` type.
fn near_miss_create(m: &Model) -> BoxedStrategy<CreateBackupParams> {
    (well_formed_create(m), 0u8..4)
        .prop_map(|(mut p, k)| {
            p.backup_strategy = Some("db".into());
            match k {
                0 => p.db_name = None,
                1 => p.db_name = Some("missing".into()),
                2 => p.backup_type = Some("Auto".into()),
                _ => p.db_name = Some("db1,db2".into()),
            }
            p
        })
        .boxed()
}

fn minute_param(m: &Model) -> BoxedStrategy<Option<TimeParam>> {
    let base = m.clock - m.clock.rem_euclid(60_000);
    prop_oneof![
        4 => Just(None),
        3 => (-3_000i64..=60).prop_map(move |k| Some(TimeParam::Minute(base + k * 60_000))),
        1 => select(&["2026-01-01T00:00:00Z", "yesterday", "2026-13-01T00:00Z", ""][..])
            .prop_map(|s| Some(TimeParam::Literal(s))),
    ]
    .boxed()
}

fn opt(values: &'static [&'static str]) -> BoxedStrategy<Option<&'static str>> {
    prop_oneof![3 => Just(None), 2 => select(values).prop_map(Some)].boxed()
}

/// The action of a step.
fn action(m: &Model) -> BoxedStrategy<Action> {
    let ids: Vec<String> = m.instances.iter().map(|i| i.id.clone()).collect();
    let few = m.instances.len() < 2;
    let create_weight = if few { 8 } else { 1 };
    prop_oneof![
        create_weight => new_instance().prop_map(Action::CreateInstance),
        6 => create_backup_params(ids).prop_map(Action::CreateBackup),
        14 => well_formed_create(m).prop_map(Action::CreateBackup),
        4 => near_miss_create(m).prop_map(Action::CreateBackup),
        4 => prop_oneof![0u64..=120, 121u64..=700, 3_000u64..=11_000, 80_000u64..=100_000]
            .prop_map(Action::AdvanceSeconds),
        // About a week: automatic sets reach their retention (T-6) around here.
        1 => (595_000u64..=615_000).prop_map(Action::AdvanceSeconds),
        2 => full_backup_age(m).prop_map(Action::AdvanceTo),
        2 => (select(&[0i32, 480, -330][..]), -3i64..=3)
            .prop_map(|(offset_minutes, jitter)| Action::AdvanceToMidnight { offset_minutes, jitter }),
        2 => instance_param(m).prop_map(Action::FailJob),
        3 => (instance_param(m), job_ref(m), opt(&["Manual", "Automated", "manual"]),
              opt(&["NoStart", "Progressing", "Finished"]))
            .prop_map(|(id, job, mode, status)| Action::DescribeTasks { id, job, mode, status }),
        3 => (
            (instance_param(m), prop_oneof![3 => Just(None), 1 => set_ref(m).prop_map(Some)]),
            (opt(&["Success", "Failed", "success"]), opt(&["Manual", "Automated", "x"]),
             opt(&["FullBackup", "IncrementalBackup", "Full"])),
            (minute_param(m), minute_param(m)),
            (opt(&["30", "50", "100", "10"]), opt(&["1", "2", "0", "x", "+1"])),
        )
            .prop_map(|((id, set), (status, mode, backup_type), (start, end), (page_size, page_number))| {
                Action::DescribeBackups { id, set, status, mode, backup_type, start, end, page_size, page_number }
            }),
        3 => (instance_param(m), job_ref(m)).prop_map(|(id, job)| Action::DescribeTasks {
            id, job, mode: None, status: None,
        }),
        3 => instance_param(m).prop_map(|id| Action::DescribeBackups {
            id, set: None, status: None, mode: None, backup_type: None,
            start: None, end: None, page_size: None, page_number: None,
        }),
        2 => (instance_param(m), prop_oneof![
                1 => Just(None),
                1 => Just(Some(Vec::new())),
                8 => proptest::collection::vec(set_ref(m), 1..=3).prop_map(Some),
            ])
            .prop_map(|(id, sets)| Action::DeleteBackup { id, sets }),
        1 => instance_param(m).prop_map(Action::DescribeInstance),
        1 => (instance_param(m),
              opt(&["01:00Z-02:00Z", "23:00Z-23:59Z", "00:10Z-00:40Z", "02:00Z-01:00Z", "24:00Z-24:30Z", "1:00Z-2:00Z"]),
              opt(&["Monday,Thursday", "Thursday,Friday,Saturday,Sunday", "Monday", "Monday,Monday", "Funday,Monday",
                    "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday"]))
            .prop_map(|(id, time, period)| Action::ModifyPolicy { id, time, period }),
        1 => instance_param(m).prop_map(Action::DescribePolicy),
        2 => (existing_or_pool(m),
              proptest::option::weighted(0.3, prop_oneof![2 => Just(InstanceStatus::Running), 1 => wire::<InstanceStatus>()]),
              proptest::option::weighted(0.3, prop_oneof![2 => Just(LockMode::Unlock), 1 => wire::<LockMode>()]),
              proptest::option::weighted(0.2, prop_oneof![2 => Just(InstanceKind::Primary), 1 => wire::<InstanceKind>()]),
              proptest::option::weighted(0.3, databases()),
              proptest::option::weighted(0.2, proptest::option::of(backup_policy())),
              proptest::option::weighted(0.2, select(&[0u32, 60, 600, 3_600, 90_000][..])))
            .prop_map(|(id, status, lock, kind, databases, policy, duration)| Action::ModifyInstance {
                id, status, lock, kind, databases, policy, duration,
            }),
        1 => (proptest::option::of(select(&[0u32, 1, 2, 3, 20][..])),
              proptest::option::of(wire::<QuotaWindow>()),
              proptest::option::weighted(0.3, select(&["+00:00", "+08:00", "-05:30", "+14:00", "-12:00", "+15:00"][..])),
              proptest::option::weighted(0.2, select(&[0u32, 60, 600, 7_200][..])),
              proptest::option::weighted(0.1, any::<u64>()))
            .prop_map(|(limit, window, offset, duration, seed)| Action::Configure { limit, window, offset, duration, seed }),
        1 => Just(Action::Unknown),
    ]
    .boxed()
}

/// One step: mostly without `At`; now and then a forward or backward one.
pub fn step(m: &Model) -> BoxedStrategy<Step> {
    (
        prop_oneof![
            24 => Just(None),
            6 => (0i64..=900).prop_map(Some),
            1 => (-600i64..=-1).prop_map(Some),
        ],
        any::<bool>(),
        action(m),
    )
        .prop_map(|(at, settle_first, action)| Step {
            at,
            settle_first,
            action,
        })
        .boxed()
}
