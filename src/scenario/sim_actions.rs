//! The simulator actions (`Sim.*`): natural JSON types in, `Sim.`-prefixed errors out.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::json;

use super::answer::Body;
use super::fields::{Fields, LineError};
use crate::authz::policy::Doc;
use crate::authz::{Identity, Policy};
use crate::faults::{Fault, FaultKind, FaultPhase, FaultSpec, Probability};
use crate::ids::InstanceId;
use crate::instance::{Database, InstanceChanges, InstanceSpec};
use crate::ops::backup_policy::BackupPolicyError;
use crate::ops::controls::SimError;
use crate::policy::{BackupPolicy, RetentionDays};
use crate::settings::{SettingsChange, UtcOffset, MAX_BACKUP_DURATION_SECONDS};
use crate::simulation::Simulation;
use crate::time::{Timestamp, MILLIS_PER_SECOND};
use crate::vocab::{
    clip, Category, DbStatus, Engine, InstanceKind, InstanceStatus, LockMode, QuotaWindow,
    StorageType, WireEnum,
};

/// One simulator action: its name without `Sim.`, the fields it knows and what it does.
struct SimAction {
    name: &'static str,
    fields: &'static [&'static str],
    run: fn(&mut Simulation, &Fields<'_>, Timestamp, bool) -> Result<Body, LineError>,
}

/// Fields every line may carry (scenario-format.md, "Lines").
const COMMON_FIELDS: &[&str] = &["Action", "At", "Expect", "AccessKeyId", "Comment"];

/// The instance fields `Sim.CreateInstance` takes (create-backup.md section 1).
const CREATE_INSTANCE_FIELDS: &[&str] = &[
    "DBInstanceId",
    "Engine",
    "EngineVersion",
    "DBInstanceStorageType",
    "DBInstanceType",
    "DBInstanceStatus",
    "LockMode",
    "Category",
    "RegionId",
    "AccountId",
    "Tags",
    "Databases",
    "BackupDurationSeconds",
    "BackupPolicy",
];

/// The simulator actions, each with every field it knows.
const SIM_ACTIONS: &[SimAction] = &[
    SimAction {
        name: "Configure",
        fields: &[
            "Start",
            "Seed",
            "DailyBackupLimit",
            "QuotaWindow",
            "QuotaUtcOffset",
            "BackupDurationSeconds",
        ],
        run: configure,
    },
    SimAction {
        name: "CreateInstance",
        fields: CREATE_INSTANCE_FIELDS,
        run: |sim, fields, now, _| create_instance(sim, fields, now),
    },
    SimAction {
        name: "ModifyInstance",
        fields: MODIFY_INSTANCE_FIELDS,
        run: |sim, fields, now, _| modify_instance(sim, fields, now),
    },
    SimAction {
        name: "AdvanceTime",
        fields: &["To", "Seconds"],
        run: |sim, fields, _, _| advance_time(sim, fields),
    },
    SimAction {
        name: "PutIdentity",
        fields: &[
            "AccountId",
            "UserName",
            "AccessKeyId",
            "AccessKeySecret",
            "Policies",
        ],
        run: |sim, fields, now, _| put_identity(sim, fields, now),
    },
    SimAction {
        name: "FailBackupJob",
        fields: &["DBInstanceId"],
        run: |sim, fields, now, _| fail_backup_job(sim, fields, now),
    },
    SimAction {
        name: "InjectFault",
        // `AccessKeyId`, known to every line, is the fault's key filter here.
        fields: &[
            "Fault",
            "Target",
            "DBInstanceId",
            "Times",
            "Probability",
            "Phase",
            "LatencyMs",
            "Until",
        ],
        run: |sim, fields, now, _| inject_fault(sim, fields, now),
    },
    SimAction {
        name: "ClearFaults",
        fields: &["FaultId"],
        run: |sim, fields, now, _| {
            let id = fields.typed::<String>("FaultId", "a string f-N")?;
            sim.clear_faults(id.as_deref(), now)
                .map_err(LineError::sim)?;
            Ok(Body::ok(json!({})))
        },
    },
    SimAction {
        name: "DescribeFaults",
        fields: &[],
        run: |sim, _, now, _| {
            sim.advance_to(now)
                .map_err(|e| LineError::sim(SimError::TimeWentBackwards(e)))?;
            let faults: Vec<_> = sim
                .faults()
                .iter()
                .map(|f| describe_fault(f, now))
                .collect();
            Ok(Body::ok(json!({ "Faults": faults })))
        },
    },
];

