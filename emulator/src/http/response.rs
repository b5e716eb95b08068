//! Building answers: JSON (or XML when asked) with the right `Content-Type`.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use rds_backup_sim::scenario::{Answer, Member};
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
        request_id: request_id::fresh().to_string(),
        host_id: HOST_ID,
        code,
        message,
    };
    let mut response = match format {
        // A struct of strings always serializes.
        Format::Json => with(
            status,
            JSON,
            serde_json::to_string(&body).unwrap_or_default(),
        ),
        Format::Xml => {
            let text = |t: &'static str| Member::Text(t.into());
            let members = [
                ("RequestId", Member::Text(body.request_id.as_str().into())),
                ("HostId", text(HOST_ID)),
                ("Code", Member::Text(code.into())),
                ("Message", Member::Text(message.into())),
            ];
            with(
                status,
                Format::Xml.content_type(),
                xml::render(xml::ERROR_ROOT, &members),
            )
        }
    };
    super::note(&mut response).code = Some(code.to_owned());
    response
}

/// The `Code` of an error answer, for the request log.
fn code_of(answer: &Answer) -> Option<String> {
    answer.error_code().map(|code| code.spec().code.to_owned())
}

/// A simulation answer in its scenario form (control plane), noted for the request log.
pub fn line(answer: &Answer) -> Response<Body> {
    let mut response = with(answer.http_status, JSON, answer.to_line());
    super::note(&mut response).code = code_of(answer);
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

/// A simulation answer on `/`, with a fresh `RequestId` (spec/emulator.md: unique ids on
/// `/`): its body as JSON, or as XML under `<ACTIONResponse>` (errors under `<Error>`).
pub fn answer(format: Format, action: &str, mut answer: Answer) -> Response<Body> {
    answer.request_id = request_id::fresh();
    let mut response = match format {
        Format::Json => with(answer.http_status, JSON, answer.body_text()),
        Format::Xml => with(
            answer.http_status,
            Format::Xml.content_type(),
            xml::render_answer(action, &answer),
        ),
    };
    super::note(&mut response).code = code_of(&answer);
    response
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
        request_id: request_id::fresh().to_string(),
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
