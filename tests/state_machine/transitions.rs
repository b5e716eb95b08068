//! The transitions: what a step does, in terms both sides understand, and how it is written
//! as a scenario line. Ids of jobs and sets are *model* ids ([`JobRef::Seen`]); the system
//! under test translates them through its bijection when it writes the line.

use rds_backup_sim::testing::{databases_json, instance_line, policy_json, CreateBackupParams};
use rds_backup_sim::{
    BackupPolicy, Database, InstanceKind, InstanceSpec, InstanceStatus, LockMode, QuotaWindow,
};

/// A job or set named in a request: one the client has seen (a model id), or a literal
/// that names no job (not decimal, or a number the counters never reach).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdRef {
    /// The job (or its set) with this model id; precondition: the model has shown it.
    Seen(usize),
    /// A string that is no id of this simulation.
    Literal(&'static str),
}

/// A `StartTime`/`EndTime` of `DescribeBackups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeParam {
    /// A whole minute, milliseconds since the epoch.
    Minute(i64),
    /// A malformed value.
    Literal(&'static str),
}

/// One step: an optional `At` (seconds relative to the clock, negative = backwards), an
/// action, and whether the system under test settles every instance first (so that the
/// "a rejected request changes nothing" comparison sees ids assigned in the same order).
#[derive(Clone, Debug)]
pub struct Step {
    pub at: Option<i64>,
    pub settle_first: bool,
    pub action: Action,
}

/// The actions, one per scenario action the suite drives.
#[derive(Clone, Debug)]
pub enum Action {
    Configure {
        limit: Option<u32>,
        window: Option<QuotaWindow>,
        offset: Option<&'static str>,
        duration: Option<u32>,
        seed: Option<u64>,
    },
    CreateInstance(InstanceSpec),
    ModifyInstance {
        id: String,
        status: Option<InstanceStatus>,
        lock: Option<LockMode>,
        kind: Option<InstanceKind>,
        databases: Option<Vec<Database>>,
        policy: Option<Option<BackupPolicy>>,
        duration: Option<u32>,
    },
    AdvanceSeconds(u64),
    /// `Sim.AdvanceTime` with `To`: an absolute time (milliseconds), perhaps in the past.
    AdvanceTo(i64),
    /// To the next midnight at `offset_minutes` east of UTC, plus `jitter` seconds.
    AdvanceToMidnight {
        offset_minutes: i32,
        jitter: i64,
    },
    FailJob(Option<String>),
    CreateBackup(CreateBackupParams),
    DescribeTasks {
        id: Option<String>,
        job: Option<IdRef>,
        mode: Option<&'static str>,
        status: Option<&'static str>,
    },
    DescribeBackups {
        id: Option<String>,
        set: Option<IdRef>,
        status: Option<&'static str>,
        mode: Option<&'static str>,
        backup_type: Option<&'static str>,
        start: Option<TimeParam>,
        end: Option<TimeParam>,
        page_size: Option<&'static str>,
        page_number: Option<&'static str>,
    },
    DeleteBackup {
        id: Option<String>,
        /// `None`: no `BackupId`; `Some(empty)`: 101 ids.
        sets: Option<Vec<IdRef>>,
    },
    DescribeInstance(Option<String>),
    ModifyPolicy {
        id: Option<String>,
        time: Option<&'static str>,
        period: Option<&'static str>,
    },
    DescribePolicy(Option<String>),
    /// An action that is neither served nor a real RDS action (`InvalidAction.NotFound`).
    Unknown,
}

/// Milliseconds in a day.
pub const DAY: i64 = 86_400_000;

/// `AdvanceToMidnight` in seconds from `clock` (never negative).
pub fn midnight_seconds(clock: i64, offset_minutes: i32, jitter: i64) -> u64 {
    let offset = i64::from(offset_minutes) * 60_000;
    let next = ((clock + offset).div_euclid(DAY) + 1) * DAY - offset;
    let seconds = (next - clock) / 1000 + jitter;
    seconds.max(0) as u64
}

/// The offsets (minutes) of the `QuotaUtcOffset` strings the suite uses; `None` = invalid.
pub fn offset_minutes(text: &str) -> Option<i32> {
    match text {
        "+00:00" => Some(0),
        "+08:00" => Some(480),
        "-05:30" => Some(-330),
        "+14:00" => Some(840),
        "-12:00" => Some(-720),
        _ => None,
    }
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn push_opt(fields: &mut Vec<String>, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        fields.push(format!("{}:{}", quote(name), quote(v)));
    }
}

/// Formats a minute as `yyyy-MM-ddTHH:mmZ`.
pub fn minute_text(ms: i64) -> String {
    let s = crate::reference::fmt_seconds(ms);
    format!("{}Z", &s[..16])
}

impl Step {
    /// The scenario line; `clock` is the clock before the step, `job`/`set` translate model
    /// ids into the system's ids.
    pub fn line(
        &self,
        clock: i64,
        job: &dyn Fn(usize) -> String,
        set: &dyn Fn(usize) -> String,
    ) -> String {
        // Relative actions read the clock after a forward `At`, as the dispatch does.
        let now = match self.at {
            Some(delta) if delta >= 0 => clock + delta * 1000,
            _ => clock,
        };
        let body = self.action.fields(now, job, set);
        let at = self.at.map(|delta| {
            format!(
                ",\"At\":\"{}\"",
                crate::reference::fmt_seconds(clock + delta * 1000)
            )
        });
        let at = at.unwrap_or_default();
        // Every body starts with `{"Action":…`; `At` goes right after it.
        match body.find(',') {
            Some(comma) => format!("{}{at}{}", &body[..comma], &body[comma..]),
            None => format!("{}{at}}}", &body[..body.len() - 1]),
        }
    }
}

