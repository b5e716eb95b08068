//! The API actions: wire parameters in, the real API's answer out.

use std::borrow::Cow;

use serde_json::json;

use super::answer::Answer;
use super::fields::{LineError, Params};
use crate::authz::AuthError;
use crate::instance::Instance;
use crate::job::JobRecord;
use crate::ops::backup_policy::ModifyBackupPolicyRequest;
use crate::ops::create_backup::CreateBackupRequest;
use crate::ops::delete_backup::DeleteBackupRequest;
use crate::ops::describe_backup_tasks::{DescribeBackupTasksRequest, JobView};
use crate::ops::describe_backups::DescribeBackupsRequest;
use crate::ops::describe_db_instances::{DescribeDbInstancesRequest, TagsFilter};
use crate::simulation::{Scope, Simulation};
use crate::time::Timestamp;

/// Reads the named string parameters, in order, refusing any given with another JSON type.
fn strings<'p, P: Params, const N: usize>(
    params: &'p P,
    names: [&'static str; N],
) -> Result<[Option<Cow<'p, str>>; N], LineError> {
    let mut out: [Option<Cow<'p, str>>; N] = std::array::from_fn(|_| None);
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = params.string(name)?;
    }
    Ok(out)
}

/// Answers one API action (`scenario::api_call` refused any other first) at `now`:
/// authorizes the caller (ram.md), then runs the action with only the caller's instances
/// visible.
pub(crate) fn dispatch<P: Params>(
    sim: &mut Simulation,
    action: &str,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [key, id, region] = strings(params, ["AccessKeyId", "DBInstanceId", "RegionId"])?;
    let account = sim
        .authorize(key.as_deref(), action, id.as_deref(), region.as_deref())
        .map_err(|e| denial(&e))?;
    run(sim, Scope::Account(&account), action, params, now)
}

/// The answer to a refused authorization, with `AccessDeniedDetail` for a denial.
fn denial(error: &AuthError) -> LineError {
    let mut line = LineError::of(error);
    if let AuthError::Denied(d) = error {
        line.extra = Some((
            "AccessDeniedDetail",
            json!({
                "AuthAction": d.action,
                "AuthPrincipalType": "SubUser",
                "AuthPrincipalDisplayName": d.user_name,
                "AuthPrincipalOwnerId": d.account_id,
                "NoPermissionType": d.kind.as_str(),
                "PolicyType": "AccountLevelIdentityBasedPolicy",
            }),
        ));
    }
    line
}

/// Runs `action` (one of the API actions) for the caller already authorized.
fn run<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    action: &str,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let operation = match action {
        "CreateBackup" => create_backup::<P>,
        "DescribeBackupTasks" => describe_backup_tasks::<P>,
        "DescribeBackups" => describe_backups::<P>,
        "DeleteBackup" => delete_backup::<P>,
        "DescribeDBInstanceAttribute" => describe_db_instance_attribute::<P>,
        "DescribeDBInstances" => describe_db_instances::<P>,
        "ModifyBackupPolicy" => modify_backup_policy::<P>,
        "DescribeBackupPolicy" => describe_backup_policy::<P>,
        _ => return Err(super::unknown_action()),
    };
    operation(sim, scope, params, now)
}

/// `CreateBackup`.
fn create_backup<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id, db_name, strategy, method, backup_type] = strings(
        params,
        [
            "DBInstanceId",
            "DBName",
            "BackupStrategy",
            "BackupMethod",
            "BackupType",
        ],
    )?;
    let request = CreateBackupRequest {
        db_instance_id: id.as_deref(),
        db_name: db_name.as_deref(),
        backup_strategy: strategy.as_deref(),
        backup_method: method.as_deref(),
        backup_type: backup_type.as_deref(),
    };
    let job = sim
        .create_backup_for(scope, &request, now)
        .map_err(|e| LineError::of(&e))?;
    Ok(Answer::created(sim, job))
}

/// `DescribeBackupTasks`.
fn describe_backup_tasks<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id, job, mode, status] = strings(
        params,
        [
            "DBInstanceId",
            "BackupJobId",
            "BackupMode",
            "BackupJobStatus",
        ],
    )?;
    let request = DescribeBackupTasksRequest {
        db_instance_id: id.as_deref(),
        backup_job_id: job.as_deref(),
        backup_mode: mode.as_deref(),
        backup_job_status: status.as_deref(),
    };
    let jobs = sim
        .describe_backup_tasks_for(scope, &request, now)
        .map_err(|e| LineError::of(&e))?;
    let items: Vec<_> = jobs.iter().map(job_json).collect();
    Ok(Answer::ok(sim, json!({"Items": {"BackupJob": items}})))
}

