//! `DescribeBackupTasks` (create-backup.md section 7): a job's phase and progress.

use std::borrow::Cow;

use super::{owned, present};
use crate::error::{ErrorCode, WireError};
use crate::ids::{BackupId, BackupJobId};
use crate::simulation::expired;
use crate::simulation::{Scope, Simulation, TimeWentBackwards};
use crate::time::Timestamp;
use crate::vocab::{BackupMode, InstanceKind, JobStatus, JobStatusFilter};

/// A `DescribeBackupTasks` request as wire strings; empty counts as absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DescribeBackupTasksRequest<'a> {
    /// `DBInstanceId` (required).
    pub db_instance_id: Option<&'a str>,
    /// `BackupJobId`: one job, active or ended.
    pub backup_job_id: Option<&'a str>,
    /// `BackupMode`: `Automated` or `Manual`.
    pub backup_mode: Option<&'a str>,
    /// `BackupJobStatus`: `NoStart` or `Progressing`.
    pub backup_job_status: Option<&'a str>,
}

/// One listed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobView {
    /// `BackupJobId`.
    pub id: BackupJobId,
    /// `BackupStatus`.
    pub status: JobStatus,
    /// `BackupProgressStatus`: mirrors `BackupStatus` while active, `Finished` once ended.
    pub progress_status: JobStatus,
    /// `JobMode`.
    pub mode: BackupMode,
    /// `Process`, in percent.
    pub process: u8,
    /// `BackupId`: only when the request named this job and it is `Finished`.
    pub backup_id: Option<BackupId>,
}

/// Why `DescribeBackupTasks` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescribeBackupTasksError {
    /// T-1.
    #[error(transparent)]
    TimeWentBackwards(#[from] TimeWentBackwards),
    /// `DBInstanceId` is absent.
    #[error("DBInstanceId is required")]
    MissingInstanceId,
    /// No such instance.
    #[error("instance {id:?} does not exist")]
    InstanceNotFound {
        /// The id given.
        id: String,
    },
    /// The instance is read-only.
    #[error("the instance is read-only")]
    ReadOnlyInstance,
    /// A filter value outside its list.
    #[error("{parameter} {value:?} is not valid")]
    InvalidFilter {
        /// The parameter.
        parameter: &'static str,
        /// The value given.
        value: String,
    },
}

super::time_message_of!(DescribeBackupTasksError);

impl WireError for DescribeBackupTasksError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            Self::MissingInstanceId => ErrorCode::RequiredParamNotFound,
            Self::InstanceNotFound { .. } => ErrorCode::DescribeInstanceNotFound,
            Self::ReadOnlyInstance => ErrorCode::ReadOnlyInstance,
            Self::InvalidFilter { .. } => ErrorCode::InvalidParametersFormat,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        self.time_message()
            .unwrap_or(Cow::Borrowed(self.error_code().spec().message))
    }
}

fn parse_filter<T>(
    parameter: &'static str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, DescribeBackupTasksError> {
    match present(value) {
        None => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| DescribeBackupTasksError::InvalidFilter {
                parameter,
                value: owned(v),
            }),
    }
}

impl Simulation {
    /// `DescribeBackupTasks` at `now`. Without `BackupJobId`, the active job (if any);
    /// with it, that job whether active or ended (a `BackupJobId` that is not a job of
    /// this instance, or not a decimal number, lists nothing). Filters apply to both.
    pub fn describe_backup_tasks(
        &mut self,
        request: &DescribeBackupTasksRequest<'_>,
        now: Timestamp,
    ) -> Result<Vec<JobView>, DescribeBackupTasksError> {
        self.describe_backup_tasks_for(Scope::AllAccounts, request, now)
    }