/// A fault as `Sim.DescribeFaults` lists it: its declared fields, `Fired` and `Active`.
fn describe_fault(fault: &Fault, now: Timestamp) -> serde_json::Value {
    let s = &fault.spec;
    let mut out = serde_json::Map::new();
    out.insert("FaultId".into(), fault.fault_id().into());
    out.insert("Fault".into(), s.kind.as_str().into());
    if let Some(target) = &s.target {
        out.insert("Target".into(), target.as_str().into());
    }
    if let Some(id) = &s.db_instance_id {
        out.insert("DBInstanceId".into(), id.as_str().into());
    }
    if let Some(key) = &s.access_key_id {
        out.insert("AccessKeyId".into(), key.as_str().into());
    }
    if let Some(times) = s.times {
        out.insert("Times".into(), times.into());
    }
    if let Some(p) = s.probability {
        out.insert("Probability".into(), p.get().into());
    }
    out.insert("Phase".into(), s.phase.as_str().into());
    if s.kind.takes_latency() {
        out.insert("LatencyMs".into(), s.latency_ms().into());
    }
    if let Some(until) = s.until {
        out.insert("Until".into(), until.to_rfc3339().into());
    }
    out.insert("Fired".into(), fault.fired.into());
    out.insert("Active".into(), fault.is_active(now).into());
    serde_json::Value::Object(out)
}

/// `Sim.InjectFault` (faults.md, "Declaring a fault"): the fields' types here, the rules of
/// a declaration in `FaultSpec::check`.
fn inject_fault(
    sim: &mut Simulation,
    fields: &Fields<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let kind = wire_enum::<FaultKind>(fields, "Fault")?
        .ok_or_else(|| LineError::invalid("Fault", "is required"))?;
    let mut spec = FaultSpec::new(kind);
    spec.target = fields.typed("Target", "a string: an API action or *")?;
    spec.db_instance_id = fields.typed("DBInstanceId", "a string")?;
    spec.access_key_id = fields.typed("AccessKeyId", "a string")?;
    spec.times = fields.typed("Times", "an integer of at least 1")?;
    spec.probability = match fields.typed::<f64>("Probability", "a number 0 < p <= 1")? {
        None => None,
        Some(p) => Some(
            Probability::new(p)
                .ok_or_else(|| LineError::invalid("Probability", "must be a number 0 < p <= 1"))?,
        ),
    };
    spec.phase = wire_enum::<FaultPhase>(fields, "Phase")?.unwrap_or(FaultPhase::Before);
    spec.latency_ms = fields.typed("LatencyMs", "an integer from 0 to 600000")?;
    spec.until = fields.time("Until")?;
    let id = sim.inject_fault(spec, now).map_err(LineError::sim)?;
    Ok(Body::ok(json!({ "FaultId": id })))
}

/// Answers one `Sim.<name>` action at `now`: an unknown action answers
/// `InvalidAction.NotFound`; a field the action does not know, `Sim.InvalidParameter`
/// naming it (and the known field it probably meant), with nothing applied.
pub(crate) fn dispatch(
    sim: &mut Simulation,
    name: &str,
    fields: &Fields<'_>,
    now: Timestamp,
    is_first_line: bool,
) -> Result<Body, LineError> {
    let action = SIM_ACTIONS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(super::unknown_action)?;
    if let Some(unknown) = fields
        .keys()
        .find(|key| !COMMON_FIELDS.contains(key) && !action.fields.contains(key))
    {
        return Err(LineError::sim(SimError::UnknownField {
            action: action.name,
            field: clip(unknown).to_owned(),
            suggestion: suggestion(unknown, action.fields),
        }));
    }
    (action.run)(sim, fields, now, is_first_line)
}

/// The known field within two edits of `unknown` (plain Levenshtein, case-sensitive), the
/// closest, the first in the table among equals.
fn suggestion(unknown: &str, known: &'static [&'static str]) -> Option<&'static str> {
    const MAX_EDITS: usize = 2;
    COMMON_FIELDS
        .iter()
        .chain(known)
        // A name more than two characters longer or shorter is more than two edits away;
        // skipping it keeps the work bounded whatever the line holds.
        .filter(|k| k.len().abs_diff(unknown.len()) <= MAX_EDITS)
        .map(|k| (strsim::levenshtein(unknown, k), *k))
        .filter(|(distance, _)| *distance <= MAX_EDITS)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn fail_backup_job(
    sim: &mut Simulation,
    fields: &Fields<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let id = instance_id(fields)?;
    let job = sim
        .fail_backup_job(id.as_str(), now)
        .map_err(LineError::sim)?;
    Ok(Body::ok(
        json!({"DBInstanceId": id.as_str(), "BackupJobId": job.to_string()}),
    ))
}