/// `DescribeBackups`.
fn describe_backups<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id, backup_id, status, mode, backup_type, start, end, size, number] = strings(
        params,
        [
            "DBInstanceId",
            "BackupId",
            "BackupStatus",
            "BackupMode",
            "BackupType",
            "StartTime",
            "EndTime",
            "PageSize",
            "PageNumber",
        ],
    )?;
    let request = DescribeBackupsRequest {
        db_instance_id: id.as_deref(),
        backup_id: backup_id.as_deref(),
        backup_status: status.as_deref(),
        backup_mode: mode.as_deref(),
        backup_type: backup_type.as_deref(),
        start_time: start.as_deref(),
        end_time: end.as_deref(),
        page_size: size.as_deref(),
        page_number: number.as_deref(),
    };
    let body = {
        let page = sim
            .describe_backups_for(scope, &request, now)
            .map_err(|e| LineError::of(&e))?;
        let instance_id = id.as_deref().unwrap_or_default();
        let items: Vec<_> = page
            .items
            .iter()
            .map(|s| set_json(instance_id, s))
            .collect();
        json!({
            "Items": {"Backup": items},
            "TotalRecordCount": page.total.to_string(),
            "PageNumber": page.page_number.to_string(),
            "PageRecordCount": page.items.len().to_string(),
        })
    };
    Ok(Answer::ok(sim, body))
}

/// `DeleteBackup`.
fn delete_backup<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id, backup_id] = strings(params, ["DBInstanceId", "BackupId"])?;
    let request = DeleteBackupRequest {
        db_instance_id: id.as_deref(),
        backup_id: backup_id.as_deref(),
    };
    sim.delete_backup_for(scope, &request, now)
        .map_err(|e| LineError::of(&e))?;
    Ok(Answer::ok(sim, json!({})))
}

/// `DescribeDBInstanceAttribute`.
fn describe_db_instance_attribute<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id] = strings(params, ["DBInstanceId"])?;
    let body = {
        let instance = sim
            .describe_db_instance_attribute_for(scope, id.as_deref(), now)
            .map_err(|e| LineError::of(&e))?;
        json!({"Items": {"DBInstanceAttribute": [instance_json(instance)]}})
    };
    Ok(Answer::ok(sim, body))
}

/// `ModifyBackupPolicy`.
fn modify_backup_policy<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id, time, period, retention] = strings(
        params,
        [
            "DBInstanceId",
            "PreferredBackupTime",
            "PreferredBackupPeriod",
            "BackupRetentionPeriod",
        ],
    )?;
    let request = ModifyBackupPolicyRequest {
        db_instance_id: id.as_deref(),
        preferred_backup_time: time.as_deref(),
        preferred_backup_period: period.as_deref(),
        backup_retention_period: retention.as_deref(),
    };
    sim.modify_backup_policy_for(scope, &request, now)
        .map_err(|e| LineError::of(&e))?;
    Ok(Answer::ok(
        sim,
        json!({"DBInstanceID": id.as_deref().unwrap_or_default()}),
    ))
}

/// `DescribeBackupPolicy`.
fn describe_backup_policy<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [id] = strings(params, ["DBInstanceId"])?;
    let view = sim
        .describe_backup_policy_for(scope, id.as_deref(), now)
        .map_err(|e| LineError::of(&e))?;
    let body = json!({
        "PreferredBackupTime": view.policy.map(|p| p.time_text()).unwrap_or_default(),
        "PreferredBackupPeriod": view.policy.map(|p| p.period_text()).unwrap_or_default(),
        "PreferredNextBackupTime": view.next_start.map(|t| t.to_wire_minutes()).unwrap_or_default(),
        "BackupRetentionPeriod": view.retention.days().to_string(),
    });
    Ok(Answer::ok(sim, body))
}

