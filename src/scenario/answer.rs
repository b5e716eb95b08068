//! Answers: the HTTP status, the `RequestId` and the body the real API would return, as
//! values. The edge renders them: [`Answer::to_line`] for scenario lines,
//! [`Answer::body_text`] for HTTP JSON, [`Answer::members`] for any other format (the
//! emulator's XML). A server that promises unique ids replaces [`Answer::request_id`]
//! before rendering; nothing rewrites or re-parses rendered text.

use std::borrow::Cow;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ErrorCode;
use crate::faults::Fired;
use crate::ids::{BackupJobId, RequestId};

/// `HostId` of every error.
pub const HOST_ID: &str = "rds.aliyuncs.com";

/// One answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub http_status: u16,
    /// `RequestId`.
    pub request_id: RequestId,
    /// The rest of the body.
    pub body: Body,
    /// The injected fault that fired on the request, if any (faults.md): the emulator holds
    /// a `Latency` or `Timeout` request and logs the `FaultId`.
    pub fault: Option<Fired>,
}

/// An answer's body without its `RequestId`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// An accepted `CreateBackup` (CB-A1): `BackupJobId`.
    Created(BackupJobId),
    /// Any other success: the members, by name.
    Ok(Map<String, Value>),
    /// A refusal: a row of the error table (its status is the answer's), the message and
    /// any extra member (`AccessDeniedDetail`).
    Error {
        /// The row.
        code: ErrorCode,
        /// `Message`.
        message: Cow<'static, str>,
        /// An extra member.
        extra: Option<(&'static str, Value)>,
    },
}

impl Body {
    /// A success body: `body` must serialize as a JSON object (every body of this crate is
    /// a `json!` object or a struct); anything else gives an empty object.
    pub(crate) fn ok<T: Serialize>(body: T) -> Body {
        match serde_json::to_value(body) {
            Ok(Value::Object(map)) => Body::Ok(map),
            _ => Body::Ok(Map::new()),
        }
    }

    /// The HTTP status of an answer with this body.
    pub fn http_status(&self) -> u16 {
        match self {
            Body::Error { code, .. } => code.spec().status,
            Body::Created(_) | Body::Ok(_) => 200,
        }
    }
}

/// The value of one member of a body.
#[derive(Clone, Debug, PartialEq)]
pub enum Member<'a> {
    /// A string.
    Text(Cow<'a, str>),
    /// Any JSON value.
    Value(&'a Value),
}

impl Serialize for Member<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Member::Text(text) => serializer.serialize_str(text),
            Member::Value(value) => value.serialize(serializer),
        }
    }
}

impl Answer {
    /// The answer with `request_id` to `body`.
    pub(crate) fn new(request_id: RequestId, body: Body) -> Answer {
        Answer {
            http_status: body.http_status(),
            request_id,
            body,
            fault: None,
        }
    }

    /// The members of the body, `RequestId` included, in the order the JSON body lists
    /// them: a success's by name; an error's as `RequestId`, `HostId`, `Code`, `Message`,
    /// or by name when it has an extra member.
    pub fn members(&self) -> Vec<(&str, Member<'_>)> {
        let id = || Member::Text(Cow::Owned(self.request_id.to_string()));
        match &self.body {
            Body::Created(job) => vec![
                ("BackupJobId", Member::Text(Cow::Owned(job.0.to_string()))),
                ("RequestId", id()),
            ],
            Body::Ok(map) => {
                let mut members: Vec<_> = map
                    .iter()
                    .map(|(k, v)| (k.as_str(), Member::Value(v)))
                    .collect();
                let at = members.partition_point(|(k, _)| *k < "RequestId");
                members.insert(at, ("RequestId", id()));
                members
            }
            Body::Error {
                code,
                message,
                extra,
            } => {
                let mut members = vec![
                    ("RequestId", id()),
                    ("HostId", Member::Text(Cow::Borrowed(HOST_ID))),
                    ("Code", Member::Text(Cow::Borrowed(code.spec().code))),
                    ("Message", Member::Text(Cow::Borrowed(message))),
                ];
                if let Some((key, value)) = extra {
                    members.push((key, Member::Value(value)));
                    members.sort_by(|a, b| a.0.cmp(b.0));
                }
                members
            }
        }
    }

    /// The JSON body (an object, without `HttpStatus`).
    pub fn body_text(&self) -> String {
        self.json(false)
    }

