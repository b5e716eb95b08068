//! One API request, typed: a scenario line's parameters and the emulator's decoded wire
//! parameters both become an [`ApiRequest`], parsed once at the edge. The operations read
//! it through [`ApiRequest::operation`], the durable log stores it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::fields::{LineError, Pairs, Params};
use crate::ops::backup_policy::ModifyBackupPolicyRequest;
use crate::ops::create_backup::CreateBackupRequest;
use crate::ops::delete_backup::DeleteBackupRequest;
use crate::ops::describe_backup_tasks::DescribeBackupTasksRequest;
use crate::ops::describe_backups::DescribeBackupsRequest;
use crate::ops::describe_db_instances::{DescribeDbInstancesRequest, TagsFilter};
use crate::ops::request::COMMON_PARAMS;
use crate::ops::{ApiAction, ApiParam};

/// An API request: the action and the parameters it reads, each a wire string (an empty
/// one counts as absent where the operation says so). Parameters the action does not read
/// are not kept.
///
/// ```
/// use rds_backup_sim::ops::{ApiAction, ApiParam};
/// use rds_backup_sim::scenario::{ApiRequest, Scenario};
/// use rds_backup_sim::Timestamp;
///
/// let mut scenario = Scenario::new();
/// let create = ApiRequest::new(ApiAction::CreateBackup)
///     .with(ApiParam::DBInstanceId, "rm-missing");
/// let answer = scenario.call(&create, Timestamp::clamped(1_767_225_600_000), None);
/// assert_eq!(answer.http_status, 404);
/// assert_eq!(answer.body_json()["Code"], "InvalidDBInstanceName.NotFound");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest {
    action: ApiAction,
    /// At most one value per parameter, each one the action reads.
    params: Vec<(ApiParam, String)>,
}

impl ApiRequest {
    /// A request for `action` without parameters.
    pub fn new(action: ApiAction) -> ApiRequest {
        ApiRequest {
            action,
            params: Vec::new(),
        }
    }

    /// This request with `param` set to `value` (replacing an earlier value); a parameter
    /// the action does not read is left out, as the edge leaves it out.
    pub fn with(mut self, param: ApiParam, value: impl Into<String>) -> ApiRequest {
        self.set(param, value.into());
        self
    }

    fn set(&mut self, param: ApiParam, value: String) {
        if !self.action.reads(param) {
            return;
        }
        match self.params.iter_mut().find(|(p, _)| *p == param) {
            Some(slot) => slot.1 = value,
            None => self.params.push((param, value)),
        }
    }

    /// The action.
    pub fn action(&self) -> ApiAction {
        self.action
    }

    /// The value of `param`, if given.
    pub fn get(&self, param: ApiParam) -> Option<&str> {
        self.params
            .iter()
            .find(|(p, _)| *p == param)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter given, in the order they were set.
    pub fn params(&self) -> impl Iterator<Item = (ApiParam, &str)> {
        self.params.iter().map(|(p, v)| (*p, v.as_str()))
    }

    /// `AccessKeyId`, when given and not empty: the declared identity the call acts as.
    pub fn access_key_id(&self) -> Option<&str> {
        self.get(ApiParam::AccessKeyId).filter(|k| !k.is_empty())
    }

    /// `DBInstanceId`, when given and not empty.
    pub fn instance_id(&self) -> Option<&str> {
        self.get(ApiParam::DBInstanceId).filter(|i| !i.is_empty())
    }

    /// The operation's own request type, borrowing this request's values.
    pub fn operation(&self) -> Operation<'_> {
        use ApiParam as P;
        let get = |p| self.get(p);
        let id = get(P::DBInstanceId);
        match self.action {
            ApiAction::CreateBackup => Operation::CreateBackup(CreateBackupRequest {
                db_instance_id: id,
                db_name: get(P::DBName),
                backup_strategy: get(P::BackupStrategy),
                backup_method: get(P::BackupMethod),
                backup_type: get(P::BackupType),
            }),
            ApiAction::DescribeBackupTasks => {
                Operation::DescribeBackupTasks(DescribeBackupTasksRequest {
                    db_instance_id: id,
                    backup_job_id: get(P::BackupJobId),
                    backup_mode: get(P::BackupMode),
                    backup_job_status: get(P::BackupJobStatus),
                })
            }
            ApiAction::DescribeBackups => Operation::DescribeBackups(DescribeBackupsRequest {
                db_instance_id: id,
                backup_id: get(P::BackupId),
                backup_status: get(P::BackupStatus),
                backup_mode: get(P::BackupMode),
                backup_type: get(P::BackupType),
                start_time: get(P::StartTime),
                end_time: get(P::EndTime),
                page_size: get(P::PageSize),
                page_number: get(P::PageNumber),
            }),
            ApiAction::DeleteBackup => Operation::DeleteBackup(DeleteBackupRequest {
                db_instance_id: id,
                backup_id: get(P::BackupId),
            }),
            ApiAction::DescribeDBInstanceAttribute => {
                Operation::DescribeDbInstanceAttribute { db_instance_id: id }
            }
            ApiAction::DescribeDBInstances => {
                Operation::DescribeDbInstances(DescribeDbInstancesRequest {
                    region_id: get(P::RegionId),
                    db_instance_id: id,
                    engine: get(P::Engine),
                    db_instance_status: get(P::DBInstanceStatus),
                    db_instance_type: get(P::DBInstanceType),
                    tags: tags_filter(get(P::Tags)),
                    page_size: get(P::PageSize),
                    page_number: get(P::PageNumber),
                    max_results: get(P::MaxResults),
                    next_token: get(P::NextToken),
                })
            }
            ApiAction::ModifyBackupPolicy => {
                Operation::ModifyBackupPolicy(ModifyBackupPolicyRequest {
                    db_instance_id: id,
                    preferred_backup_time: get(P::PreferredBackupTime),
                    preferred_backup_period: get(P::PreferredBackupPeriod),
                    backup_retention_period: get(P::BackupRetentionPeriod),
                })
            }
            ApiAction::DescribeBackupPolicy => {
                Operation::DescribeBackupPolicy { db_instance_id: id }
            }
        }
    }

