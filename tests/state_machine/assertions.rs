//! Assertions: the answer against the model's, the whole state against the model, and the
//! helpers the invariant properties share. Ids are compared through a bijection between
//! the model's ids and the system's: the spec pins no id values and no order among them.

use std::collections::BTreeMap;

use serde_json::Value;

use rds_backup_sim::scenario::{Answer, Scenario};
use rds_backup_sim::Simulation;

use crate::reference::{fmt_seconds, model_size, Model};

/// A one-to-one map between model ids and the system's ids, filled as ids appear.
#[derive(Clone, Debug, Default)]
pub struct Bijection {
    forward: BTreeMap<usize, u64>,
    backward: BTreeMap<u64, usize>,
}

impl Bijection {
    pub fn get(&self, model: usize) -> Option<u64> {
        self.forward.get(&model).copied()
    }

    /// Binds `model` to `system`, or checks they are already bound to each other.
    pub fn bind(&mut self, model: usize, system: u64, what: &str) -> Result<(), String> {
        match (self.forward.get(&model), self.backward.get(&system)) {
            (None, None) => {
                self.forward.insert(model, system);
                self.backward.insert(system, model);
                Ok(())
            }
            (Some(s), Some(m)) if *s == system && *m == model => Ok(()),
            (s, m) => Err(format!(
                "{what}: model id {model} is bound to {s:?}, system id {system} to model {m:?}"
            )),
        }
    }
}

/// The two bijections: jobs and sets.
#[derive(Clone, Debug, Default)]
pub struct Ids {
    pub jobs: Bijection,
    pub sets: Bijection,
}

fn decimal(v: &Value) -> Result<u64, String> {
    v.as_str()
        .and_then(|s| {
            s.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| s.parse().ok())?
        })
        .ok_or_else(|| format!("{v} is not a decimal id string"))
}