    /// [`Self::describe_backup_tasks`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn describe_backup_tasks_for(
        &mut self,
        scope: Scope<'_>,
        request: &DescribeBackupTasksRequest<'_>,
        now: Timestamp,
    ) -> Result<Vec<JobView>, DescribeBackupTasksError> {
        let instance = self.instance_for(
            scope,
            request.db_instance_id,
            now,
            DescribeBackupTasksError::MissingInstanceId,
            |id| DescribeBackupTasksError::InstanceNotFound { id },
        )?;
        if instance.kind == InstanceKind::Readonly {
            return Err(DescribeBackupTasksError::ReadOnlyInstance);
        }
        let mode = parse_filter("BackupMode", request.backup_mode, BackupMode::from_wire)?;
        let phase = parse_filter(
            "BackupJobStatus",
            request.backup_job_status,
            JobStatusFilter::from_wire,
        )?;
        let wanted = present(request.backup_job_id).map(BackupJobId::parse);
        let keep = instance.retention.millis();
        let active = instance.active_job().into_iter().map(|job| {
            let status = job.status_at(now);
            JobView {
                id: job.id,
                status,
                progress_status: status,
                mode: job.mode,
                process: job.process_at(now),
                backup_id: None,
            }
        });
        let mut views: Vec<JobView> = match wanted {
            None => active.collect(),
            Some(None) => Vec::new(),
            Some(Some(job_id)) => active
                .filter(|v| v.id == job_id)
                // T-6: a job whose automatic set expired is gone with it.
                .chain(
                    instance
                        .history()
                        .iter()
                        .filter(|r| r.id == job_id && !expired(r.mode, r.ended, keep, now))
                        .map(|r| {
                            let status = r.job_status();
                            JobView {
                                id: r.id,
                                status,
                                progress_status: JobStatus::Finished,
                                mode: r.mode,
                                process: r.process(),
                                backup_id: (status == JobStatus::Finished).then_some(r.backup_id),
                            }
                        }),
                )
                .collect(),
        };
        views.retain(|v| {
            mode.is_none_or(|m| v.mode == m)
                && phase.is_none_or(|p| match p {
                    JobStatusFilter::NoStart => v.status == JobStatus::NoStart,
                    JobStatusFilter::Progressing => {
                        v.status.is_active() && v.status != JobStatus::NoStart
                    }
                })
        });
        Ok(views)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::BackupPolicy;
    use crate::{Engine, InstanceChanges, InstanceId, InstanceSpec, Simulation};

    /// T-6: the last ended job stays in the history when its automatic set expires (CB-A3
    /// reads it), its set hidden; its job is no longer described from that instant, as a
    /// job whose record went.
    #[test]
    fn t6_the_expired_last_job_is_no_longer_described() {
        let at = |text: &str| Timestamp::parse_rfc3339(text).expect("valid");
        let start = at("2026-03-02T00:00:00Z");
        let mut sim = Simulation::new(Default::default(), start);
        let mut spec = InstanceSpec::new(InstanceId::new("rm-1").expect("valid"), Engine::MySql);
        let every_day = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday";
        spec.policy = Some(BackupPolicy::parse("02:00Z-03:00Z", every_day, 2).expect("valid"));
        sim.create_instance(spec, start).expect("created");
        // The first automatic job runs 02:00–02:10 (600 s); then the policy goes.
        let changes = InstanceChanges {
            policy: Some(None),
            ..InstanceChanges::default()
        };
        sim.modify_instance("rm-1", changes, at("2026-03-02T03:00:00Z"))
            .expect("modified");
        let last = sim.instance("rm-1").and_then(|i| i.history().last());
        let job = last.expect("one automatic job ended");
        assert_eq!(job.mode, BackupMode::Automated);
        let id = job.id.0.to_string();
        let request = DescribeBackupTasksRequest {
            db_instance_id: Some("rm-1"),
            backup_job_id: Some(&id),
            backup_mode: None,
            backup_job_status: None,
        };
        let before = sim
            .describe_backup_tasks(&request, at("2026-03-09T02:09:59Z"))
            .expect("described");
        assert_eq!(
            before.iter().map(|v| (v.id, v.status)).collect::<Vec<_>>(),
            [(job.id, JobStatus::Finished)]
        );
        let after = sim
            .describe_backup_tasks(&request, at("2026-03-09T02:10:00Z"))
            .expect("described");
        assert_eq!(after, []);
        // The record is still there, its set hidden.
        let kept = sim.instance("rm-1").and_then(|i| i.history().last());
        assert_eq!(kept.map(|r| (r.id, r.set_deleted)), Some((job.id, true)));
    }
}
