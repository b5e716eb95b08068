//! The API actions: a typed request in, the real API's answer body out.

use serde_json::json;

use super::answer::Body;
use super::fields::LineError;
use super::request::{ApiRequest, Operation};
use crate::authz::AuthError;
use crate::instance::Instance;
use crate::job::JobRecord;
use crate::ops::describe_backup_tasks::JobView;
use crate::ops::describe_backups::DescribeBackupsRequest;
use crate::ops::describe_db_instances::DescribeDbInstancesRequest;
use crate::simulation::{Scope, Simulation};
use crate::time::Timestamp;

/// Answers one API request at `now`: authorizes the caller (ram.md), then runs the
/// operation with only the caller's instances visible.
pub(crate) fn dispatch(
    sim: &mut Simulation,
    request: &ApiRequest,
    now: Timestamp,
) -> Result<Body, LineError> {
    use crate::ops::ApiParam;
    let account = sim
        .authorize(
            request.get(ApiParam::AccessKeyId),
            request.action(),
            request.get(ApiParam::DBInstanceId),
            request.get(ApiParam::RegionId),
        )
        .map_err(|e| denial(&e))?;
    run(sim, Scope::Account(&account), &request.operation(), now)
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

/// Runs one operation for the caller already authorized.
fn run(
    sim: &mut Simulation,
    scope: Scope<'_>,
    operation: &Operation<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    match operation {
        Operation::CreateBackup(request) => sim
            .create_backup_for(scope, request, now)
            .map(Body::Created)
            .map_err(|e| LineError::of(&e)),
        Operation::DescribeBackupTasks(request) => {
            let jobs = sim
                .describe_backup_tasks_for(scope, request, now)
                .map_err(|e| LineError::of(&e))?;
            let items: Vec<_> = jobs.iter().map(job_json).collect();
            Ok(Body::ok(json!({"Items": {"BackupJob": items}})))
        }
        Operation::DescribeBackups(request) => describe_backups(sim, scope, request, now),
        Operation::DeleteBackup(request) => {
            sim.delete_backup_for(scope, request, now)
                .map_err(|e| LineError::of(&e))?;
            Ok(Body::ok(json!({})))
        }
        Operation::DescribeDbInstanceAttribute { db_instance_id } => {
            let instance = sim
                .describe_db_instance_attribute_for(scope, *db_instance_id, now)
                .map_err(|e| LineError::of(&e))?;
            Ok(Body::ok(
                json!({"Items": {"DBInstanceAttribute": [instance_json(instance)]}}),
            ))
        }
        Operation::DescribeDbInstances(request) => describe_db_instances(sim, scope, request, now),
        Operation::ModifyBackupPolicy(request) => {
            sim.modify_backup_policy_for(scope, request, now)
                .map_err(|e| LineError::of(&e))?;
            let id = request.db_instance_id.unwrap_or_default();
            Ok(Body::ok(json!({"DBInstanceID": id})))
        }
        Operation::DescribeBackupPolicy { db_instance_id } => {
            let view = sim
                .describe_backup_policy_for(scope, *db_instance_id, now)
                .map_err(|e| LineError::of(&e))?;
            Ok(Body::ok(json!({
                "PreferredBackupTime": view.policy.map(|p| p.time_text()).unwrap_or_default(),
                "PreferredBackupPeriod": view.policy.map(|p| p.period_text()).unwrap_or_default(),
                "PreferredNextBackupTime": view.next_start.map(|t| t.to_wire_minutes()).unwrap_or_default(),
                "BackupRetentionPeriod": view.retention.days().to_string(),
            })))
        }
    }
}

/// `DescribeBackups`.
fn describe_backups(
    sim: &mut Simulation,
    scope: Scope<'_>,
    request: &DescribeBackupsRequest<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let page = sim
        .describe_backups_for(scope, request, now)
        .map_err(|e| LineError::of(&e))?;
    let instance_id = request.db_instance_id.unwrap_or_default();
    let items: Vec<_> = page
        .items
        .iter()
        .map(|s| set_json(instance_id, s))
        .collect();
    Ok(Body::ok(json!({
        "Items": {"Backup": items},
        "TotalRecordCount": page.total.to_string(),
        "PageNumber": page.page_number.to_string(),
        "PageRecordCount": page.items.len().to_string(),
    })))
}

/// `DescribeDBInstances`.
fn describe_db_instances(
    sim: &mut Simulation,
    scope: Scope<'_>,
    request: &DescribeDbInstancesRequest<'_>,
    now: Timestamp,
) -> Result<Body, LineError> {
    let page = sim
        .describe_db_instances_for(scope, request, now)
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
    Ok(Body::ok(body))
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
