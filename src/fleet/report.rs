//! What a fleet run counts: requests, answers by code, sets, per-day figures. Counts are
//! sums over instances, so the reports of disjoint shards merge into the unsharded one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::instance::SetRecord;
use crate::vocab::{BackupMethod, BackupMode, Engine};

const CODES: usize = ErrorCode::ALL.len();

fn code_index(code: ErrorCode) -> usize {
    code as usize
}

/// The counts of one run or shard, in flat arrays for the runner's hot loop; turned into
/// a [`FleetReport`] at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub(crate) instances: u64,
    pub(crate) requests: u64,
    pub(crate) accepted: u64,
    pub(crate) rejected: [u64; CODES],
    pub(crate) lost_answers: u64,
    pub(crate) sets: [[[u64; 2]; 3]; 4],
    pub(crate) automatic_sets: u64,
    pub(crate) active_at_end: u64,
    pub(crate) clients_stopped: u64,
    pub(crate) invalid_instances: u64,
    pub(crate) days: Vec<DayTally>,
}

/// One simulated day's counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DayTally {
    pub accepted: u64,
    pub rejected: [u64; CODES],
    pub lost_answers: u64,
    pub at_limit: u64,
}

impl DayTally {
    fn new() -> DayTally {
        DayTally {
            accepted: 0,
            rejected: [0; CODES],
            lost_answers: 0,
            at_limit: 0,
        }
    }
}

impl Tally {
    /// Empty counts for a run of `days` days.
    pub fn new(days: u32) -> Tally {
        Tally {
            instances: 0,
            requests: 0,
            accepted: 0,
            rejected: [0; CODES],
            lost_answers: 0,
            sets: [[[0; 2]; 3]; 4],
            automatic_sets: 0,
            active_at_end: 0,
            clients_stopped: 0,
            invalid_instances: 0,
            days: (0..days).map(|_| DayTally::new()).collect(),
        }
    }

    pub(crate) fn accept(&mut self, day: usize) {
        self.requests += 1;
        self.accepted += 1;
        if let Some(d) = self.days.get_mut(day) {
            d.accepted += 1;
        }
    }

    /// Counts a refusal; returns nothing. `first_at_limit` marks the instance's first
    /// `Exceeded.BackupTimes` of the day.
    pub(crate) fn reject(&mut self, day: usize, code: ErrorCode, first_at_limit: bool) {
        self.requests += 1;
        let i = code_index(code);
        if let Some(n) = self.rejected.get_mut(i) {
            *n += 1;
        }
        if let Some(d) = self.days.get_mut(day) {
            if let Some(n) = d.rejected.get_mut(i) {
                *n += 1;
            }
            if first_at_limit {
                d.at_limit += 1;
            }
        }
    }

    /// Counts a lost answer: a request applied (and counted by what the rules decided)
    /// whose client saw 500 `InternalError`.
    pub(crate) fn lose_answer(&mut self, day: usize) {
        self.lost_answers += 1;
        if let Some(d) = self.days.get_mut(day) {
            d.lost_answers += 1;
        }
    }

    pub(crate) fn set(&mut self, engine: Engine, record: &SetRecord) {
        let method = match record.method() {
            BackupMethod::Logical => 0,
            BackupMethod::Physical => 1,
            BackupMethod::Snapshot => 2,
        };
        let outcome = usize::from(record.failed());
        self.sets[engine_index(engine)][method][outcome] += 1;
        if record.mode() == BackupMode::Automated {
            self.automatic_sets += 1;
        }
    }

    /// Adds `other`'s counts (a disjoint set of instances of the same run).
    pub fn merge(&mut self, other: &Tally) {
        self.instances += other.instances;
        self.requests += other.requests;
        self.accepted += other.accepted;
        add(&mut self.rejected, &other.rejected);
        self.lost_answers += other.lost_answers;
        for (a, b) in self.sets.iter_mut().zip(&other.sets) {
            for (a, b) in a.iter_mut().zip(b) {
                add(a, b);
            }
        }
        self.automatic_sets += other.automatic_sets;
        self.active_at_end += other.active_at_end;
        self.clients_stopped += other.clients_stopped;
        self.invalid_instances += other.invalid_instances;
        while self.days.len() < other.days.len() {
            self.days.push(DayTally::new());
        }
        for (a, b) in self.days.iter_mut().zip(&other.days) {
            a.accepted += b.accepted;
            a.at_limit += b.at_limit;
            a.lost_answers += b.lost_answers;
            add(&mut a.rejected, &b.rejected);
        }
    }