fn describe_db_instances<P: Params>(
    sim: &mut Simulation,
    scope: Scope<'_>,
    params: &P,
    now: Timestamp,
) -> Result<Answer, LineError> {
    let [region, ids, engine, status, kind, tags, size, number, max, token] = strings(
        params,
        [
            "RegionId",
            "DBInstanceId",
            "Engine",
            "DBInstanceStatus",
            "DBInstanceType",
            "Tags",
            "PageSize",
            "PageNumber",
            "MaxResults",
            "NextToken",
        ],
    )?;
    let request = DescribeDbInstancesRequest {
        region_id: region.as_deref(),
        db_instance_id: ids.as_deref(),
        engine: engine.as_deref(),
        db_instance_status: status.as_deref(),
        db_instance_type: kind.as_deref(),
        tags: tags_filter(tags.as_deref()),
        page_size: size.as_deref(),
        page_number: number.as_deref(),
        max_results: max.as_deref(),
        next_token: token.as_deref(),
    };
    let body = {
        let page = sim
            .describe_db_instances_for(scope, &request, now)
            .map_err(|e| LineError::of(&e))?;
        let items: Vec<_> = page.items.iter().map(|i| listed_json(i)).collect();
        let mut body = json!({
            "Items": {"DBInstance": items},
            "TotalRecordCount": page.total,
            "PageNumber": page.page_number,
            "PageRecordCount": page.items.len(),
        });
        if let (Some(token), Some(map)) = (page.next_token, body.as_object_mut()) {
            map.insert("NextToken".into(), token.into());
        }
        body
    };
    Ok(Answer::ok(sim, body))
}

/// `Tags` of `DescribeDBInstances`: a JSON object of string values (`{}` filters nothing).
fn tags_filter(value: Option<&str>) -> TagsFilter {
    let Some(text) = value.filter(|v| !v.is_empty()) else {
        return TagsFilter::Absent;
    };
    let pairs = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .ok()
        .and_then(|map| {
            map.into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(v) => Some((k, v)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
        });
    match pairs {
        Some(pairs) if pairs.is_empty() => TagsFilter::Absent,
        Some(pairs) => TagsFilter::Pairs(pairs),
        None => TagsFilter::Invalid(text.to_owned()),
    }
}

/// One instance as `DescribeDBInstances` lists it.
fn listed_json(instance: &Instance) -> serde_json::Value {
    json!({
        "DBInstanceId": instance.id().as_str(),
        "Engine": instance.engine().as_str(),
        "EngineVersion": instance.engine_version(),
        "DBInstanceStatus": instance.status().as_str(),
        "DBInstanceType": instance.kind().as_str(),
        "LockMode": instance.lock().as_str(),
        "Category": instance.category().as_str(),
        "RegionId": instance.region(),
        "DBInstanceStorageType": instance.storage().as_str(),
        "PayType": "Postpaid",
        "CreateTime": instance.create_time().to_wire_seconds(),
        "DBInstanceDescription": instance.id().as_str(),
    })
}

fn job_json(job: &JobView) -> serde_json::Value {
    let mut value = json!({
        "BackupJobId": job.id.to_string(),
        "BackupStatus": job.status.as_str(),
        "BackupProgressStatus": job.progress_status.as_str(),
        "JobMode": job.mode.as_str(),
        "Process": job.process.to_string(),
        "TaskAction": job.mode.task_action(),
    });
    if let (Some(backup_id), Some(map)) = (job.backup_id, value.as_object_mut()) {
        map.insert("BackupId".into(), backup_id.to_string().into());
    }
    value
}

fn set_json(instance_id: &str, set: &JobRecord) -> serde_json::Value {
    json!({
        "BackupId": set.backup_id.to_string(),
        "DBInstanceId": instance_id,
        "BackupStatus": set.outcome.as_str(),
        "BackupStartTime": set.started.to_wire_seconds(),
        "BackupEndTime": set.ended.to_wire_seconds(),
        "BackupType": set.backup_type.as_str(),
        "BackupMode": set.mode.as_str(),
        "BackupMethod": set.method.as_str(),
        "BackupInitiator": set.mode.initiator().as_str(),
        "BackupSize": set.size,
        "StoreStatus": "Enabled",
    })
}

fn instance_json(instance: &Instance) -> serde_json::Value {
    let databases: Vec<_> = instance
        .databases()
        .iter()
        .map(|d| json!({"DBName": d.name.as_str(), "DBStatus": d.status.as_str()}))
        .collect();
    json!({
        "DBInstanceId": instance.id().as_str(),
        "Engine": instance.engine().as_str(),
        "EngineVersion": instance.engine_version(),
        "DBInstanceStorageType": instance.storage().as_str(),
        "DBInstanceType": instance.kind().as_str(),
        "DBInstanceStatus": instance.status().as_str(),
        "LockMode": instance.lock().as_str(),
        "Category": instance.category().as_str(),
        "RegionId": instance.region(),
        "Databases": databases,
    })
}
