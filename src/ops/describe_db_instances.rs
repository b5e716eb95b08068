//! `DescribeDBInstances` (create-backup.md section 7; RAM in ram.md): the caller's
//! instances in one region, filtered, one page of them.
//!
//! Two paging styles: `PageSize`/`PageNumber`, and `MaxResults`/`NextToken` (the token
//! names the position, in creation order, of the next instance to list, so instances
//! created between two calls do not shift the pages already given).

use std::borrow::Cow;

use super::{owned, present};
use crate::error::{ErrorCode, WireError};
use crate::instance::Instance;
use crate::simulation::{Scope, Simulation, TimeWentBackwards};
use crate::time::Timestamp;
use crate::vocab::{Engine, InstanceKind, InstanceStatus};

/// At most this many ids in `DBInstanceId` (DDI-4, \[choice\]).
pub const MAX_IDS: usize = 100;
/// At most this many pairs in `Tags` (DDI-4).
pub const MAX_TAGS: usize = 5;
/// `PageSize` and `MaxResults` are 1 to this.
pub const MAX_PAGE: u32 = 100;
/// `PageSize` when absent, and `MaxResults` when only `NextToken` is given \[choice\].
pub const DEFAULT_PAGE: u32 = 30;

/// The `Tags` parameter: absent, the pairs it names, or a value that is not a JSON
/// object of strings (refused in its turn, DDI-4). The scenario dispatch parses the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TagsFilter {
    /// Not given (or `{}`): filters nothing.
    #[default]
    Absent,
    /// Every pair must be a tag of the instance.
    Pairs(Vec<(String, String)>),
    /// Not a JSON object of string values; the value given.
    Invalid(String),
}

/// A `DescribeDBInstances` request as wire strings; empty counts as absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DescribeDbInstancesRequest<'a> {
    /// `RegionId` (required).
    pub region_id: Option<&'a str>,
    /// `DBInstanceId`: a comma list of up to 100 ids.
    pub db_instance_id: Option<&'a str>,
    /// `Engine`.
    pub engine: Option<&'a str>,
    /// `DBInstanceStatus`.
    pub db_instance_status: Option<&'a str>,
    /// `DBInstanceType`.
    pub db_instance_type: Option<&'a str>,
    /// `Tags`.
    pub tags: TagsFilter,
    /// `PageSize`: 1–100, default 30.
    pub page_size: Option<&'a str>,
    /// `PageNumber`: ≥ 1, default 1.
    pub page_number: Option<&'a str>,
    /// `MaxResults`: 1–100; selects the token style.
    pub max_results: Option<&'a str>,
    /// `NextToken`: from the previous page's answer; selects the token style.
    pub next_token: Option<&'a str>,
}

/// One page of instances, in creation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbInstancesPage<'s> {
    /// The instances on this page.
    pub items: Vec<&'s Instance>,
    /// `TotalRecordCount`: every instance that passed the filters.
    pub total: usize,
    /// `PageNumber` (1 in the token style).
    pub page_number: u32,
    /// `NextToken`: in the token style, when more instances remain.
    pub next_token: Option<String>,
}

/// Why `DescribeDBInstances` was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescribeDbInstancesError {
    /// T-1.
    #[error(transparent)]
    TimeWentBackwards(#[from] TimeWentBackwards),
    /// DDI-1: `RegionId` is absent.
    #[error("RegionId is required")]
    MissingRegionId,
    /// DDI-2: `DBInstanceType` is not `Primary`, `Readonly`, `Guard` or `Temp`.
    #[error("DBInstanceType {value:?} is not Primary, Readonly, Guard or Temp")]
    InvalidInstanceType {
        /// The value given.
        value: String,
    },
    /// DDI-3: `NextToken` is not one this simulation gives.
    #[error("NextToken {value:?} is not valid")]
    InvalidNextToken {
        /// The value given.
        value: String,
    },
    /// DDI-4: any other bad value.
    #[error("{parameter} {value:?} is not valid")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// The value given (or why it is refused).
        value: String,
    },
}

super::time_message_of!(DescribeDbInstancesError);