fn wire_enum<T: WireEnum>(fields: &Fields<'_>, name: &'static str) -> Result<Option<T>, LineError> {
    let what = || format!("one of {}", T::list());
    match fields.typed::<String>(name, &what())? {
        None => Ok(None),
        Some(text) => T::from_wire(&text)
            .map(Some)
            .ok_or_else(|| LineError::invalid(name, format!("must be {}", what()))),
    }
}

fn duration(fields: &Fields<'_>, name: &'static str) -> Result<Option<u32>, LineError> {
    let what = format!("an integer from 1 to {MAX_BACKUP_DURATION_SECONDS}");
    match fields.typed::<u64>(name, &what)? {
        None => Ok(None),
        Some(n) if (1..=MAX_BACKUP_DURATION_SECONDS).contains(&n) => Ok(u32::try_from(n).ok()),
        Some(_) => Err(LineError::invalid(name, format!("must be {what}"))),
    }
}

fn instance_id(fields: &Fields<'_>) -> Result<InstanceId, LineError> {
    let text = fields
        .typed::<String>("DBInstanceId", "a non-empty string")?
        .ok_or_else(|| LineError::invalid("DBInstanceId", "is required"))?;
    InstanceId::new(&text)
        .ok_or_else(|| LineError::invalid("DBInstanceId", "must be a non-empty string"))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DatabaseWire {
    Name(String),
    Full {
        #[serde(rename = "DBName")]
        name: String,
        #[serde(rename = "DBStatus", default)]
        status: Option<String>,
    },
}

fn databases(fields: &Fields<'_>) -> Result<Option<Vec<Database>>, LineError> {
    const WHAT: &str = "a list of names or of {\"DBName\",\"DBStatus\"} objects";
    let Some(list) = fields.typed::<Vec<DatabaseWire>>("Databases", WHAT)? else {
        return Ok(None);
    };
    list.into_iter()
        .map(|db| match db {
            DatabaseWire::Name(name) => Ok(Database::running(&name)),
            DatabaseWire::Full { name, status } => {
                let status = match status {
                    None => DbStatus::Running,
                    Some(s) => DbStatus::from_wire(&s).ok_or_else(|| {
                        LineError::invalid(
                            "Databases",
                            format!("DBStatus must be one of {}", DbStatus::list()),
                        )
                    })?,
                };
                Ok(Database {
                    name: name.into(),
                    status,
                })
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `BackupPolicy` as a simulator line writes it; a missing part is refused as a bad one.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyFields {
    preferred_backup_time: Option<String>,
    preferred_backup_period: Option<String>,
    backup_retention_period: Option<u64>,
}

/// A line's `BackupPolicy`: `None` when absent; `policy` is `None` for JSON `null` (remove
/// the policy); `retention` is the `BackupRetentionPeriod` it carries, if any.
struct PolicyChange {
    policy: Option<BackupPolicy>,
    retention: Option<RetentionDays>,
}

/// `BackupPolicy`. A time that is not `HH:mmZ-HH:mmZ` with a later end answers
/// `InvalidPreferredBackupTime.Format`, a bad period `InvalidParameters.Format` and a
/// retention outside 7–730 `InvalidBackupRetentionPeriod.Malformed`, in that order, as
/// `ModifyBackupPolicy` answers them (T-5, T-6), though a single day is accepted here.
fn policy(fields: &Fields<'_>) -> Result<Option<PolicyChange>, LineError> {
    const WHAT: &str = "{\"PreferredBackupTime\":\"HH:mmZ-HH:mmZ\",\"PreferredBackupPeriod\":\"Monday,...\"} (and optionally \"BackupRetentionPeriod\": days) or null";
    let Some(wire) = fields.typed::<Option<PolicyFields>>("BackupPolicy", WHAT)? else {
        return Ok(None);
    };
    let Some(wire) = wire else {
        return Ok(Some(PolicyChange {
            policy: None,
            retention: None,
        }));
    };
    let refuse = |e: BackupPolicyError| LineError::of(&e);
    let policy = BackupPolicy::parse(
        wire.preferred_backup_time.as_deref().unwrap_or(""),
        wire.preferred_backup_period.as_deref().unwrap_or(""),
        1,
    )
    .map_err(|e| refuse(e.into()))?;
    let retention = wire
        .backup_retention_period
        .map(|days| RetentionDays::new(days).ok_or(BackupPolicyError::InvalidRetention))
        .transpose()
        .map_err(refuse)?;
    Ok(Some(PolicyChange {
        policy: Some(policy),
        retention,
    }))
}

fn tags(fields: &Fields<'_>) -> Result<Option<Vec<(String, String)>>, LineError> {
    let map =
        fields.typed::<indexmap::IndexMap<String, String>>("Tags", "an object of string values")?;
    Ok(map.map(|m| m.into_iter().collect()))
}

fn configure(
    sim: &mut Simulation,
    fields: &Fields<'_>,
    now: Timestamp,
    is_first_line: bool,
) -> Result<Body, LineError> {
    let start = fields.time("Start")?;
    if start.is_some() && !is_first_line {
        return Err(LineError::invalid(
            "Start",
            "is allowed only on the first line of a scenario",
        ));
    }
    let window = wire_enum::<QuotaWindow>(fields, "QuotaWindow")?;
    let offset = match fields.typed::<String>("QuotaUtcOffset", "a string +HH:MM or -HH:MM")? {
        None => None,
        Some(text) => Some(UtcOffset::parse(&text).ok_or_else(|| {
            LineError::invalid(
                "QuotaUtcOffset",
                "must be +HH:MM or -HH:MM between -12:00 and +14:00",
            )
        })?),
    };
    let change = SettingsChange {
        seed: fields.typed::<u64>("Seed", "an integer from 0 to 18446744073709551615")?,
        daily_backup_limit: fields
            .typed::<u32>("DailyBackupLimit", "an integer from 0 to 4294967295")?,
        quota_window: window,
        quota_utc_offset: offset,
        backup_duration_seconds: duration(fields, "BackupDurationSeconds")?,
    };
    let now = match start {
        Some(start) => {
            *sim = Simulation::new(sim.settings().clone(), start);
            start
        }
        None => now,
    };
    sim.configure(&change, now).map_err(LineError::sim)?;
    Ok(Body::ok(json!({"Clock": sim.clock().to_rfc3339()})))
}

fn create_instance(
    sim: &mut Simulation,
    fields: &Fields<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let id = instance_id(fields)?;
    let engine = wire_enum::<Engine>(fields, "Engine")?
        .ok_or_else(|| LineError::invalid("Engine", "is required"))?;
    let mut spec = InstanceSpec::new(id.clone(), engine);
    spec.engine_version = fields.typed("EngineVersion", "a string")?;
    spec.storage = wire_enum::<StorageType>(fields, "DBInstanceStorageType")?;
    spec.kind = wire_enum::<InstanceKind>(fields, "DBInstanceType")?.unwrap_or(spec.kind);
    spec.status = wire_enum::<InstanceStatus>(fields, "DBInstanceStatus")?.unwrap_or(spec.status);
    spec.lock = wire_enum::<LockMode>(fields, "LockMode")?.unwrap_or(spec.lock);
    spec.category = wire_enum::<Category>(fields, "Category")?.unwrap_or(spec.category);
    spec.region = fields.typed("RegionId", "a string")?;
    spec.account_id = fields.typed("AccountId", "a string of 16 digits")?;
    spec.tags = tags(fields)?.unwrap_or_default();
    spec.databases = databases(fields)?.unwrap_or_default();
    spec.backup_duration_seconds = duration(fields, "BackupDurationSeconds")?;
    if let Some(change) = policy(fields)? {
        spec.policy = change.policy;
        spec.retention = change.retention.unwrap_or_default();
    }
    sim.create_instance(spec, now).map_err(LineError::sim)?;
    Ok(Body::ok(json!({"DBInstanceId": id.as_str()})))
}

/// The fields `Sim.ModifyInstance` knows: what it changes, then the fixed fields, known so
/// that they are refused as "cannot be modified" rather than as unknown.
const MODIFY_INSTANCE_FIELDS: &[&str] = &[
    "DBInstanceId",
    "DBInstanceStatus",
    "LockMode",
    "DBInstanceType",
    "Databases",
    "BackupPolicy",
    "BackupDurationSeconds",
    "Tags",
    "Engine",
    "EngineVersion",
    "DBInstanceStorageType",
    "Category",
    "RegionId",
    "AccountId",
];

/// Fields `Sim.ModifyInstance` refuses: they describe what an instance is, not its state.
const FIXED_FIELDS: &[&str] = MODIFY_INSTANCE_FIELDS.split_at(8).1;

fn modify_instance(
    sim: &mut Simulation,
    fields: &Fields<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let id = instance_id(fields)?;
    if let Some(fixed) = FIXED_FIELDS.iter().find(|f| fields.has(f)) {
        return Err(LineError::invalid(fixed, "cannot be modified"));
    }
    // Parsed in the order of the fields' table: the first bad one answers.
    let (status, lock, kind) = (
        wire_enum(fields, "DBInstanceStatus")?,
        wire_enum(fields, "LockMode")?,
        wire_enum(fields, "DBInstanceType")?,
    );
    let databases = databases(fields)?;
    let policy = policy(fields)?;
    let changes = InstanceChanges {
        status,
        lock,
        kind,
        databases,
        retention: policy.as_ref().and_then(|c| c.retention),
        policy: policy.map(|c| c.policy),
        backup_duration_seconds: duration(fields, "BackupDurationSeconds")?,
        tags: tags(fields)?,
    };
    sim.modify_instance(id.as_str(), changes, now)
        .map_err(LineError::sim)?;
    Ok(Body::ok(json!({"DBInstanceId": id.as_str()})))
}

fn advance_time(sim: &mut Simulation, fields: &Fields<'_>) -> Result<Body, LineError> {
    let to = fields.time("To")?;
    let seconds = fields.typed::<u64>("Seconds", "an integer of at least 0")?;
    let target = match (to, seconds) {
        (Some(to), None) => to,
        (None, Some(seconds)) => i64::try_from(seconds)
            .ok()
            .and_then(|s| s.checked_mul(MILLIS_PER_SECOND))
            .and_then(|ms| sim.clock().checked_add_millis(ms))
            .ok_or_else(|| {
                LineError::invalid("Seconds", "moves the clock past 9999-12-31T23:59:59Z")
            })?,
        _ => {
            return Err(LineError::invalid(
                "To",
                "give exactly one of To and Seconds",
            ))
        }
    };
    sim.advance_to(target)
        .map_err(|e| LineError::sim(crate::SimError::TimeWentBackwards(e)))?;
    Ok(Body::ok(json!({"Clock": sim.clock().to_rfc3339()})))
}

/// The longest policy document, in characters (Alibaba's limit for custom policies).
pub const MAX_POLICY_DOCUMENT_CHARS: usize = 6144;

/// `Policies[i]`, given as a JSON object or as a string holding one: refused when its text
/// is longer than [`MAX_POLICY_DOCUMENT_CHARS`] (before it is parsed) or is not a document.
fn policy_document(i: usize, raw: &str) -> Result<Policy, LineError> {
    let refuse = |why: String| LineError::invalid("Policies", format!("Policies[{i}] {why}"));
    let text: Cow<'_, str> = match serde_json::from_str::<String>(raw) {
        Ok(text) => Cow::Owned(text),
        Err(_) => Cow::Borrowed(raw),
    };
    if text.chars().nth(MAX_POLICY_DOCUMENT_CHARS).is_some() {
        return Err(refuse(format!(
            "is longer than {MAX_POLICY_DOCUMENT_CHARS} characters"
        )));
    }
    let doc = serde_json::from_str::<Doc>(&text).map_err(|_| {
        refuse(match text {
            Cow::Owned(_) => "is a string that does not hold a JSON document".into(),
            Cow::Borrowed(_) => "is not a policy document".into(),
        })
    })?;
    Policy::from_doc(&doc)
        .map_err(|e| LineError::invalid("Policies", format!("Policies[{i}]: {e}")))
}

/// `Sim.PutIdentity` (ram.md): an AccessKey of an account's root or of a user.
fn put_identity(
    sim: &mut Simulation,
    fields: &Fields<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let text = |name: &'static str| fields.typed::<String>(name, "a string");
    let account =
        text("AccountId")?.unwrap_or_else(|| crate::instance::DEFAULT_ACCOUNT_ID.to_owned());
    let key =
        text("AccessKeyId")?.ok_or_else(|| LineError::invalid("AccessKeyId", "is required"))?;
    let secret = text("AccessKeySecret")?
        .ok_or_else(|| LineError::invalid("AccessKeySecret", "is required"))?;
    let user = text("UserName")?;
    let docs = fields
        .typed::<Vec<Box<serde_json::value::RawValue>>>(
            "Policies",
            "a list of policy documents (objects, or strings holding one)",
        )?
        .unwrap_or_default();
    let mut policies = Vec::with_capacity(docs.len());
    for (i, raw) in docs.iter().enumerate() {
        let policy = policy_document(i, raw.get())?;
        policies.push(policy);
    }
    let identity = Identity {
        account_id: account.into(),
        user_name: user.map(Into::into),
        access_key_id: key.as_str().into(),
        access_key_secret: secret,
        policies,
    };
    sim.put_identity(identity, now).map_err(LineError::sim)?;
    Ok(Body::ok(json!({"AccessKeyId": key})))
}