    /// Parses a decoded wire request (the emulator's): the action's name and its
    /// parameters, each a string, the last of a repeated name winning. A refusal is
    /// answered by [`super::Scenario::refuse`], which gives it its `RequestId`.
    pub fn from_wire(action: &str, params: &[(&str, &str)]) -> Result<ApiRequest, Refusal> {
        ApiRequest::parse(action, &Pairs(params)).map_err(Refusal)
    }

    /// Parses an action's parameters at the edge, in the order of the checks of
    /// scenario-format.md: an action that is not served is refused (`Sim.NotImplemented`
    /// for a real RDS action, NI-1; `InvalidAction.NotFound` otherwise); then a value over
    /// [`super::MAX_PARAMETER_CHARS`] characters (`InvalidParameter`, any parameter); then
    /// a parameter the action reads given as another JSON type than a string
    /// (`Sim.InvalidParameter`).
    pub(crate) fn parse<P: Params>(action: &str, params: &P) -> Result<ApiRequest, LineError> {
        let action = ApiAction::from_wire(action).ok_or_else(|| super::not_served(action))?;
        if let Some(name) = params.too_long() {
            return Err(LineError::too_long(name));
        }
        let mut request = ApiRequest::new(action);
        for &param in COMMON_PARAMS.iter().chain(action.params()) {
            if let Some(value) = params.string(param.as_str())? {
                request.params.push((param, Cow::into_owned(value)));
            }
        }
        Ok(request)
    }
}

/// Why a request could not be parsed: an action that is not served, or a parameter value
/// over the limit. Answered by [`super::Scenario::refuse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub(crate) LineError);

impl Refusal {
    /// The row of the error table.
    pub fn code(&self) -> crate::ErrorCode {
        self.0.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// The serialized form, as the emulator's log stores it: `{"Action": NAME, "Params":
/// [[NAME, VALUE], …]}`. Reading it back keeps only the parameters the action reads (a log
/// written before requests were typed holds every wire parameter) and refuses an action
/// that is not served.
impl Serialize for ApiRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(p, v)| (p.as_str(), v.as_str()))
            .collect();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Action", self.action.as_str())?;
        map.serialize_entry("Params", &params)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ApiRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ApiRequest, D::Error> {
        deserializer.deserialize_map(RequestVisitor)
    }
}

struct RequestVisitor;

impl<'de> Visitor<'de> for RequestVisitor {
    type Value = ApiRequest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with Action and Params")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ApiRequest, A::Error> {
        let mut action: Option<String> = None;
        let mut params: Option<Vec<(String, String)>> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "Action" => action = Some(map.next_value()?),
                "Params" => params = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let action = action.ok_or_else(|| de::Error::missing_field("Action"))?;
        let action = ApiAction::from_wire(&action)
            .ok_or_else(|| de::Error::custom(format!("not a served action: {action}")))?;
        let mut request = ApiRequest::new(action);
        for (name, value) in params.unwrap_or_default() {
            if let Some(param) = ApiParam::from_wire(&name) {
                request.set(param, value);
            }
        }
        Ok(request)
    }
}

