//! The reference model: a deliberately naive re-statement of the CreateBackup rules
//! (docs/rules.md), written without the crate's structures. Every job ever started sits in one plain `Vec`
//! (its index is the model's id for the job and for its set); the quota is recomputed by
//! scanning that `Vec`; instances are settled eagerly, all of them, whenever time moves.
//! Only the vocabulary enums and `RequestId::derive` are borrowed from the crate. Where the
//! spec leaves a choice to the project (the phases of T-2, `BackupSize`), the model
//! restates the choice the crate documents, so that a change to it is a visible decision.

use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;
use serde_json::{json, Value};

use rds_backup_sim::{
    BackupMethod, BackupMode, BackupType, Category, DbStatus, Engine, InstanceKind, InstanceStatus,
    LockMode, QuotaWindow, RequestId, SetStatus, StorageType,
};

use crate::transitions::{
    midnight_seconds, minute_text, offset_minutes, Action, IdRef, Step, TimeParam, DAY,
};

/// 2026-01-01T00:00:00Z, the default start.
pub const START: i64 = 1_767_225_600_000;

#[derive(Clone, Debug)]
pub struct Settings {
    pub seed: u64,
    pub limit: u32,
    pub rolling: bool,
    pub offset_minutes: i32,
    pub duration: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub start_minute: i64,
    pub end_minute: i64,
    /// Monday = 0.
    pub days: [bool; 7],
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub id: String,
    pub engine: Engine,
    pub storage: StorageType,
    pub kind: InstanceKind,
    pub status: InstanceStatus,
    pub lock: LockMode,
    pub category: Category,
    pub version: String,
    pub databases: Vec<(String, DbStatus)>,
    pub duration: Option<u32>,
    pub policy: Option<Policy>,
    /// Window starts at or before this instant are done (or predate the policy).
    pub auto_cursor: i64,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub instance: String,
    pub mode: BackupMode,
    pub method: BackupMethod,
    pub backup_type: BackupType,
    pub started: i64,
    pub duration: u32,
    pub databases_at_start: Vec<String>,
    /// When it ended, how, and the seed and database count then (for `BackupSize`).
    pub end: Option<(i64, SetStatus, u64, usize)>,
    pub set_deleted: bool,
}

impl Job {
    pub fn ends_at(&self) -> i64 {
        self.started + i64::from(self.duration) * 1000
    }

    /// T-6: an automatic set is gone once 7 days (the only retention the model's instances
    /// have) have passed since it ended, at exactly that instant.
    pub fn expired(&self, clock: i64) -> bool {
        const RETENTION_MS: i64 = 7 * 24 * 3_600_000;
        self.mode == BackupMode::Automated
            && self
                .end
                .is_some_and(|(end, ..)| end + RETENTION_MS <= clock)
    }
}

/// What an answer must be: the HTTP status and the body, where `"$job:N"`, `"$set:N"` and
/// `{"$size":[N,seed,databases]}` stand for ids and sizes the system chose.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    pub status: u16,
    pub body: Value,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub settings: Settings,
    pub clock: i64,
    pub instances: Vec<Instance>,
    pub jobs: Vec<Job>,
    pub answers: u64,
    pub seen_jobs: Vec<usize>,
    pub seen_sets: Vec<usize>,
    /// The answer to the last step.
    pub last: Option<Expected>,
    /// Whether the last step was a `CreateBackup` the model accepted.
    pub last_accepted: bool,
}