impl WireError for DescribeDbInstancesError {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::TimeWentBackwards(_) => ErrorCode::SimTimeWentBackwards,
            Self::MissingRegionId => ErrorCode::MissingRegionId,
            Self::InvalidInstanceType { .. } => ErrorCode::InvalidDbInstanceType,
            Self::InvalidNextToken { .. } => ErrorCode::InvalidNextToken,
            Self::InvalidParameter { .. } => ErrorCode::InvalidParametersFormat,
        }
    }

    fn message(&self) -> Cow<'static, str> {
        self.time_message()
            .unwrap_or(Cow::Borrowed(self.error_code().spec().message))
    }
}

/// How the request pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paging {
    /// `PageSize`, `PageNumber`.
    Numbered { size: u32, number: u32 },
    /// `MaxResults`, and the position the `NextToken` names (0 without one).
    Token { max: u32, from: usize },
}

/// The checked request.
struct Query<'r> {
    region: &'r str,
    ids: Option<Vec<&'r str>>,
    engine: Option<Engine>,
    status: Option<InstanceStatus>,
    kind: Option<InstanceKind>,
    tags: &'r [(String, String)],
    paging: Paging,
}

/// The token for position `from` in creation order.
fn token_for(from: usize) -> String {
    format!("ddi{from:x}")
}

/// The position a token names, if it is one [`token_for`] writes (lower-case hex, no
/// leading zero) and within `len` instances.
fn token_position(token: &str, len: usize) -> Option<usize> {
    let hex = token.strip_prefix("ddi")?;
    let canonical = !hex.is_empty()
        && hex.len() <= 16
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && (hex == "0" || !hex.starts_with('0'));
    let position = usize::from_str_radix(hex, 16).ok().filter(|_| canonical)?;
    (position <= len).then_some(position)
}

/// A whole number from `low` to `high`, written in plain decimal digits.
fn bounded(value: &str, low: u32, high: u32) -> Option<u32> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|n| (low..=high).contains(n))
}

fn invalid(parameter: &'static str, value: &str) -> DescribeDbInstancesError {
    DescribeDbInstancesError::InvalidParameter {
        parameter,
        value: owned(value),
    }
}

fn closed<T>(
    parameter: &'static str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, DescribeDbInstancesError> {
    present(value)
        .map(|v| parse(v).ok_or_else(|| invalid(parameter, v)))
        .transpose()
}

/// Checks the request in the order of its row's errors: DDI-1, DDI-2, DDI-3, DDI-4
/// (engine, status, tags, ids, then paging).
fn parse<'r>(
    request: &'r DescribeDbInstancesRequest<'_>,
    instances: usize,
) -> Result<Query<'r>, DescribeDbInstancesError> {
    let region = present(request.region_id).ok_or(DescribeDbInstancesError::MissingRegionId)?;
    let kind = match present(request.db_instance_type) {
        None => None,
        Some(v) => Some(
            InstanceKind::from_wire(v)
                .ok_or_else(|| DescribeDbInstancesError::InvalidInstanceType { value: owned(v) })?,
        ),
    };
    let token = match present(request.next_token) {
        None => None,
        Some(v) => Some(
            token_position(v, instances)
                .ok_or_else(|| DescribeDbInstancesError::InvalidNextToken { value: owned(v) })?,
        ),
    };
    let engine = closed("Engine", request.engine, Engine::from_wire)?;
    let status = closed(
        "DBInstanceStatus",
        request.db_instance_status,
        InstanceStatus::from_wire,
    )?;
    let tags: &[(String, String)] = match &request.tags {
        TagsFilter::Absent => &[],
        TagsFilter::Invalid(v) => return Err(invalid("Tags", v)),
        TagsFilter::Pairs(pairs) if pairs.len() > MAX_TAGS => {
            return Err(invalid("Tags", "more than 5 pairs"))
        }
        TagsFilter::Pairs(pairs) => pairs,
    };
    let ids = present(request.db_instance_id).map(|v| v.split(',').collect::<Vec<_>>());
    if ids.as_ref().is_some_and(|ids| ids.len() > MAX_IDS) {
        return Err(invalid("DBInstanceId", "more than 100 ids"));
    }
    let max_results = present(request.max_results);
    let page_number = present(request.page_number);
    let paging = if max_results.is_some() || token.is_some() {
        if let Some(v) = page_number {
            return Err(invalid("PageNumber", v));
        }
        let max = match max_results {
            None => DEFAULT_PAGE,
            Some(v) => bounded(v, 1, MAX_PAGE).ok_or_else(|| invalid("MaxResults", v))?,
        };
        Paging::Token {
            max,
            from: token.unwrap_or(0),
        }
    } else {
        let size = match present(request.page_size) {
            None => DEFAULT_PAGE,
            Some(v) => bounded(v, 1, MAX_PAGE).ok_or_else(|| invalid("PageSize", v))?,
        };
        let number = match page_number {
            None => 1,
            Some(v) => bounded(v, 1, u32::MAX).ok_or_else(|| invalid("PageNumber", v))?,
        };
        Paging::Numbered { size, number }
    };
    Ok(Query {
        region,
        ids,
        engine,
        status,
        kind,
        tags,
        paging,
    })
}

