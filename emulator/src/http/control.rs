//! The control plane `/_sim/` (spec/emulator.md): unsigned; with `--admin-token`, every
//! call carries `Authorization: Bearer TOKEN` (else 401 `Sim.Unauthorized`, checked before
//! anything else, so an unauthorized caller learns nothing of the paths).

use http::{HeaderMap, Method};
use hyper::body::Incoming;
use rds_backup_sim::scenario::Scenario;

use crate::engine::EngineError;

use super::limits::read_body;
use super::response::{self, Body, JSON, JSON_LINES};
use super::server_error::ServerError;
use super::Context;

/// The calls, with the one method each takes.
const CALLS: [(&str, Method); 6] = [
    ("/_sim/action", Method::POST),
    ("/_sim/replay", Method::POST),
    ("/_sim/state", Method::GET),
    ("/_sim/state", Method::PUT),
    ("/_sim/reset", Method::POST),
    ("/_sim/health", Method::GET),
];

fn allowed(path: &str) -> &'static str {
    match path {
        "/_sim/state" => "GET, PUT",
        "/_sim/health" => "GET",
        _ => "POST",
    }
}

/// Constant-time equality of the bearer token (length leaks; content does not).
fn token_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn engine_error(err: EngineError) -> http::Response<Body> {
    match err {
        EngineError::LineNotUtf8(line) => response::server(&ServerError::LineNotUtf8 { line }),
        EngineError::Storage(reason) => response::server(&ServerError::StorageFailure {
            reason: reason.to_string(),
        }),
        // Control-plane calls carry no nonce.
        EngineError::Gateway(err) => response::gateway(crate::action::Format::Json, &err),
    }
}

/// Answers one request under `/_sim/`.
pub async fn handle(
    ctx: &Context,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Incoming,
) -> http::Response<Body> {
    if let Some(token) = &ctx.admin_token {
        if !token_matches(headers, token) {
            return response::server(&ServerError::Unauthorized);
        }
    }
    if !CALLS.iter().any(|(p, _)| *p == path) {
        return response::server(&ServerError::SimNotFound {
            path: path.to_owned(),
        });
    }
    if !CALLS.iter().any(|(p, m)| *p == path && m == method) {
        let mut answer = response::server(&ServerError::MethodNotAllowed {
            path: path.to_owned(),
            method: method.as_str().to_owned(),
            allow: allowed(path),
        });
        answer.headers_mut().insert(
            http::header::ALLOW,
            http::HeaderValue::from_static(allowed(path)),
        );
        return answer;
    }
    if *method == Method::GET {
        return match path {
            "/_sim/state" => response::with(200, JSON, ctx.engine.state_json()),
            _ => response::ok(),
        };
    }
    let body = match read_body(headers, body).await {
        Ok(body) => body,
        Err(err) => return response::server(&err),
    };
    match path {
        "/_sim/action" => match ctx.engine.action(&body).await {
            Ok(Some(answer)) => response::with(answer.http_status, JSON, answer.to_line()),
            Ok(None) => response::server(&ServerError::NoLine),
            Err(err) => engine_error(err),
        },
        "/_sim/replay" => match ctx.engine.lines(&body).await {
            Ok(answers) => {
                let mut out = String::new();
                for answer in answers {
                    out.push_str(&answer.to_line());
                    out.push('\n');
                }
                response::with(200, JSON_LINES, out)
            }
            Err(err) => engine_error(err),
        },
        "/_sim/state" => match serde_json::from_slice::<Scenario>(&body) {
            Ok(state) => match ctx.engine.restore(state).await {
                Ok(()) => response::ok(),
                Err(err) => engine_error(err),
            },
            Err(err) => response::server(&ServerError::InvalidState {
                reason: err.to_string(),
            }),
        },
        // "/_sim/reset", the last POST call.
        _ => match ctx.engine.reset().await {
            Ok(()) => response::ok(),
            Err(err) => engine_error(err),
        },
    }
}