/// What an [`ApiRequest`] asks of the simulation: the operation's own request type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation<'a> {
    /// `CreateBackup`.
    CreateBackup(CreateBackupRequest<'a>),
    /// `DescribeBackupTasks`.
    DescribeBackupTasks(DescribeBackupTasksRequest<'a>),
    /// `DescribeBackups`.
    DescribeBackups(DescribeBackupsRequest<'a>),
    /// `DeleteBackup`.
    DeleteBackup(DeleteBackupRequest<'a>),
    /// `DescribeDBInstanceAttribute`.
    DescribeDbInstanceAttribute {
        /// `DBInstanceId`.
        db_instance_id: Option<&'a str>,
    },
    /// `DescribeDBInstances`.
    DescribeDbInstances(DescribeDbInstancesRequest<'a>),
    /// `ModifyBackupPolicy`.
    ModifyBackupPolicy(ModifyBackupPolicyRequest<'a>),
    /// `DescribeBackupPolicy`.
    DescribeBackupPolicy {
        /// `DBInstanceId`.
        db_instance_id: Option<&'a str>,
    },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::fields::Pairs;

    #[test]
    fn parse_keeps_only_the_parameters_the_action_reads_the_last_of_a_repeat_winning() {
        let pairs = [
            ("DBInstanceId", "rm-a"),
            ("BackupId", "7"),
            ("DBName", "db1"),
            ("DBName", "db2"),
            ("Unknown", "x"),
        ];
        let request = ApiRequest::parse("CreateBackup", &Pairs(&pairs)).unwrap();
        assert_eq!(request.action(), ApiAction::CreateBackup);
        let params: Vec<_> = request.params().collect();
        assert_eq!(
            params,
            [(ApiParam::DBInstanceId, "rm-a"), (ApiParam::DBName, "db2")]
        );
        assert_eq!(
            request.operation(),
            Operation::CreateBackup(CreateBackupRequest {
                db_instance_id: Some("rm-a"),
                db_name: Some("db2"),
                ..CreateBackupRequest::default()
            })
        );
        assert_eq!(
            request,
            ApiRequest::new(ApiAction::CreateBackup)
                .with(ApiParam::DBInstanceId, "rm-a")
                .with(ApiParam::BackupId, "7")
                .with(ApiParam::DBName, "db1")
                .with(ApiParam::DBName, "db2"),
            "the builder keeps what parse keeps"
        );
    }

    #[test]
    fn parse_refuses_in_the_order_of_the_checks() {
        let long = "x".repeat(1025);
        let refused = |action: &str, pairs: &[(&str, &str)]| {
            let e = ApiRequest::parse(action, &Pairs(pairs)).unwrap_err();
            (
                e.code.spec().code,
                e.code.spec().status,
                e.message.into_owned(),
            )
        };
        assert_eq!(
            refused("Nope", &[("Foo", &long)]),
            (
                "InvalidAction.NotFound",
                404,
                "Specified api is not found, please check your url and method.".to_owned()
            )
        );
        assert_eq!(refused("DescribeRegions", &[]).0, "Sim.NotImplemented");
        assert_eq!(
            refused("CreateBackup", &[("Foo", &long)]),
            (
                "InvalidParameter",
                400,
                "The specified parameter Foo is too long.".to_owned()
            )
        );
    }

    #[test]
    fn the_stored_form_round_trips_and_old_records_keep_what_the_action_reads() {
        let request = ApiRequest::new(ApiAction::DeleteBackup)
            .with(ApiParam::DBInstanceId, "rm-a")
            .with(ApiParam::BackupId, "7");
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(
            text,
            r#"{"Action":"DeleteBackup","Params":[["DBInstanceId","rm-a"],["BackupId","7"]]}"#
        );
        assert_eq!(serde_json::from_str::<ApiRequest>(&text).unwrap(), request);
        let old = r#"{"Action":"DeleteBackup","Params":[["Format","JSON"],["BackupId","7"],["DBInstanceId","rm-a"]]}"#;
        let read: ApiRequest = serde_json::from_str(old).unwrap();
        assert_eq!(read.operation(), request.operation());
        let unknown = serde_json::from_str::<ApiRequest>(r#"{"Action":"Nope","Params":[]}"#);
        assert_eq!(
            unknown.unwrap_err().to_string(),
            "not a served action: Nope at line 1 column 29"
        );
    }

    #[test]
    fn from_wire_refuses_with_the_table_row() {
        let refusal = ApiRequest::from_wire("DescribeRegions", &[]).unwrap_err();
        assert_eq!(refusal.code(), crate::ErrorCode::SimNotImplemented);
        assert!(
            refusal.message().starts_with(
                "RDS action DescribeRegions is not emulated by rds-backup-sim; emulated actions: CreateBackup, "
            ),
            "{}",
            refusal.message()
        );
    }

    #[test]
    fn empty_key_and_instance_count_as_absent() {
        let request = ApiRequest::new(ApiAction::DescribeBackups)
            .with(ApiParam::AccessKeyId, "")
            .with(ApiParam::DBInstanceId, "");
        assert_eq!(request.access_key_id(), None);
        assert_eq!(request.instance_id(), None);
        assert_eq!(request.get(ApiParam::AccessKeyId), Some(""));
    }

    #[test]
    fn tags_are_a_json_object_of_strings() {
        assert_eq!(tags_filter(None), TagsFilter::Absent);
        assert_eq!(tags_filter(Some("{}")), TagsFilter::Absent);
        assert_eq!(
            tags_filter(Some(r#"{"env":"prod"}"#)),
            TagsFilter::Pairs(vec![("env".into(), "prod".into())])
        );
        assert_eq!(
            tags_filter(Some(r#"{"env":1}"#)),
            TagsFilter::Invalid(r#"{"env":1}"#.into())
        );
    }
}
