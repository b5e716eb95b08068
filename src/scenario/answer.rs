//! Answers: the body the real API would return, plus the HTTP status.

use std::borrow::Cow;

use serde::Serialize;

use crate::error::ErrorCode;
use crate::faults::Fired;
use crate::ids::BackupJobId;
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
    /// The injected fault that fired on the request, if any (faults.md): the emulator holds
    /// a `Latency` or `Timeout` request and logs the `FaultId`.
    pub fault: Option<Fired>,
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
    /// Keys come out sorted, as a `serde_json` map writes them.
    pub(crate) fn ok<T: Serialize>(sim: &mut Simulation, body: T) -> Answer {
        let request_id = request_id_text(sim);
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
            fault: None,
        }
    }

    /// The 200 answer to an accepted `CreateBackup` (CB-A1), written directly:
    /// `{"BackupJobId":"<id>","RequestId":"<uuid>"}`, byte for byte what [`Answer::ok`]
    /// writes for the same body.
    pub(crate) fn created(sim: &mut Simulation, job: BackupJobId) -> Answer {
        let request_id = sim.next_request_id().to_ascii();
        let mut body = String::with_capacity(80);
        body.push_str("{\"BackupJobId\":\"");
        push_decimal(&mut body, job.0);
        body.push_str("\",\"RequestId\":\"");
        push_ascii(&mut body, &request_id);
        body.push_str("\"}");
        Answer {
            http_status: 200,
            body,
            fault: None,
        }
    }

    /// An error answer of the table's row `code`, with `message` and any extra field.
    pub(crate) fn error(
        sim: &mut Simulation,
        code: ErrorCode,
        message: Cow<'static, str>,
        extra: Option<(&'static str, serde_json::Value)>,
    ) -> Answer {
        let request_id = request_id_text(sim);
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
            fault: None,
        }
    }

    /// The scenario form: the body with `"HttpStatus"` first.
    pub fn to_line(&self) -> String {
        let rest = self.body.trim_start().strip_prefix('{').unwrap_or("}");
        let mut line = String::with_capacity(self.body.len() + 20);
        line.push_str("{\"HttpStatus\":");
        push_decimal(&mut line, u64::from(self.http_status));
        if !rest.trim_start().starts_with('}') {
            line.push(',');
        }
        line.push_str(rest);
        line
    }

    /// The body as a JSON value.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The next `RequestId` as text (counts the answer).
fn request_id_text(sim: &mut Simulation) -> String {
    let mut text = String::with_capacity(36);
    push_ascii(&mut text, &sim.next_request_id().to_ascii());
    text
}

/// Appends ASCII bytes (hex digits and dashes) to `out`.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    out.extend(ascii.iter().map(|&b| char::from(b)));
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
    push_ascii(out, &digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_writes_what_ok_writes() {
        let mut a = Simulation::default();
        let mut b = Simulation::default();
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Created {
            backup_job_id: String,
        }
        for id in [0, 7, 100_001, u64::MAX] {
            let direct = Answer::created(&mut a, BackupJobId(id));
            let general = Answer::ok(
                &mut b,
                Created {
                    backup_job_id: id.to_string(),
                },
            );
            assert_eq!(direct, general);
            assert_eq!(
                direct.to_line(),
                format!("{{\"HttpStatus\":200,{}", &general.body[1..])
            );
        }
        let empty = Answer {
            http_status: 404,
            body: "{}".into(),
            fault: None,
        };
        assert_eq!(empty.to_line(), "{\"HttpStatus\":404}");
    }
}