    /// The scenario form: the body with `"HttpStatus"` first.
    pub fn to_line(&self) -> String {
        self.json(true)
    }

    fn json(&self, with_status: bool) -> String {
        if let Body::Created(job) = self.body {
            return self.created_json(job, with_status);
        }
        let mut out = Vec::with_capacity(128);
        let mut serializer = serde_json::Serializer::new(&mut out);
        let members = self.members();
        let written = (|| {
            let mut map = serializer.serialize_map(None)?;
            if with_status {
                map.serialize_entry("HttpStatus", &self.http_status)?;
            }
            for (key, value) in &members {
                map.serialize_entry(key, value)?;
            }
            map.end()
        })();
        match written {
            // serde_json writes UTF-8 into a Vec without failing.
            Ok(()) => String::from_utf8(out).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The JSON of an accepted `CreateBackup`, written directly (the hot path of a replay):
    /// byte for byte what the general path writes.
    fn created_json(&self, job: BackupJobId, with_status: bool) -> String {
        let mut out = String::with_capacity(100);
        out.push('{');
        if with_status {
            out.push_str("\"HttpStatus\":200,");
        }
        out.push_str("\"BackupJobId\":\"");
        push_decimal(&mut out, job.0);
        out.push_str("\",\"RequestId\":\"");
        out.extend(self.request_id.to_ascii().iter().map(|&b| char::from(b)));
        out.push_str("\"}");
        out
    }

    /// The body as a JSON value.
    pub fn body_json(&self) -> Value {
        let members = self.members();
        let map = members
            .into_iter()
            .map(|(k, v)| {
                let value = match v {
                    Member::Text(text) => Value::String(text.into_owned()),
                    Member::Value(value) => value.clone(),
                };
                (k.to_owned(), value)
            })
            .collect();
        Value::Object(map)
    }

    /// The error code, for an error answer.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self.body {
            Body::Error { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Appends `value` in decimal to `out`, without `core::fmt`.
fn push_decimal(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id() -> RequestId {
        RequestId::derive(3, 4)
    }

    #[test]
    fn created_writes_what_the_general_path_writes() {
        for job in [0, 7, 100_001, u64::MAX] {
            let direct = Answer::new(id(), Body::Created(BackupJobId(job)));
            let general = Answer::new(id(), Body::ok(json!({"BackupJobId": job.to_string()})));
            assert_eq!(direct.to_line(), general.to_line());
            assert_eq!(direct.body_text(), general.body_text());
            assert_eq!(
                direct.to_line(),
                format!(
                    "{{\"HttpStatus\":200,\"BackupJobId\":\"{job}\",\"RequestId\":\"{}\"}}",
                    id()
                )
            );
        }
    }

    #[test]
    fn request_id_takes_its_place_by_name_and_errors_keep_the_table_order() {
        let ok = Answer::new(
            id(),
            Body::ok(json!({"Items": [], "TotalRecordCount": "0"})),
        );
        assert_eq!(
            ok.body_text(),
            format!(
                "{{\"Items\":[],\"RequestId\":\"{}\",\"TotalRecordCount\":\"0\"}}",
                id()
            )
        );
        let error = Answer::new(
            id(),
            Body::Error {
                code: ErrorCode::InvalidAction,
                message: Cow::Borrowed("m"),
                extra: None,
            },
        );
        assert_eq!(error.http_status, 404);
        assert_eq!(
            error.to_line(),
            format!(
                "{{\"HttpStatus\":404,\"RequestId\":\"{}\",\"HostId\":\"rds.aliyuncs.com\",\
                 \"Code\":\"InvalidAction.NotFound\",\"Message\":\"m\"}}",
                id()
            )
        );
        let denied = Answer::new(
            id(),
            Body::Error {
                code: ErrorCode::InvalidAction,
                message: Cow::Borrowed("m"),
                extra: Some(("AccessDeniedDetail", json!({"B": 1, "A": 2}))),
            },
        );
        let keys: Vec<_> = denied.members().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "AccessDeniedDetail",
                "Code",
                "HostId",
                "Message",
                "RequestId"
            ]
        );
        assert_eq!(denied.body_json()["AccessDeniedDetail"]["A"], 2);
        assert_eq!(denied.error_code(), Some(ErrorCode::InvalidAction));
        let empty = Answer::new(id(), Body::ok(json!({})));
        assert_eq!(
            empty.to_line(),
            format!("{{\"HttpStatus\":200,\"RequestId\":\"{}\"}}", id())
        );
    }
}
