//! `CreateBackup` requests: [`CreateBackupParams`] and the strategies that draw them.

use proptest::prelude::*;
use proptest::sample::select;

use crate::error::ErrorCode;
use crate::instance::InstanceSpec;
use crate::ops::create_backup::{method_support, CreateBackupRequest};
use crate::vocab::{BackupMethod, DbStatus, Engine};

use super::lines::quote;

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