// ---------------------------------------------------------------- time, by hand

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `yyyy-MM-ddTHH:mm:ssZ`.
pub fn fmt_seconds(ms: i64) -> String {
    let (y, mo, d) = civil(ms.div_euclid(DAY));
    let s = ms.rem_euclid(DAY) / 1000;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Monday = 0.
fn weekday(ms: i64) -> usize {
    (ms.div_euclid(DAY) + 3).rem_euclid(7) as usize
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn parse_hh_mm_z(text: &str) -> Option<i64> {
    let c: Vec<char> = text.chars().collect();
    if c.len() != 6 || c[2] != ':' || c[5] != 'Z' {
        return None;
    }
    let h: i64 = text[0..2].parse().ok()?;
    let m: i64 = text[3..5].parse().ok()?;
    let digits = [0, 1, 3, 4].iter().all(|&i| c[i].is_ascii_digit());
    (digits && h < 24 && m < 60).then_some(h * 60 + m)
}

/// Section 8's policy parser: `Err(true)` for a bad time, `Err(false)` for a bad period.
pub fn parse_policy(time: &str, period: &str, min_days: usize) -> Result<Policy, bool> {
    let mut parts = time.splitn(2, '-');
    let start = parts.next().and_then(parse_hh_mm_z).ok_or(true)?;
    let end = parts.next().and_then(parse_hh_mm_z).ok_or(true)?;
    if end <= start {
        return Err(true);
    }
    let mut days = [false; 7];
    for name in period.split(',') {
        let i = DAY_NAMES.iter().position(|d| *d == name).ok_or(false)?;
        days[i] = true;
    }
    if days.iter().filter(|d| **d).count() < min_days {
        return Err(false);
    }
    Ok(Policy {
        start_minute: start,
        end_minute: end,
        days,
    })
}

impl Policy {
    /// The first window start strictly after `after`.
    pub fn next_after(&self, after: i64) -> i64 {
        let mut day = after.div_euclid(DAY);
        loop {
            let start = day * DAY + self.start_minute * 60_000;
            if start > after && self.days[weekday(start)] {
                return start;
            }
            day += 1;
        }
    }

    pub fn time_text(&self) -> String {
        let f = |m: i64| format!("{:02}:{:02}Z", m / 60, m % 60);
        format!("{}-{}", f(self.start_minute), f(self.end_minute))
    }

    pub fn period_text(&self) -> String {
        (0..7)
            .filter(|i| self.days[*i])
            .map(|i| DAY_NAMES[i])
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn from_crate(p: &rds_backup_sim::BackupPolicy) -> Policy {
        match parse_policy(&p.time_text(), &p.period_text(), 1) {
            Ok(policy) => policy,
            Err(_) => panic!("the crate printed a policy it would not parse"),
        }
    }
}

/// `BackupSize` of the set with the system's `BackupId` `set` (the crate's documented
/// choice): 1 MiB, plus seeded noise below 256 MiB, plus 16 MiB per database at the end.
pub fn model_size(seed: u64, set: u64, databases: usize) -> u64 {
    let noise = rds_backup_sim::ids::splitmix64(seed ^ set.rotate_left(17)) % (256 << 20);
    (1 << 20) + noise + databases as u64 * (16 << 20)
}

// ---------------------------------------------------------------- answers

fn error(code: &'static str, status: u16, message: impl Into<String>) -> (u16, Value) {
    (
        status,
        json!({"HostId": "rds.aliyuncs.com", "Code": code, "Message": message.into()}),
    )
}

const MISSING_ID: (&str, u16, &str) = (
    "RequiredParam.NotFound",
    400,
    "Required input param is not found.",
);
const NOT_FOUND: (&str, u16, &str) = (
    "InvalidDBInstanceName.NotFound",
    404,
    "Invalid DBInstanceId NotFound.",
);
const READ_ONLY: (&str, u16, &str) = (
    "ReadDBInstanceNotSupport",
    400,
    "The operation is not permitted due to type of the instance.",
);
const BAD_FILTER: (&str, u16, &str) = (
    "InvalidParameters.Format",
    400,
    "Specified parameter is not valid",
);
const BAD_METHOD: (&str, u16, &str) = (
    "InvalidBackupMethod.ValueNotSupport",
    400,
    "The specified parameter \"BackupMethod\" is not valid.",
);
const BAD_TYPE: (&str, u16, &str) = (
    "BackupType.NotSupport",
    400,
    "the specified backup type not support",
);

const BAD_DURATION: &str =
    "Invalid parameter BackupDurationSeconds: must be an integer from 1 to 315360000.";

fn row(r: (&'static str, u16, &'static str)) -> (u16, Value) {
    error(r.0, r.1, r.2)
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn present_str(v: Option<&'static str>) -> Option<&'static str> {
    v.filter(|s| !s.is_empty())
}

/// CB-5's format for one `DBName` element.
fn db_param_ok(name: &str) -> bool {
    let c: Vec<char> = name.chars().collect();
    !c.is_empty()
        && c.len() <= 16
        && c[0].is_ascii_lowercase()
        && c.iter()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || *x == '_')
        && (c[c.len() - 1].is_ascii_lowercase() || c[c.len() - 1].is_ascii_digit())
}

/// CB-11's table, written from the spec: the method recorded, or `None`.
fn supported(engine: Engine, storage: StorageType, method: BackupMethod) -> Option<BackupMethod> {
    use BackupMethod::*;
    let cloud = storage != StorageType::LocalSsd;
    let ok = match (engine, method) {
        (Engine::MySql, Logical | Physical) => !cloud,
        (Engine::MySql, Snapshot) => cloud,
        (Engine::PostgreSql, Physical) => true,
        (Engine::PostgreSql, Snapshot) => cloud,
        (Engine::SqlServer, Physical) => true,
        (Engine::SqlServer, Snapshot) => cloud,
        (Engine::MariaDb, Physical) => cloud,
        _ => false,
    };
    let recorded = match (engine, method) {
        (Engine::PostgreSql, Physical) if cloud => Snapshot,
        (Engine::MariaDb, Physical) => Snapshot,
        _ => method,
    };
    ok.then_some(recorded)
}

impl Model {
    pub fn new() -> Model {
        Model {
            settings: Settings {
                seed: 0,
                limit: 20,
                rolling: false,
                offset_minutes: 0,
                duration: 600,
            },
            clock: START,
            instances: Vec::new(),
            jobs: Vec::new(),
            answers: 0,
            seen_jobs: Vec::new(),
            seen_sets: Vec::new(),
            last: None,
            last_accepted: false,
        }
    }

    fn instance(&self, id: &str) -> Option<usize> {
        self.instances.iter().position(|i| i.id == id)
    }

    pub fn active_job(&self, id: &str) -> Option<usize> {
        self.jobs
            .iter()
            .position(|j| j.instance == id && j.end.is_none())
    }

    fn can_back_up(i: &Instance) -> bool {
        !matches!(i.kind, InstanceKind::Readonly | InstanceKind::Temp)
            && i.status == InstanceStatus::Running
            && i.lock == LockMode::Unlock
    }

    /// Manual acceptances of `id` that count in the window containing `now`.
    pub fn quota_used(&self, id: &str, now: i64) -> usize {
        let s = &self.settings;
        self.jobs
            .iter()
            .filter(|j| j.instance == id && j.mode == BackupMode::Manual)
            .filter(|j| {
                if s.rolling {
                    j.started > now - DAY && j.started <= now
                } else {
                    let off = i64::from(s.offset_minutes) * 60_000;
                    (j.started + off).div_euclid(DAY) == (now + off).div_euclid(DAY)
                }
            })
            .count()
    }

    /// CB-A3 for SQL Server `Physical` + `Auto`.
    fn sql_server_auto_type(&self, i: usize, now: i64) -> BackupType {
        let inst = &self.instances[i];
        let ended: Vec<&Job> = self
            .jobs
            .iter()
            .filter(|j| j.instance == inst.id && j.end.is_some())
            .collect();
        let last_full = ended.iter().rev().find(|j| {
            j.backup_type == BackupType::FullBackup
                && matches!(j.end, Some((_, SetStatus::Success, _, _)))
        });
        let Some(full) = last_full else {
            return BackupType::FullBackup;
        };
        let too_old = now - full.started > 72 * 3_600_000;
        let added = inst
            .databases
            .iter()
            .any(|(name, _)| !full.databases_at_start.contains(name));
        let failed = matches!(
            ended.last().and_then(|j| j.end),
            Some((_, SetStatus::Failed, _, _))
        );
        if too_old || added || failed {
            BackupType::FullBackup
        } else {
            BackupType::IncrementalBackup
        }
    }

    fn start_job(
        &mut self,
        i: usize,
        mode: BackupMode,
        method: BackupMethod,
        backup_type: BackupType,
        at: i64,
    ) -> usize {
        let inst = &self.instances[i];
        self.jobs.push(Job {
            instance: inst.id.clone(),
            mode,
            method,
            backup_type,
            started: at,
            duration: inst.duration.unwrap_or(self.settings.duration),
            databases_at_start: inst.databases.iter().map(|d| d.0.clone()).collect(),
            end: None,
            set_deleted: false,
        });
        self.jobs.len() - 1
    }

    fn end_job(&mut self, j: usize, at: i64, outcome: SetStatus) {
        let dbs = self
            .instances
            .iter()
            .find(|i| i.id == self.jobs[j].instance)
            .map_or(0, |i| i.databases.len());
        self.jobs[j].end = Some((at, outcome, self.settings.seed, dbs));
    }

    /// T-2, T-4, T-5 for one instance, up to `to`.
    fn settle(&mut self, i: usize, to: i64) {
        loop {
            let id = self.instances[i].id.clone();
            let active = self.active_job(&id);
            let end = active.map(|j| self.jobs[j].ends_at());
            let auto = self.instances[i]
                .policy
                .map(|p| p.next_after(self.instances[i].auto_cursor));
            match (end, auto) {
                (Some(e), a) if e <= to && a.is_none_or(|a| e <= a) => {
                    self.end_job(active.unwrap_or_default(), e, SetStatus::Success);
                }
                (_, Some(a)) if a <= to => {
                    self.instances[i].auto_cursor = a;
                    let inst = &self.instances[i];
                    if self.active_job(&id).is_none() && Self::can_back_up(inst) {
                        let cloud = inst.storage != StorageType::LocalSsd;
                        let method = if cloud && inst.engine != Engine::SqlServer {
                            BackupMethod::Snapshot
                        } else {
                            BackupMethod::Physical
                        };
                        let t = if inst.engine == Engine::SqlServer {
                            self.sql_server_auto_type(i, a)
                        } else {
                            BackupType::FullBackup
                        };
                        self.start_job(i, BackupMode::Automated, method, t, a);
                    }
                }
                _ => break,
            }
        }
    }

    fn advance(&mut self, to: i64) {
        for i in 0..self.instances.len() {
            self.settle(i, to);
        }
        self.clock = to;
    }

    fn request_id(&mut self) -> String {
        let id = RequestId::derive(self.settings.seed, self.answers).to_string();
        self.answers += 1;
        id
    }

    fn job_marker(&mut self, j: usize) -> Value {
        if !self.seen_jobs.contains(&j) {
            self.seen_jobs.push(j);
        }
        Value::String(format!("$job:{j}"))
    }

    fn set_marker(&mut self, j: usize) -> Value {
        if !self.seen_sets.contains(&j) {
            self.seen_sets.push(j);
        }
        Value::String(format!("$set:{j}"))
    }

    /// Applies one step and records the answer it must get.
    pub fn step(&mut self, step: &Step) {
        self.last_accepted = false;
        let (status, mut body) = match step.at.map(|d| self.clock + d * 1000) {
            Some(t) if t < self.clock => error(
                "Sim.TimeWentBackwards",
                400,
                format!(
                    "The time {} is earlier than the simulation clock {}.",
                    fmt_seconds(t),
                    fmt_seconds(self.clock)
                ),
            ),
            Some(t) => {
                self.advance(t);
                self.action(&step.action)
            }
            None => self.action(&step.action),
        };
        let request_id = self.request_id();
        if let Some(map) = body.as_object_mut() {
            map.insert("RequestId".into(), request_id.into());
        }
        self.last = Some(Expected { status, body });
    }

    fn ok(body: Value) -> (u16, Value) {
        (200, body)
    }

    fn action(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        match action {
            Action::Configure { .. } => self.sim_configure(action),
            Action::CreateInstance(..) => self.sim_create_instance(action),
            Action::ModifyInstance { .. } => self.sim_modify_instance(action),
            Action::AdvanceTo(..) => self.sim_advance_to(action),
            Action::AdvanceSeconds(s) => {
                self.advance(now + *s as i64 * 1000);
                Self::ok(json!({"Clock": fmt_seconds(self.clock)}))
            }
            Action::AdvanceToMidnight {
                offset_minutes,
                jitter,
            } => {
                let s = midnight_seconds(now, *offset_minutes, *jitter);
                self.advance(now + s as i64 * 1000);
                Self::ok(json!({"Clock": fmt_seconds(self.clock)}))
            }
            Action::FailJob(..) => self.sim_fail_job(action),
            Action::CreateBackup(p) => self.create_backup(p, now),
            Action::DescribeTasks {
                id,
                job,
                mode,
                status,
            } => self.describe_tasks(id, job, *mode, *status, now),
            Action::DescribeBackups { .. } => self.describe_backups(action),
            Action::DeleteBackup { id, sets } => self.delete_backup(id, sets),
            Action::DescribeInstance(..) => self.describe_instance_action(action),
            Action::ModifyPolicy { .. } => self.modify_policy_action(action),
            Action::DescribePolicy(..) => self.describe_policy_action(action),
            Action::Unknown => error(
                "InvalidAction.NotFound",
                404,
                "Specified api is not found, please check your url and method.",
            ),
        }
    }

    fn sim_configure(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        let Action::Configure {
            limit,
            window,
            offset,
            duration,
            seed,
        } = action
        else {
            unreachable!("called for Configure only")
        };
        let minutes = match offset {
                None => None,
                Some(text) => match offset_minutes(text) {
                    Some(m) => Some(m),
                    None => {
                        return error(
                            "Sim.InvalidParameter",
                            400,
                            "Invalid parameter QuotaUtcOffset: must be +HH:MM or -HH:MM between -12:00 and +14:00.",
                        )
                    }
                },
            };
        if *duration == Some(0) {
            return error("Sim.InvalidParameter", 400, BAD_DURATION);
        }
        self.advance(now);
        let s = &mut self.settings;
        if let Some(l) = limit {
            s.limit = *l;
        }
        if let Some(w) = window {
            s.rolling = *w == QuotaWindow::Rolling24h;
        }
        if let Some(m) = minutes {
            s.offset_minutes = m;
        }
        if let Some(d) = duration {
            s.duration = *d;
        }
        if let Some(seed) = seed {
            s.seed = *seed;
        }
        Self::ok(json!({"Clock": fmt_seconds(now)}))
    }

    fn sim_create_instance(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        let Action::CreateInstance(spec) = action else {
            unreachable!("called for CreateInstance only")
        };
        let id = spec.id.as_str();
        if self.instance(id).is_some() {
            return error(
                "Sim.InstanceAlreadyExists",
                400,
                format!("The instance {id:?} already exists."),
            );
        }
        let storage = spec.storage.unwrap_or(if spec.engine == Engine::MariaDb {
            StorageType::CloudEssd
        } else {
            StorageType::LocalSsd
        });
        if spec.engine == Engine::MariaDb && storage == StorageType::LocalSsd {
            return error(
                    "Sim.InvalidParameter",
                    400,
                    "Invalid parameter DBInstanceStorageType: MariaDB runs on cloud disks only: local_ssd is refused.",
                );
        }
        let version = match spec.engine {
            Engine::MySql => "8.0",
            Engine::PostgreSql => "16.0",
            Engine::SqlServer => "2019_std_ha",
            Engine::MariaDb => "10.3",
        };
        self.instances.push(Instance {
            id: id.to_owned(),
            engine: spec.engine,
            storage,
            kind: spec.kind,
            status: spec.status,
            lock: spec.lock,
            category: spec.category,
            version: spec.engine_version.clone().unwrap_or(version.to_owned()),
            databases: spec
                .databases
                .iter()
                .map(|d| (d.name.to_string(), d.status))
                .collect(),
            duration: spec.backup_duration_seconds,
            policy: spec.policy.as_ref().map(Policy::from_crate),
            auto_cursor: now,
        });
        Self::ok(json!({ "DBInstanceId": id }))
    }

    fn sim_modify_instance(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        let Action::ModifyInstance {
            id,
            status,
            lock,
            kind,
            databases,
            policy,
            duration,
        } = action
        else {
            unreachable!("called for ModifyInstance only")
        };
        if *duration == Some(0) {
            return error("Sim.InvalidParameter", 400, BAD_DURATION);
        }
        let Some(i) = self.instance(id) else {
            return error(
                "Sim.InstanceNotFound",
                404,
                format!("The instance {id:?} does not exist."),
            );
        };
        let inst = &mut self.instances[i];
        if let Some(s) = status {
            inst.status = *s;
        }
        if let Some(l) = lock {
            inst.lock = *l;
        }
        if let Some(k) = kind {
            inst.kind = *k;
        }
        if let Some(dbs) = databases {
            inst.databases = dbs.iter().map(|d| (d.name.to_string(), d.status)).collect();
        }
        if let Some(p) = policy {
            inst.policy = p.as_ref().map(Policy::from_crate);
            inst.auto_cursor = now;
        }
        if let Some(d) = duration {
            inst.duration = Some(*d);
        }
        Self::ok(json!({ "DBInstanceId": id }))
    }

    fn sim_advance_to(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        let Action::AdvanceTo(to) = action else {
            unreachable!("called for AdvanceTo only")
        };
        if *to < now {
            return error(
                "Sim.TimeWentBackwards",
                400,
                format!(
                    "The time {} is earlier than the simulation clock {}.",
                    fmt_seconds(*to),
                    fmt_seconds(now)
                ),
            );
        }
        self.advance(*to);
        Self::ok(json!({"Clock": fmt_seconds(self.clock)}))
    }

    fn sim_fail_job(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        let Action::FailJob(id) = action else {
            unreachable!("called for FailJob only")
        };
        let Some(id) = id.as_deref() else {
            return error(
                "Sim.InvalidParameter",
                400,
                "Invalid parameter DBInstanceId: is required.",
            );
        };
        if id.is_empty() {
            return error(
                "Sim.InvalidParameter",
                400,
                "Invalid parameter DBInstanceId: must be a non-empty string.",
            );
        }
        if self.instance(id).is_none() {
            return error(
                "Sim.InstanceNotFound",
                404,
                format!("The instance {id:?} does not exist."),
            );
        }
        let Some(j) = self.active_job(id) else {
            return error(
                "Sim.NoActiveJob",
                404,
                format!("The instance {id:?} has no active backup job."),
            );
        };
        self.end_job(j, now, SetStatus::Failed);
        let job = self.job_marker(j);
        Self::ok(json!({"DBInstanceId": id, "BackupJobId": job}))
    }

    fn describe_instance_action(&mut self, action: &Action) -> (u16, Value) {
        let Action::DescribeInstance(id) = action else {
            unreachable!("called for DescribeInstance only")
        };
        let Some(id) = present(id) else {
            return row(MISSING_ID);
        };
        let Some(i) = self.instance(id) else {
            return error(
                "InvalidDBInstanceId.NotFound",
                404,
                "The DBInstanceId provided does not exist in records.",
            );
        };
        let inst = &self.instances[i];
        let dbs: Vec<Value> = inst
            .databases
            .iter()
            .map(|(n, s)| json!({"DBName": n, "DBStatus": s.as_str()}))
            .collect();
        Self::ok(json!({"Items": {"DBInstanceAttribute": [{
            "DBInstanceId": inst.id,
            "Engine": inst.engine.as_str(),
            "EngineVersion": inst.version,
            "DBInstanceStorageType": inst.storage.as_str(),
            "DBInstanceType": inst.kind.as_str(),
            "DBInstanceStatus": inst.status.as_str(),
            "LockMode": inst.lock.as_str(),
            "Category": inst.category.as_str(),
            "RegionId": "cn-hangzhou",
            "Databases": dbs,
        }]}}))
    }

    fn modify_policy_action(&mut self, action: &Action) -> (u16, Value) {
        let now = self.clock;
        let Action::ModifyPolicy { id, time, period } = action else {
            unreachable!("called for ModifyPolicy only")
        };
        let Some(id) = present(id) else {
            return row(MISSING_ID);
        };
        let Some(i) = self.instance(id) else {
            return error(
                "InvalidDBInstanceId.NotFound",
                400,
                "The DBInstanceId provided does not exist in records.",
            );
        };
        if self.instances[i].kind == InstanceKind::Readonly {
            return row(READ_ONLY);
        }
        let bad_time = error(
            "InvalidPreferredBackupTime.Format",
            400,
            "Specified preferred backup time is not valid.",
        );
        let Some(time) = present_str(*time) else {
            return bad_time;
        };
        match parse_policy(time, present_str(*period).unwrap_or(""), 2) {
            Err(true) => bad_time,
            Err(false) => row(BAD_FILTER),
            Ok(policy) => {
                self.instances[i].policy = Some(policy);
                self.instances[i].auto_cursor = now;
                Self::ok(json!({ "DBInstanceID": id }))
            }
        }
    }

    fn describe_policy_action(&mut self, action: &Action) -> (u16, Value) {
        let Action::DescribePolicy(id) = action else {
            unreachable!("called for DescribePolicy only")
        };
        let Some(id) = present(id) else {
            return row(MISSING_ID);
        };
        let Some(i) = self.instance(id) else {
            return row(NOT_FOUND);
        };
        let inst = &self.instances[i];
        let (time, period, next) = match inst.policy {
            None => (String::new(), String::new(), String::new()),
            Some(p) => (
                p.time_text(),
                p.period_text(),
                minute_text(p.next_after(inst.auto_cursor)),
            ),
        };
        Self::ok(json!({
            "PreferredBackupTime": time,
            "PreferredBackupPeriod": period,
            "PreferredNextBackupTime": next,
            "BackupRetentionPeriod": "7",
        }))
    }

    /// Section 3: CB-1 … CB-17 in order, then CB-A1 … CB-A3.
    fn create_backup(
        &mut self,
        p: &rds_backup_sim::testing::CreateBackupParams,
        now: i64,
    ) -> (u16, Value) {
        let parsed = match parse_create(p) {
            Ok(parsed) => parsed,
            Err(refusal) => return refusal,
        };
        let Some(i) = self.instance(parsed.id) else {
            return error(
                "InvalidDBInstanceName.NotFound",
                404,
                "The database instance does not exist.",
            );
        };
        let recorded = match check_instance(&self.instances[i], &parsed) {
            Ok(recorded) => recorded,
            Err(refusal) => return refusal,
        };
        if self.active_job(parsed.id).is_some() {
            return error(
                "BackupJobExists",
                400,
                "A backup job already exists in the specified DB instance.",
            );
        }
        if self.quota_used(parsed.id, now) >= self.settings.limit as usize {
            return error("Exceeded.BackupTimes", 403, "The backup times exceeds.");
        }
        let backup_type = if self.instances[i].engine == Engine::SqlServer
            && parsed.method == BackupMethod::Physical
            && !parsed.full_requested
        {
            self.sql_server_auto_type(i, now)
        } else {
            BackupType::FullBackup
        };
        let j = self.start_job(i, BackupMode::Manual, recorded, backup_type, now);
        self.last_accepted = true;
        let job = self.job_marker(j);
        Self::ok(json!({ "BackupJobId": job }))
    }

    fn job_status(&mut self, j: usize, now: i64) -> String {
        let seen = self.seen_jobs.clone();
        let sets = self.seen_sets.clone();
        let status = self.job_view(j, false, now)["BackupStatus"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (self.seen_jobs, self.seen_sets) = (seen, sets);
        status
    }

    fn job_view(&mut self, j: usize, named: bool, now: i64) -> Value {
        let job = &self.jobs[j];
        let (status, progress, process) = match job.end {
            None => {
                let total = i64::from(job.duration) * 1000;
                let permille = (now - job.started).clamp(0, total) * 1000 / total;
                let phase = match permille {
                    p if p < 100 => "NoStart",
                    p if p < 200 => "Checking",
                    p if p < 400 => "Preparing",
                    p if p < 500 => "Waiting",
                    _ => "Uploading",
                };
                (phase, phase, permille / 10)
            }
            Some((_, SetStatus::Success, _, _)) => ("Finished", "Finished", 100),
            Some((at, SetStatus::Failed, _, _)) => {
                let total = i64::from(job.duration) * 1000;
                (
                    "Failed",
                    "Finished",
                    (at - job.started).clamp(0, total) * 100 / total,
                )
            }
        };
        let mode = job.mode;
        let mut v = json!({
            "BackupJobId": self.job_marker(j),
            "BackupStatus": status,
            "BackupProgressStatus": progress,
            "JobMode": mode.as_str(),
            "Process": process.to_string(),
            "TaskAction": if mode == BackupMode::Manual { "TempBackupTask" } else { "NormalBackupTask" },
        });
        if named && status == "Finished" {
            let set = self.set_marker(j);
            v["BackupId"] = set;
        }
        v
    }

    fn describe_tasks(
        &mut self,
        id: &Option<String>,
        job: &Option<IdRef>,
        mode: Option<&'static str>,
        status: Option<&'static str>,
        now: i64,
    ) -> (u16, Value) {
        let Some(id) = present(id) else {
            return row(MISSING_ID);
        };
        let Some(i) = self.instance(id) else {
            return row(NOT_FOUND);
        };
        if self.instances[i].kind == InstanceKind::Readonly {
            return row(READ_ONLY);
        }
        let mode = match present_str(mode) {
            None => None,
            Some("Manual") => Some(BackupMode::Manual),
            Some("Automated") => Some(BackupMode::Automated),
            Some(_) => return row(BAD_FILTER),
        };
        let status = match present_str(status) {
            None => None,
            Some(s @ ("NoStart" | "Progressing")) => Some(s),
            Some(_) => return row(BAD_FILTER),
        };
        let candidates: Vec<usize> = match job {
            None | Some(IdRef::Literal("")) => self.active_job(id).into_iter().collect(),
            Some(IdRef::Literal(_)) => Vec::new(),
            // T-6: a job whose automatic set expired is gone with it.
            Some(IdRef::Seen(n)) => (self.jobs[*n].instance == id
                && !self.jobs[*n].expired(self.clock))
            .then_some(*n)
            .into_iter()
            .collect(),
        };
        let named = matches!(job, Some(IdRef::Seen(_)));
        let mut items = Vec::new();
        for j in candidates {
            let st = self.job_status(j, now);
            let keep_mode = mode.is_none_or(|m| m == self.jobs[j].mode);
            let keep_status = match status {
                None => true,
                Some("NoStart") => st == "NoStart",
                Some(_) => !matches!(st.as_str(), "NoStart" | "Finished" | "Failed"),
            };
            if keep_mode && keep_status {
                let v = self.job_view(j, named, now);
                items.push(v);
            }
        }
        Self::ok(json!({"Items": {"BackupJob": items}}))
    }

    fn describe_backups(&mut self, action: &Action) -> (u16, Value) {
        let Action::DescribeBackups {
            id,
            set,
            status,
            mode,
            backup_type,
            start,
            end,
            page_size,
            page_number,
        } = action
        else {
            unreachable!("called for DescribeBackups only")
        };
        let Some(id) = present(id) else {
            return row(MISSING_ID);
        };
        if self.instance(id).is_none() {
            return row(NOT_FOUND);
        }
        let query = match backups_query(
            [start, end],
            [*page_number, *page_size],
            [*status, *mode, *backup_type],
        ) {
            Ok(query) => query,
            Err(refusal) => return refusal,
        };
        let sets = self.matching_sets(id, set, &query);
        let total = sets.len();
        let page: Vec<usize> = sets
            .into_iter()
            .skip((query.number - 1) * query.size)
            .take(query.size)
            .collect();
        let mut items = Vec::new();
        for j in &page {
            items.extend(self.set_item(id, *j));
        }
        Self::ok(json!({
            "Items": {"Backup": items},
            "TotalRecordCount": total.to_string(),
            "PageNumber": query.number.to_string(),
            "PageRecordCount": page.len().to_string(),
        }))
    }

    /// The instance's kept sets that `query` selects, newest first (equal start times: the
    /// later job, the larger id, first).
    fn matching_sets(&self, id: &str, set: &Option<IdRef>, query: &BackupsQuery) -> Vec<usize> {
        let BackupsQuery {
            start,
            end,
            status,
            mode,
            backup_type,
            ..
        } = *query;
        let mut sets: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| {
                let job = &self.jobs[j];
                let Some((_, outcome, _, _)) = job.end else {
                    return false;
                };
                let minute = job.started - job.started.rem_euclid(60_000);
                job.instance == id
                    && !job.set_deleted
                    && !job.expired(self.clock)
                    && match set {
                        None | Some(IdRef::Literal("")) => true,
                        Some(IdRef::Literal(_)) => false,
                        Some(IdRef::Seen(n)) => *n == j,
                    }
                    && status.is_none_or(|s| s == outcome)
                    && mode.is_none_or(|m| m == job.mode)
                    && backup_type.is_none_or(|t| t == job.backup_type)
                    && start.is_none_or(|s| minute >= s)
                    && end.is_none_or(|e| minute <= e)
            })
            .collect();
        // Newest first; equal start times: the later job (larger id) first.
        sets.sort_by(|a, b| {
            self.jobs[*b]
                .started
                .cmp(&self.jobs[*a].started)
                .then(b.cmp(a))
        });
        sets
    }

    /// One set as `DescribeBackups` lists it.
    fn set_item(&mut self, id: &str, j: usize) -> Option<Value> {
        let marker = self.set_marker(j);
        let job = &self.jobs[j];
        let (ended, outcome, seed, dbs) = job.end?;
        Some(json!({
            "BackupId": marker,
            "DBInstanceId": id,
            "BackupStatus": outcome.as_str(),
            "BackupStartTime": fmt_seconds(job.started),
            "BackupEndTime": fmt_seconds(ended),
            "BackupType": job.backup_type.as_str(),
            "BackupMode": job.mode.as_str(),
            "BackupMethod": job.method.as_str(),
            "BackupInitiator": if job.mode == BackupMode::Manual { "User" } else { "System" },
            "BackupSize": {"$size": [j, seed, dbs]},
            "StoreStatus": "Enabled",
        }))
    }

    fn delete_backup(&mut self, id: &Option<String>, sets: &Option<Vec<IdRef>>) -> (u16, Value) {
        let Some(id) = present(id) else {
            return row(MISSING_ID);
        };
        let Some(i) = self.instance(id) else {
            return row(NOT_FOUND);
        };
        let inst = &self.instances[i];
        if inst.kind == InstanceKind::Readonly {
            return row(READ_ONLY);
        }
        if inst.status != InstanceStatus::Running {
            return error(
                "IncorrectDBInstanceState",
                403,
                "Current DB instance state does not support this operation.",
            );
        }
        if !matches!(inst.engine, Engine::MySql | Engine::PostgreSql)
            || inst.category != Category::HighAvailability
        {
            return error(
                "IncorrectDBInstanceType",
                403,
                "Current DB instance engine and type does not support operations.",
            );
        }
        let Some(sets) = sets else {
            return error(
                "ParameterLeastAssociate",
                400,
                "Must input at least one optional parameter",
            );
        };
        if sets.is_empty() {
            return error(
                "DeleteBackupSetNumExceed",
                400,
                "Delete backup set number is more than 100.",
            );
        }
        let mut found = Vec::new();
        for r in sets {
            let hit = match r {
                IdRef::Seen(n) => {
                    let j = &self.jobs[*n];
                    (j.instance == id
                        && j.end.is_some()
                        && !j.set_deleted
                        && !j.expired(self.clock))
                    .then_some(*n)
                }
                IdRef::Literal(_) => None,
            };
            match hit {
                Some(n) => found.push(n),
                None => {
                    return error(
                        "InvalidBackupSetID.NotFound",
                        404,
                        "Specified backup set ID does not exist.",
                    )
                }
            }
        }
        for n in found {
            self.jobs[n].set_deleted = true;
        }
        Self::ok(json!({}))
    }
}

/// The reference state machine: the model and how transitions are drawn from it.
pub struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    /// A fresh simulation whose first line set a daily limit (small, to reach it often).
    fn init_state() -> BoxedStrategy<Model> {
        proptest::sample::select(&[1u32, 2, 3, 20][..])
            .prop_map(|limit| {
                let mut model = Model::new();
                model.settings.limit = limit;
                model.answers = 1;
                model
            })
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        crate::strategies::step(state)
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        let seen_job = |r: &IdRef| match r {
            IdRef::Seen(n) => state.seen_jobs.contains(n),
            IdRef::Literal(_) => true,
        };
        let seen_set = |r: &IdRef| match r {
            IdRef::Seen(n) => state.seen_sets.contains(n),
            IdRef::Literal(_) => true,
        };
        match &step.action {
            Action::DescribeTasks { job: Some(r), .. } => seen_job(r),
            Action::DescribeBackups { set: Some(r), .. } => seen_set(r),
            Action::DeleteBackup {
                sets: Some(sets), ..
            } => sets.iter().all(seen_set),
            _ => true,
        }
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        state.step(step);
        state
    }
}

/// A `CreateBackup` request's parameters, checked (CB-1 … CB-5).
struct CreateParsed<'a> {
    id: &'a str,
    method: BackupMethod,
    full_requested: bool,
    db_strategy: bool,
    names: Option<Vec<&'a str>>,
}

/// CB-1 … CB-5: the parameters alone.
fn parse_create(
    p: &rds_backup_sim::testing::CreateBackupParams,
) -> Result<CreateParsed<'_>, (u16, Value)> {
    let Some(id) = present(&p.db_instance_id) else {
        return Err(row(MISSING_ID));
    };
    let method = match present(&p.backup_method) {
        None => BackupMethod::Physical,
        Some("Logical") => BackupMethod::Logical,
        Some("Physical") => BackupMethod::Physical,
        Some("Snapshot") => BackupMethod::Snapshot,
        Some(_) => return Err(row(BAD_METHOD)),
    };
    let full_requested = match present(&p.backup_type) {
        None | Some("Auto") => false,
        Some("FullBackup") => true,
        Some(_) => return Err(row(BAD_TYPE)),
    };
    let db_strategy = match present(&p.backup_strategy) {
        None | Some("instance") => false,
        Some("db") => true,
        Some(_) => {
            return Err(error(
                "Parameters.Invalid",
                400,
                "Parameter error, please check the parameters.",
            ))
        }
    };
    let names: Option<Vec<&str>> = present(&p.db_name).map(|n| n.split(',').collect());
    if let Some(names) = &names {
        if !names.iter().all(|n| db_param_ok(n)) {
            return Err(error(
                "InvalidDBName.Format",
                400,
                "Specified DB name is not valid.",
            ));
        }
    }
    Ok(CreateParsed {
        id,
        method,
        full_requested,
        db_strategy,
        names,
    })
}

/// CB-7 … CB-15: the instance's kind, state, lock, engine and databases; the method
/// recorded when they pass.
fn check_instance(inst: &Instance, p: &CreateParsed<'_>) -> Result<BackupMethod, (u16, Value)> {
    if inst.kind == InstanceKind::Readonly {
        return Err(row(READ_ONLY));
    }
    if inst.kind == InstanceKind::Temp {
        return Err(error(
            "IncorrectDBInstanceType",
            403,
            "Current DB instance engine and type does not support operations.",
        ));
    }
    if inst.status != InstanceStatus::Running {
        return Err(error(
            "IncorrectDBInstanceState",
            403,
            "Current DB instance state does not support this operation.",
        ));
    }
    if inst.lock != LockMode::Unlock {
        return Err(error(
            "IncorrectDBInstanceLockMode.ValueNotSupported",
            400,
            "The Current DB instance lock mode does not support this operation.",
        ));
    }
    let method = p.method;
    let Some(recorded) = supported(inst.engine, inst.storage, method) else {
        return Err(row(BAD_METHOD));
    };
    let running = |name: &str| {
        inst.databases
            .iter()
            .any(|(n, s)| n == name && *s == DbStatus::Running)
    };
    if method == BackupMethod::Logical
        && !inst.databases.iter().any(|(_, s)| *s == DbStatus::Running)
    {
        return Err(row(BAD_METHOD));
    }
    let takes_effect = p.db_strategy
        && matches!(
            (inst.engine, method),
            (Engine::MySql, BackupMethod::Logical) | (Engine::SqlServer, BackupMethod::Physical)
        );
    if takes_effect && inst.engine == Engine::SqlServer && !p.full_requested {
        return Err(row(BAD_TYPE));
    }
    if takes_effect {
        let Some(names) = &p.names else {
            return Err(row(MISSING_ID));
        };
        if !names.iter().all(|n| running(n)) {
            return Err(error(
                "InvalidDB.NotFound",
                404,
                "Specified db does not exist or DB status does not support this operation.",
            ));
        }
    }
    Ok(recorded)
}

/// `DescribeBackups`' filters and page, checked.
struct BackupsQuery {
    start: Option<i64>,
    end: Option<i64>,
    number: usize,
    size: usize,
    status: Option<SetStatus>,
    mode: Option<BackupMode>,
    backup_type: Option<BackupType>,
}

/// `DescribeBackups`' times, page and filters, in the order of their checks.
fn backups_query(
    [start, end]: [&Option<TimeParam>; 2],
    [page_number, page_size]: [Option<&'static str>; 2],
    [status, mode, backup_type]: [Option<&'static str>; 3],
) -> Result<BackupsQuery, (u16, Value)> {
    let time = |t: &Option<TimeParam>| -> Result<Option<i64>, ()> {
        match t {
            None | Some(TimeParam::Literal("")) => Ok(None),
            Some(TimeParam::Minute(ms)) => Ok(Some(*ms)),
            Some(TimeParam::Literal(_)) => Err(()),
        }
    };
    let Ok(start) = time(start) else {
        return Err(error(
            "InvalidStartTime.Format",
            400,
            "Specified start time is not valid.",
        ));
    };
    let Ok(end) = time(end) else {
        return Err(error(
            "InvalidEndTime.Format",
            400,
            "Specified end time is not valid.",
        ));
    };
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return Err(error(
                "InvalidParameterCombination",
                400,
                "The end time must be greater than the start time",
            ));
        }
    }
    let number: usize = match present_str(page_number) {
        None => 1,
        Some(n) => match n.parse::<u32>() {
            Ok(v) if v >= 1 && n.chars().all(|c| c.is_ascii_digit()) => v as usize,
            _ => {
                return Err(error(
                    "InvalidPageNumbers.Malformed",
                    400,
                    "Specified page number is not valid.",
                ))
            }
        },
    };
    let size: usize = match present_str(page_size) {
        None => 30,
        Some("30") => 30,
        Some("50") => 50,
        Some("100") => 100,
        Some(_) => {
            return Err(error(
                "InvalidMaxRecordsPerPage.Malformed",
                403,
                "Specified record number is not valid.",
            ))
        }
    };
    let status = match present_str(status) {
        None => None,
        Some("Success") => Some(SetStatus::Success),
        Some("Failed") => Some(SetStatus::Failed),
        Some(_) => return Err(row(BAD_FILTER)),
    };
    let mode = match present_str(mode) {
        None => None,
        Some("Manual") => Some(BackupMode::Manual),
        Some("Automated") => Some(BackupMode::Automated),
        Some(_) => return Err(row(BAD_FILTER)),
    };
    let backup_type = match present_str(backup_type) {
        None => None,
        Some("FullBackup") => Some(BackupType::FullBackup),
        Some("IncrementalBackup") => Some(BackupType::IncrementalBackup),
        Some(_) => return Err(row(BAD_FILTER)),
    };
    Ok(BackupsQuery {
        start,
        end,
        number,
        size,
        status,
        mode,
        backup_type,
    })
}