impl Query<'_> {
    fn keeps(&self, instance: &Instance) -> bool {
        instance.region() == self.region
            && self
                .ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&instance.id().as_str()))
            && self.engine.is_none_or(|e| e == instance.engine())
            && self.status.is_none_or(|s| s == instance.status())
            && self.kind.is_none_or(|k| k == instance.kind())
            && self.tags.iter().all(|(key, value)| {
                instance
                    .tags()
                    .iter()
                    .any(|(k, v)| k.as_str() == key && v.as_str() == value)
            })
    }
}

impl Simulation {
    /// `DescribeDBInstances` at `now`: the caller's instances in `RegionId` that pass
    /// every filter, in creation order, one page of them. Never answers an
    /// instance-not-found error: an id that matches nothing is simply not listed.
    pub fn describe_db_instances(
        &mut self,
        request: &DescribeDbInstancesRequest<'_>,
        now: Timestamp,
    ) -> Result<DbInstancesPage<'_>, DescribeDbInstancesError> {
        self.describe_db_instances_for(Scope::AllAccounts, request, now)
    }

    /// [`Self::describe_db_instances`] for a caller of `scope`: only the instances it sees exist for it
    /// (a RAM caller sees its own account's, ram.md).
    pub fn describe_db_instances_for(
        &mut self,
        scope: Scope<'_>,
        request: &DescribeDbInstancesRequest<'_>,
        now: Timestamp,
    ) -> Result<DbInstancesPage<'_>, DescribeDbInstancesError> {
        self.advance_to(now)?;
        let query = parse(request, self.instances.len())?;
        let matches = self
            .instances
            .values()
            .enumerate()
            .filter(|(_, i)| scope.sees(i) && query.keeps(i));
        match query.paging {
            Paging::Numbered { size, number } => {
                let skip = (number as usize - 1).saturating_mul(size as usize);
                let mut total = 0;
                let mut items = Vec::new();
                for (_, instance) in matches {
                    if total >= skip && items.len() < size as usize {
                        items.push(instance);
                    }
                    total += 1;
                }
                Ok(DbInstancesPage {
                    items,
                    total,
                    page_number: number,
                    next_token: None,
                })
            }
            Paging::Token { max, from } => {
                let mut total = 0;
                let mut items = Vec::new();
                let mut next_token = None;
                for (position, instance) in matches {
                    total += 1;
                    if position < from || next_token.is_some() {
                        continue;
                    }
                    if items.len() < max as usize {
                        items.push(instance);
                    } else {
                        next_token = Some(token_for(position));
                    }
                }
                Ok(DbInstancesPage {
                    items,
                    total,
                    page_number: 1,
                    next_token,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_back_only_in_the_form_they_are_written() {
        for position in [0, 1, 15, 16, 250] {
            assert_eq!(token_position(&token_for(position), 250), Some(position));
        }
        for bad in [
            "", "ddi", "ddi01", "ddiA", "DDI1", "ddi-1", "ddi1 ", "ddifb",
        ] {
            assert_eq!(token_position(bad, 250), None, "{bad:?}");
        }
        assert_eq!(token_position("ddi10", 15), None);
    }

    #[test]
    fn bounded_takes_plain_decimal_within_bounds() {
        assert_eq!(bounded("1", 1, 100), Some(1));
        assert_eq!(bounded("100", 1, 100), Some(100));
        for bad in ["0", "101", "+5", " 5", "5.0", "", "99999999999"] {
            assert_eq!(bounded(bad, 1, 100), None, "{bad:?}");
        }
    }
}
