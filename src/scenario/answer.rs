//! Answers: the body the real API would return, plus the HTTP status.

use std::borrow::Cow;

use serde::Serialize;

use crate::error::ErrorCode;
use crate::simulation::Simulation;

/// `HostId` of every error.
pub const HOST_ID: &str = "rds.aliyuncs.com";

/// One answer: the HTTP status and the JSON body (an object, without `HttpStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub http_status: u16,
    /// The JSON object the real API would return.
    pub body: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    request_id: &'a str,
    host_id: &'static str,
    code: &'static str,
    message: &'a str,
}

impl Answer {
    /// A 200 answer: `body` must serialize as a JSON object; its `RequestId` is added.
    pub(crate) fn ok<T: Serialize>(sim: &mut Simulation, body: T) -> Answer {
        let request_id = sim.next_request_id().to_string();
        let value = serde_json::to_value(body).ok();
        let body = match value {
            Some(serde_json::Value::Object(mut map)) => {
                map.insert("RequestId".into(), request_id.into());
                serde_json::Value::Object(map).to_string()
            }
            // Every body of this module is a struct or a json! object.
            _ => format!("{{\"RequestId\":\"{request_id}\"}}"),
        };
        Answer {
            http_status: 200,
            body,
        }
    }

    /// An error answer of the table's row `code`, with `message` and any extra field.
    pub(crate) fn error(
        sim: &mut Simulation,
        code: ErrorCode,
        message: Cow<'static, str>,
        extra: Option<(&'static str, serde_json::Value)>,
    ) -> Answer {
        let request_id = sim.next_request_id().to_string();
        let spec = code.spec();
        let body = ErrorBody {
            request_id: &request_id,
            host_id: HOST_ID,
            code: spec.code,
            message: &message,
        };
        let body = match extra {
            None => serde_json::to_string(&body).unwrap_or_default(),
            Some((key, value)) => {
                let mut body = serde_json::to_value(&body).unwrap_or_default();
                if let Some(map) = body.as_object_mut() {
                    map.insert(key.to_owned(), value);
                }
                body.to_string()
            }
        };
        Answer {
            http_status: spec.status,
            body,
        }
    }

    /// The scenario form: the body with `"HttpStatus"` first.
    pub fn to_line(&self) -> String {
        let rest = self.body.trim_start().strip_prefix('{').unwrap_or("}");
        let separator = if rest.trim_start().starts_with('}') {
            ""
        } else {
            ","
        };
        format!("{{\"HttpStatus\":{}{separator}{rest}", self.http_status)
    }

    /// The body as a JSON value.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}