impl Action {
    fn fields(
        &self,
        clock: i64,
        job: &dyn Fn(usize) -> String,
        set: &dyn Fn(usize) -> String,
    ) -> String {
        let id_ref = |r: &IdRef, f: &dyn Fn(usize) -> String| match r {
            IdRef::Seen(n) => f(*n),
            IdRef::Literal(s) => (*s).to_owned(),
        };
        let mut fields: Vec<String> = Vec::new();
        let action = match self {
            Action::Configure {
                limit,
                window,
                offset,
                duration,
                seed,
            } => {
                if let Some(l) = limit {
                    fields.push(format!("\"DailyBackupLimit\":{l}"));
                }
                push_opt(&mut fields, "QuotaWindow", window.map(|w| w.as_str()));
                push_opt(&mut fields, "QuotaUtcOffset", *offset);
                if let Some(d) = duration {
                    fields.push(format!("\"BackupDurationSeconds\":{d}"));
                }
                if let Some(s) = seed {
                    fields.push(format!("\"Seed\":{s}"));
                }
                "Sim.Configure"
            }
            Action::CreateInstance(spec) => return instance_line(spec),
            Action::ModifyInstance {
                id,
                status,
                lock,
                kind,
                databases,
                policy,
                duration,
            } => {
                push_opt(&mut fields, "DBInstanceId", Some(id));
                push_opt(&mut fields, "DBInstanceStatus", status.map(|s| s.as_str()));
                push_opt(&mut fields, "LockMode", lock.map(|s| s.as_str()));
                push_opt(&mut fields, "DBInstanceType", kind.map(|s| s.as_str()));
                if let Some(dbs) = databases {
                    fields.push(format!("\"Databases\":{}", databases_json(dbs)));
                }
                match policy {
                    None => {}
                    Some(None) => fields.push("\"BackupPolicy\":null".into()),
                    Some(Some(p)) => fields.push(format!("\"BackupPolicy\":{}", policy_json(p))),
                }
                if let Some(d) = duration {
                    fields.push(format!("\"BackupDurationSeconds\":{d}"));
                }
                "Sim.ModifyInstance"
            }
            Action::AdvanceTo(ms) => {
                push_opt(&mut fields, "To", Some(&crate::reference::fmt_seconds(*ms)));
                "Sim.AdvanceTime"
            }
            Action::AdvanceSeconds(s) => {
                fields.push(format!("\"Seconds\":{s}"));
                "Sim.AdvanceTime"
            }
            Action::AdvanceToMidnight {
                offset_minutes,
                jitter,
            } => {
                let s = midnight_seconds(clock, *offset_minutes, *jitter);
                fields.push(format!("\"Seconds\":{s}"));
                "Sim.AdvanceTime"
            }
            Action::FailJob(id) => {
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                "Sim.FailBackupJob"
            }
            Action::CreateBackup(p) => return p.to_line(),
            Action::DescribeTasks {
                id,
                job: j,
                mode,
                status,
            } => {
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                push_opt(
                    &mut fields,
                    "BackupJobId",
                    j.as_ref().map(|r| id_ref(r, job)).as_deref(),
                );
                push_opt(&mut fields, "BackupMode", *mode);
                push_opt(&mut fields, "BackupJobStatus", *status);
                "DescribeBackupTasks"
            }
            Action::DescribeBackups {
                id,
                set: s,
                status,
                mode,
                backup_type,
                start,
                end,
                page_size,
                page_number,
            } => {
                let time = |t: &TimeParam| match t {
                    TimeParam::Minute(ms) => minute_text(*ms),
                    TimeParam::Literal(s) => (*s).to_owned(),
                };
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                push_opt(
                    &mut fields,
                    "BackupId",
                    s.as_ref().map(|r| id_ref(r, set)).as_deref(),
                );
                push_opt(&mut fields, "BackupStatus", *status);
                push_opt(&mut fields, "BackupMode", *mode);
                push_opt(&mut fields, "BackupType", *backup_type);
                push_opt(
                    &mut fields,
                    "StartTime",
                    start.as_ref().map(time).as_deref(),
                );
                push_opt(&mut fields, "EndTime", end.as_ref().map(time).as_deref());
                push_opt(&mut fields, "PageSize", *page_size);
                push_opt(&mut fields, "PageNumber", *page_number);
                "DescribeBackups"
            }
            Action::DeleteBackup { id, sets } => {
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                let list = sets.as_ref().map(|sets| {
                    if sets.is_empty() {
                        (1..=101)
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    } else {
                        sets.iter()
                            .map(|r| id_ref(r, set))
                            .collect::<Vec<_>>()
                            .join(",")
                    }
                });
                push_opt(&mut fields, "BackupId", list.as_deref());
                "DeleteBackup"
            }
            Action::DescribeInstance(id) => {
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                "DescribeDBInstanceAttribute"
            }
            Action::ModifyPolicy { id, time, period } => {
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                push_opt(&mut fields, "PreferredBackupTime", *time);
                push_opt(&mut fields, "PreferredBackupPeriod", *period);
                "ModifyBackupPolicy"
            }
            Action::DescribePolicy(id) => {
                push_opt(&mut fields, "DBInstanceId", id.as_deref());
                "DescribeBackupPolicy"
            }
            Action::Unknown => "StartDBInstances",
        };
        let mut line = format!("{{\"Action\":{}", quote(action));
        for f in fields {
            line.push(',');
            line.push_str(&f);
        }
        line.push('}');
        line
    }
}