    /// The report of these counts.
    pub fn report(&self) -> FleetReport {
        let mut sets: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let (mut finished, mut failed) = (0, 0);
        for (e, engine) in Engine::ALL.iter().enumerate() {
            for (m, method) in [
                BackupMethod::Logical,
                BackupMethod::Physical,
                BackupMethod::Snapshot,
            ]
            .iter()
            .enumerate()
            {
                let [ok, bad] = self.sets[e][m];
                finished += ok;
                failed += bad;
                if ok + bad > 0 {
                    sets.entry(engine.as_str().to_owned())
                        .or_default()
                        .insert(method.as_str().to_owned(), ok + bad);
                }
            }
        }
        FleetReport {
            instances: self.instances,
            requests: self.requests,
            accepted: self.accepted,
            rejected: by_code(&self.rejected),
            lost_answers: self.lost_answers,
            jobs_finished: finished,
            jobs_failed: failed,
            automatic_jobs: self.automatic_sets,
            jobs_active_at_end: self.active_at_end,
            sets,
            clients_stopped: self.clients_stopped,
            invalid_instances: self.invalid_instances,
            days: self
                .days
                .iter()
                .enumerate()
                .map(|(day, d)| DayReport {
                    day: day as u32,
                    accepted: d.accepted,
                    rejected: by_code(&d.rejected),
                    lost_answers: d.lost_answers,
                    instances_at_daily_limit: d.at_limit,
                })
                .collect(),
        }
    }
}

fn add<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
    for (a, b) in a.iter_mut().zip(b) {
        *a += b;
    }
}

fn engine_index(engine: Engine) -> usize {
    match engine {
        Engine::MySql => 0,
        Engine::PostgreSql => 1,
        Engine::SqlServer => 2,
        Engine::MariaDb => 3,
    }
}

/// Counts by wire code, only codes that occurred (two rows with one code add up).
fn by_code(counts: &[u64; CODES]) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for code in ErrorCode::ALL {
        let n = counts.get(code_index(*code)).copied().unwrap_or(0);
        if n > 0 {
            *map.entry(code.spec().code.to_owned()).or_insert(0) += n;
        }
    }
    map
}

/// The counts of a fleet run, as `simulate --json` writes them (`docs/simulate.md`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetReport {
    /// Instances simulated.
    pub instances: u64,
    /// `CreateBackup` requests sent (every one a decision of the rules).
    pub requests: u64,
    /// Requests accepted (a job started).
    pub accepted: u64,
    /// Refused requests by wire `Code`; only codes that occurred. Injected
    /// `Throttling.User` and `ServiceUnavailable` count here (the request was not applied).
    pub rejected: BTreeMap<String, u64>,
    /// Requests applied whose client saw 500 `InternalError` (an injected lost answer);
    /// each is also counted in `accepted` or `rejected` by what the rules decided.
    #[serde(default)]
    pub lost_answers: u64,
    /// Jobs that ended `Finished` (sets with `BackupStatus=Success`), manual and automatic.
    pub jobs_finished: u64,
    /// Jobs that ended `Failed` (failures the runner injected, T-3).
    pub jobs_failed: u64,
    /// Of the ended jobs, the automatic ones (T-5).
    pub automatic_jobs: u64,
    /// Jobs still active at the end of the run.
    pub jobs_active_at_end: u64,
    /// Ended jobs' sets by `Engine`, then by recorded `BackupMethod`.
    pub sets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Clients stopped for sending more than the per-day cap of requests.
    pub clients_stopped: u64,
    /// Instances whose description the simulation refused (0 with the built-in mix).
    pub invalid_instances: u64,
    /// One entry per simulated day.
    pub days: Vec<DayReport>,
}

/// One simulated day of a [`FleetReport`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayReport {
    /// The day's number, 0 for the first.
    pub day: u32,
    /// Requests accepted that day.
    pub accepted: u64,
    /// Refusals that day by code; only codes that occurred.
    pub rejected: BTreeMap<String, u64>,
    /// Lost answers that day ([`FleetReport::lost_answers`]).
    #[serde(default)]
    pub lost_answers: u64,
    /// Instances that got at least one `Exceeded.BackupTimes` that day.
    pub instances_at_daily_limit: u64,
}

impl FleetReport {
    /// Requests refused, all codes together.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Adds `other`'s counts: the report of another, disjoint shard of the same run.
    pub fn merge(&mut self, other: &FleetReport) {
        self.instances += other.instances;
        self.requests += other.requests;
        self.accepted += other.accepted;
        merge_codes(&mut self.rejected, &other.rejected);
        self.lost_answers += other.lost_answers;
        self.jobs_finished += other.jobs_finished;
        self.jobs_failed += other.jobs_failed;
        self.automatic_jobs += other.automatic_jobs;
        self.jobs_active_at_end += other.jobs_active_at_end;
        for (engine, methods) in &other.sets {
            merge_codes(self.sets.entry(engine.clone()).or_default(), methods);
        }
        self.clients_stopped += other.clients_stopped;
        self.invalid_instances += other.invalid_instances;
        for day in &other.days {
            while self.days.len() <= day.day as usize {
                let next = self.days.len() as u32;
                self.days.push(DayReport {
                    day: next,
                    ..DayReport::default()
                });
            }
            let mine = &mut self.days[day.day as usize];
            mine.accepted += day.accepted;
            mine.instances_at_daily_limit += day.instances_at_daily_limit;
            mine.lost_answers += day.lost_answers;
            merge_codes(&mut mine.rejected, &day.rejected);
        }
    }
}

fn merge_codes(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (code, n) in from {
        *into.entry(code.clone()).or_insert(0) += n;
    }
}
