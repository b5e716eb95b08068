//! Building answers: JSON (or XML when asked) with the right `Content-Type`.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use crate::action::Format;
use crate::gateway_error::{GatewayError, HOST_ID};
use crate::request_id;
use crate::xml;

use super::server_error::ServerError;

/// The body type of every answer.
pub type Body = Full<Bytes>;

/// `application/json;charset=utf-8`.
pub const JSON: &str = "application/json;charset=utf-8";
/// The dashboard.
pub const HTML: &str = "text/html;charset=utf-8";
/// JSON Lines, for `/_sim/replay`.
pub const JSON_LINES: &str = "application/x-ndjson;charset=utf-8";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    request_id: String,
    host_id: &'static str,
    code: &'a str,
    message: &'a str,
}

/// An answer with `status`, `content_type` and `body`.
pub fn with(status: u16, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// An error body in `format` (XML under `<Error>`).
pub fn error(format: Format, status: u16, code: &str, message: &str) -> Response<Body> {
    let body = ErrorBody {
        request_id: request_id::fresh(),
        host_id: HOST_ID,
        code,
        message,
    };
    // A struct of strings always serializes.
    let json = serde_json::to_string(&body).unwrap_or_default();
    let mut response = render(format, xml::ERROR_ROOT, status, json);
    super::note(&mut response).code = Some(code.to_owned());
    response
}

/// The `Code` of a JSON error body, for the request log.
fn code_of(body: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Coded {
        #[serde(rename = "Code")]
        code: Option<String>,
    }
    serde_json::from_str::<Coded>(body).ok()?.code
}

/// A simulation answer in its scenario form (control plane), noted for the request log.
pub fn line(answer: &rds_backup_sim::scenario::Answer) -> Response<Body> {
    let mut response = with(answer.http_status, JSON, answer.to_line());
    if answer.http_status != 200 {
        super::note(&mut response).code = code_of(&answer.body);
    }
    response
}

/// A gateway error.
pub fn gateway(format: Format, err: &GatewayError) -> Response<Body> {
    error(format, err.http_status(), err.code(), &err.message())
}

/// A server error, always JSON. Size-limit answers close the connection (the rest of the
/// request was not read).
pub fn server(err: &ServerError) -> Response<Body> {
    let (code, status, message) = err.row();
    let mut response = error(Format::Json, status, code, &message);
    if matches!(
        err,
        ServerError::RequestTooLarge
            | ServerError::HeaderTooLarge
            | ServerError::RequestTimeout
            | ServerError::TooManyConnections
    ) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A simulation answer on `/`: its body (with a fresh `RequestId`) as JSON, or as XML under
/// `<ACTIONResponse>` (errors under `<Error>`).
pub fn answer(format: Format, action: &str, status: u16, body: &str) -> Response<Body> {
    let json = request_id::replace(body);
    let root = if status == 200 {
        xml::response_root(action)
    } else {
        xml::ERROR_ROOT.to_owned()
    };
    let code = (status != 200).then(|| code_of(&json)).flatten();
    let mut response = render(format, &root, status, json);
    super::note(&mut response).code = code;
    response
}

fn render(format: Format, root: &str, status: u16, json: String) -> Response<Body> {
    match format {
        Format::Json => with(status, JSON, json),
        Format::Xml => match xml::render(root, &json) {
            Ok(text) => with(status, Format::Xml.content_type(), text),
            // Every answer is a JSON object; should one not be, JSON still reaches the SDK.
            Err(_) => with(status, JSON, json),
        },
    }
}

/// `{"status":"ok"}`.
pub fn ok() -> Response<Body> {
    with(200, JSON, "{\"status\":\"ok\"}".to_owned())
}

/// `err` as the whole bytes of an HTTP/1.1 answer that closes the connection, for a
/// connection the server refuses before hyper serves it (`--max-connections`).
pub fn raw(err: &ServerError) -> Vec<u8> {
    let (code, status, message) = err.row();
    let body = ErrorBody {
        request_id: request_id::fresh(),
        host_id: HOST_ID,
        code,
        message: &message,
    };
    // A struct of strings always serializes.
    let json = serde_json::to_string(&body).unwrap_or_default();
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {JSON}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    )
    .into_bytes()
}