/// First pass: binds every id marker of `expected` to the value at the same place.
fn bind_ids(expected: &Value, actual: &Value, ids: &mut Ids) -> Result<(), String> {
    match (expected, actual) {
        (Value::String(s), a) if s.starts_with("$job:") || s.starts_with("$set:") => {
            let n: usize = s[5..].parse().map_err(|_| format!("bad marker {s}"))?;
            let system = decimal(a)?;
            if s.starts_with("$job:") {
                ids.jobs.bind(n, system, "BackupJobId")
            } else {
                ids.sets.bind(n, system, "BackupId")
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                if let Some(av) = a.get(k) {
                    bind_ids(v, av, ids)?;
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            for (ev, av) in e.iter().zip(a) {
                bind_ids(ev, av, ids)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Second pass: structural equality, markers replaced through the bijections.
fn same(expected: &Value, actual: &Value, ids: &Ids, path: &str) -> Result<(), String> {
    let fail = || Err(format!("at {path}: expected {expected}, got {actual}"));
    match expected {
        Value::String(s) if s.starts_with("$job:") || s.starts_with("$set:") => {
            let n: usize = s[5..].parse().map_err(|_| format!("bad marker {s}"))?;
            let map = if s.starts_with("$job:") {
                &ids.jobs
            } else {
                &ids.sets
            };
            match map.get(n) {
                Some(id) if actual.as_str() == Some(id.to_string().as_str()) => Ok(()),
                _ => fail(),
            }
        }
        Value::Object(e) if e.contains_key("$size") => {
            let args = &e["$size"];
            let (Some(n), Some(seed), Some(dbs)) =
                (args[0].as_u64(), args[1].as_u64(), args[2].as_u64())
            else {
                return Err(format!("bad size marker {args}"));
            };
            let Some(set) = ids.sets.get(n as usize) else {
                return Err(format!("at {path}: set {n} unbound"));
            };
            let size = model_size(seed, set, dbs as usize);
            if actual.as_u64() == Some(size) {
                Ok(())
            } else {
                fail()
            }
        }
        Value::Object(e) => {
            let Value::Object(a) = actual else {
                return fail();
            };
            let (ek, ak): (Vec<_>, Vec<_>) = (e.keys().collect(), a.keys().collect());
            let mut ek_sorted = ek.clone();
            let mut ak_sorted = ak.clone();
            ek_sorted.sort();
            ak_sorted.sort();
            if ek_sorted != ak_sorted {
                return Err(format!("at {path}: keys {ek_sorted:?} != {ak_sorted:?}"));
            }
            for (k, v) in e {
                same(v, &a[k], ids, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        Value::Array(e) => {
            let Value::Array(a) = actual else {
                return fail();
            };
            if e.len() != a.len() {
                return fail();
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                same(ev, av, ids, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => fail(),
    }
}

/// The answer equals the model's: status, every field, ids through the bijections.
pub fn compare_answer(model: &Model, answer: &Answer, ids: &mut Ids) -> Result<(), String> {
    let expected = model.last.as_ref().ok_or("the model recorded no answer")?;
    let actual: Value =
        serde_json::from_str(&answer.body_text()).map_err(|e| format!("body is not JSON: {e}"))?;
    if answer.http_status != expected.status {
        return Err(format!(
            "HTTP {} != expected {}: {} vs {}",
            answer.http_status,
            expected.status,
            answer.body_text(),
            expected.body
        ));
    }
    bind_ids(&expected.body, &actual, ids)?;
    same(&expected.body, &actual, ids, "$")
}

/// The domain state as JSON, without the answer count (not domain state).
pub fn domain_state(sim: &Simulation) -> Value {
    let mut v = serde_json::to_value(sim).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.remove("Answers");
    }
    v
}

/// The whole state against the model, after settling a copy of it: clock, settings,
/// instances, every job and set in order, ids where bound, quota counts.
pub fn compare_state(model: &Model, scenario: &Scenario, ids: &Ids) -> Result<(), String> {
    if scenario.answers_given() != model.answers {
        return Err(format!(
            "{} answers != model {}",
            scenario.answers_given(),
            model.answers
        ));
    }
    let sim = scenario.simulation();
    sim.check_invariants()?;
    let mut sim = sim.clone();
    sim.settle_all();
    sim.check_invariants()?;
    let clock = sim.clock().as_millis();
    if clock != model.clock {
        return Err(format!(
            "clock {} != model {}",
            sim.clock(),
            fmt_seconds(model.clock)
        ));
    }
    let s = sim.settings();
    let ms = &model.settings;
    let settings = (
        s.seed,
        s.daily_backup_limit,
        s.quota_window == rds_backup_sim::QuotaWindow::Rolling24h,
        s.quota_utc_offset.minutes(),
        s.backup_duration_seconds,
    );
    if settings
        != (
            ms.seed,
            ms.limit,
            ms.rolling,
            ms.offset_minutes,
            ms.duration,
        )
    {
        return Err(format!("settings {settings:?} != model {ms:?}"));
    }
    // Counters give one id per job, from the first: nothing else (a refusal) consumes one.
    let counters = sim.id_counters();
    let jobs = model.jobs.len() as u64;
    let given = (
        counters.next_job_id - rds_backup_sim::ids::FIRST_JOB_ID,
        counters.next_backup_id - rds_backup_sim::ids::FIRST_BACKUP_ID,
    );
    if given != (jobs, jobs) {
        return Err(format!("counters gave {given:?} ids for {jobs} jobs"));
    }
    if sim.instances().len() != model.instances.len() {
        return Err("instance count differs".into());
    }
    for (inst, m) in sim.instances().values().zip(&model.instances) {
        let id = inst.id().as_str();
        let attrs = (
            id,
            inst.engine(),
            inst.storage(),
            inst.kind(),
            inst.status(),
            inst.lock(),
            inst.category(),
        );
        let mattrs = (
            m.id.as_str(),
            m.engine,
            m.storage,
            m.kind,
            m.status,
            m.lock,
            m.category,
        );
        if attrs != mattrs {
            return Err(format!("instance {attrs:?} != model {mattrs:?}"));
        }
        let dbs: Vec<(String, rds_backup_sim::DbStatus)> = inst
            .databases()
            .iter()
            .map(|d| (d.name.to_string(), d.status))
            .collect();
        if dbs != m.databases {
            return Err(format!(
                "{id}: databases {dbs:?} != model {:?}",
                m.databases
            ));
        }
        let policy = inst.policy().map(|p| (p.time_text(), p.period_text()));
        let mpolicy = m.policy.map(|p| (p.time_text(), p.period_text()));
        if policy != mpolicy {
            return Err(format!("{id}: policy {policy:?} != model {mpolicy:?}"));
        }
        let next = inst.next_auto_start().map(|t| t.as_millis());
        let mnext = m.policy.map(|p| p.next_after(m.auto_cursor));
        if next != mnext {
            return Err(format!(
                "{id}: next automatic start {next:?} != model {mnext:?}"
            ));
        }
        let used = inst.quota().used(sim.settings(), sim.clock());
        if used != model.quota_used(id, model.clock) {
            return Err(format!(
                "{id}: quota used {used} != model {}",
                model.quota_used(id, model.clock)
            ));
        }
        compare_jobs(model, inst, ids)?;
    }
    Ok(())
}

fn compare_jobs(model: &Model, inst: &rds_backup_sim::Instance, ids: &Ids) -> Result<(), String> {
    let id = inst.id().as_str();
    let all: Vec<usize> = (0..model.jobs.len())
        .filter(|&j| model.jobs[j].instance == id)
        .collect();
    // T-6: expired automatic sets are gone, but the last ended job stays (its set hidden),
    // because CB-A3 reads whether it failed.
    let last_ended = all.iter().rev().find(|&&j| model.jobs[j].end.is_some());
    let mjobs: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&j| !model.jobs[j].expired(model.clock) || Some(&j) == last_ended)
        .collect();
    let ended = inst.history();
    let active = inst.active_job();
    if ended.len() + usize::from(active.is_some()) != mjobs.len() {
        return Err(format!(
            "{id}: {} jobs != model {}",
            ended.len() + usize::from(active.is_some()),
            mjobs.len()
        ));
    }
    for (k, &j) in mjobs.iter().enumerate() {
        let m = &model.jobs[j];
        let (job_id, set_id, mode, method, backup_type, started, duration, end) = match ended.get(k)
        {
            Some(r) => (
                r.id.0,
                r.backup_id.0,
                r.mode,
                r.method,
                r.backup_type,
                r.started,
                r.duration_seconds,
                Some((r.ended.as_millis(), r.outcome, r.set_deleted, r.size)),
            ),
            None => {
                let Some(a) = active else {
                    return Err(format!("{id}: job {k} missing"));
                };
                (
                    a.id.0,
                    a.backup_id.0,
                    a.mode,
                    a.method,
                    a.backup_type,
                    a.started,
                    a.duration_seconds,
                    None,
                )
            }
        };
        let got = (mode, method, backup_type, started.as_millis(), duration);
        let want = (m.mode, m.method, m.backup_type, m.started, m.duration);
        if got != want {
            return Err(format!("{id}: job {k} {got:?} != model {want:?}"));
        }
        let hidden = m.set_deleted || m.expired(model.clock);
        let want_end = m
            .end
            .map(|(at, outcome, seed, dbs)| (at, outcome, hidden, model_size(seed, set_id, dbs)));
        if end != want_end {
            return Err(format!("{id}: job {k} end {end:?} != model {want_end:?}"));
        }
        if ids.jobs.get(j).is_some_and(|bound| bound != job_id) {
            return Err(format!("{id}: job {k} has id {job_id}, bound to another"));
        }
        if ids.sets.get(j).is_some_and(|bound| bound != set_id) {
            return Err(format!("{id}: set {k} has id {set_id}, bound to another"));
        }
    }
    Ok(())
}

/// An accepted `CreateBackup` had every precondition true at `now` (checked on the state
/// before it, settled to `now`, through the crate's getters).
pub fn check_accepted_preconditions(
    before: &Simulation,
    params: &rds_backup_sim::testing::CreateBackupParams,
    now: rds_backup_sim::Timestamp,
) -> Result<(), String> {
    use rds_backup_sim::{BackupMethod, DbStatus, InstanceKind, InstanceStatus, LockMode};
    let mut sim = before.clone();
    sim.advance_to(now).map_err(|e| e.to_string())?;
    sim.settle_all();
    let filled = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let id = filled(&params.db_instance_id).ok_or("CB-1: no DBInstanceId")?;
    let method = filled(&params.backup_method).unwrap_or("Physical".into());
    let Some(method) = BackupMethod::from_wire(&method) else {
        return Err(format!("CB-2: method {method:?}"));
    };
    if !filled(&params.backup_type).is_none_or(|t| t == "Auto" || t == "FullBackup") {
        return Err("CB-3: bad BackupType".into());
    }
    if !filled(&params.backup_strategy).is_none_or(|t| t == "db" || t == "instance") {
        return Err("CB-4: bad BackupStrategy".into());
    }
    let inst = sim.instance(&id).ok_or("CB-6: no such instance")?;
    if matches!(inst.kind(), InstanceKind::Readonly | InstanceKind::Temp) {
        return Err(format!("CB-7/8: kind {}", inst.kind()));
    }
    if inst.status() != InstanceStatus::Running {
        return Err(format!("CB-9: status {}", inst.status()));
    }
    if inst.lock() != LockMode::Unlock {
        return Err(format!("CB-10: lock {}", inst.lock()));
    }
    if method == BackupMethod::Logical
        && !inst
            .databases()
            .iter()
            .any(|d| d.status == DbStatus::Running)
    {
        return Err("CB-12: no Running database".into());
    }
    if let Some(job) = inst.active_job() {
        return Err(format!("CB-16: job {} was active", job.id));
    }
    let used = inst.quota().used(sim.settings(), now);
    if used as u64 >= u64::from(sim.settings().daily_backup_limit) {
        return Err(format!(
            "CB-17: {used} of {} used",
            sim.settings().daily_backup_limit
        ));
    }
    Ok(())
}
