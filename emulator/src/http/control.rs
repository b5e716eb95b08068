//! The control plane `/_sim/` (spec/emulator.md): unsigned; with `--admin-token`, every
//! call carries `Authorization: Bearer TOKEN` (else 401 `Sim.Unauthorized`, checked before
//! anything else, so an unauthorized caller learns nothing of the paths).

use http::{HeaderMap, Method};
use hyper::body::Incoming;
use rds_backup_sim::scenario::Scenario;

use crate::engine::EngineError;

use super::limits::read_body;
use super::response::{self, Body, HTML, JSON, JSON_LINES};
use super::server_error::ServerError;
use super::Context;

/// `GET /_sim/requests`: the request log's ring.
pub const REQUESTS_PATH: &str = "/_sim/requests";
/// `GET /_sim/ui`: the dashboard.
pub const UI_PATH: &str = "/_sim/ui";
/// The cookie that keeps the admin token for the dashboard (`HttpOnly`, path `/_sim/ui`).
const TOKEN_COOKIE: &str = "rds_sim_token";

/// The calls, with the one method each takes.
const CALLS: [(&str, Method); 8] = [
    ("/_sim/action", Method::POST),
    ("/_sim/replay", Method::POST),
    ("/_sim/state", Method::GET),
    ("/_sim/state", Method::PUT),
    ("/_sim/reset", Method::POST),
    ("/_sim/health", Method::GET),
    (REQUESTS_PATH, Method::GET),
    (UI_PATH, Method::GET),
];

fn allowed(path: &str) -> &'static str {
    match path {
        "/_sim/state" => "GET, PUT",
        "/_sim/health" | REQUESTS_PATH | UI_PATH => "GET",
        _ => "POST",
    }
}

/// The decoded value of the query parameter `name`, if given.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let params = crate::params::Params::decode(query.unwrap_or("").as_bytes()).ok()?;
    params.get(name).map(str::to_owned)
}

/// Constant-time equality (length leaks; content does not).
fn same(given: &str, token: &str) -> bool {
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The dashboard's token cookie, if sent.
fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(TOKEN_COOKIE)?.strip_prefix('='))
}

/// Whether the call carries the bearer token (constant-time comparison).
fn token_matches(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| same(given, token))
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

/// Answers one request under `/_sim/`: the token, the path and method, then the call.
pub async fn handle(
    ctx: &Context,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Incoming,
) -> http::Response<Body> {
    if let Some(token) = &ctx.admin_token {
        if let Some(refusal) = unauthorized(token, method, path, query, headers) {
            return refusal;
        }
    }
    if let Some(refusal) = unrouted(method, path) {
        return refusal;
    }
    if *method == Method::GET {
        return match path {
            "/_sim/state" => state(ctx).await,
            REQUESTS_PATH => requests(ctx, query),
            UI_PATH => dashboard(ctx, query).await,
            _ => response::ok(),
        };
    }
    let body = match read_body(headers, body).await {
        Ok(body) => body,
        Err(err) => return response::server(&err),
    };
    match path {
        "/_sim/action" => action(ctx, &body).await,
        "/_sim/replay" => replay(ctx, &body).await,
        "/_sim/state" => restore(ctx, &body).await,
        // "/_sim/reset", the last POST call.
        _ => reset(ctx).await,
    }
}

/// With `--admin-token`, the answer unless the call carries the token: the bearer header;
/// for the dashboard also the cookie, or once `?token=` (answered with the cookie and a
/// redirect to the same page without the token).
fn unauthorized(
    token: &str,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Option<http::Response<Body>> {
    if path == UI_PATH && *method == Method::GET {
        if let Some(given) = query_param(query, "token") {
            if !same(&given, token) {
                return Some(response::server(&ServerError::Unauthorized));
            }
            return Some(with_token_cookie(token, query_param(query, "instance")));
        }
        if !token_matches(headers, token) && !cookie_token(headers).is_some_and(|c| same(c, token))
        {
            return Some(response::server(&ServerError::Unauthorized));
        }
    } else if !token_matches(headers, token) {
        return Some(response::server(&ServerError::Unauthorized));
    }
    None
}

/// The answer unless the path is a call (404 `Sim.NotFound`) that takes this method (405,
/// with `Allow`).
fn unrouted(method: &Method, path: &str) -> Option<http::Response<Body>> {
    if !CALLS.iter().any(|(p, _)| *p == path) {
        return Some(response::server(&ServerError::SimNotFound {
            path: path.to_owned(),
        }));
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
        return Some(answer);
    }
    None
}

/// `GET /_sim/state`.
async fn state(ctx: &Context) -> http::Response<Body> {
    match ctx.engine.state_json().await {
        Ok(json) => response::with(200, JSON, json),
        Err(err) => engine_error(err),
    }
}

/// `POST /_sim/action`: one line, its answer noted in the request log.
async fn action(ctx: &Context, body: &[u8]) -> http::Response<Body> {
    let named = line_note(body);
    let mut fault_id = None;
    let mut answer = match ctx.engine.action(body).await {
        Ok(Some(answer)) => {
            fault_id = answer.fault.map(|fired| fired.fault_id());
            response::line(&answer)
        }
        Ok(None) => response::server(&ServerError::NoLine),
        Err(err) => engine_error(err),
    };
    let note = super::note(&mut answer);
    note.action = named.action;
    note.instance = named.instance;
    note.fault_id = fault_id;
    answer
}

/// `POST /_sim/replay`: the answers as JSON Lines.
async fn replay(ctx: &Context, body: &[u8]) -> http::Response<Body> {
    match ctx.engine.lines(body).await {
        Ok(answers) => {
            let mut out = String::new();
            for answer in answers {
                out.push_str(&answer.to_line());
                out.push('\n');
            }
            response::with(200, JSON_LINES, out)
        }
        Err(err) => engine_error(err),
    }
}

/// `PUT /_sim/state`: the body is parsed here, before the engine takes its lock.
async fn restore(ctx: &Context, body: &[u8]) -> http::Response<Body> {
    match serde_json::from_slice::<Scenario>(body) {
        Ok(state) => match ctx.engine.restore(state).await {
            Ok(()) => response::ok(),
            Err(err) => engine_error(err),
        },
        Err(err) => response::server(&ServerError::InvalidState {
            reason: err.to_string(),
        }),
    }
}

/// `POST /_sim/reset`.
async fn reset(ctx: &Context) -> http::Response<Body> {
    match ctx.engine.reset().await {
        Ok(()) => response::ok(),
        Err(err) => engine_error(err),
    }
}

/// What the request log shows of a `/_sim/action` line: its `Action` and `DBInstanceId`.
fn line_note(body: &[u8]) -> crate::request_log::LogNote {
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(rename = "Action")]
        action: Option<serde_json::Value>,
        #[serde(rename = "DBInstanceId")]
        instance: Option<serde_json::Value>,
    }
    let text = |v: Option<serde_json::Value>| v.and_then(|v| v.as_str().map(str::to_owned));
    match serde_json::from_slice::<Named>(body) {
        Ok(named) => crate::request_log::LogNote {
            action: text(named.action),
            instance: text(named.instance),
            ..Default::default()
        },
        Err(_) => crate::request_log::LogNote::default(),
    }
}

/// `GET /_sim/requests?limit=N`: the last N requests (default 100, at most the 1,000
/// kept) as JSON Lines, newest last.
fn requests(ctx: &Context, query: Option<&str>) -> http::Response<Body> {
    let limit = match query_param(query, "limit") {
        None => 100,
        Some(value) => match value.parse::<usize>() {
            Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return response::server(&ServerError::InvalidQuery {
                    name: "limit",
                    value,
                    expected: "a whole number (at most 1000 are kept)",
                })
            }
        },
    };
    let mut out = String::new();
    for record in ctx
        .requests
        .last(limit.min(crate::request_log::RING_CAPACITY))
    {
        out.push_str(&record.to_json());
        out.push('\n');
    }
    response::with(200, JSON_LINES, out)
}

/// `GET /_sim/ui[?instance=ID]`: the dashboard.
async fn dashboard(ctx: &Context, query: Option<&str>) -> http::Response<Body> {
    let selected = query_param(query, "instance").filter(|v| !v.is_empty());
    // The page hides its own views, so it reads more than it shows.
    let requests = ctx.requests.last(crate::request_log::RING_CAPACITY);
    let real_now = ctx
        .engine
        .real_now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let clock_mode = ctx.engine.clock_mode().to_string();
    let page = ctx.engine.view(|sim, now| {
        let faults = super::dashboard::FaultView::active(sim, now);
        super::dashboard::render(
            sim,
            now,
            &super::dashboard::PageInput {
                clock_mode,
                real_now,
                faults: &faults,
                requests: &requests,
                selected: selected.as_deref(),
            },
        )
    });
    let page = match page.await {
        Ok(page) => page,
        Err(err) => return engine_error(err),
    };
    let mut answer = response::with(200, HTML, page);
    answer.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    answer
}

/// The answer to a right `?token=`: the cookie, and a redirect to the page without it.
fn with_token_cookie(token: &str, instance: Option<String>) -> http::Response<Body> {
    let location = match instance.filter(|i| !i.is_empty()) {
        Some(id) => format!("{UI_PATH}?instance={}", crate::percent::encode(&id)),
        None => UI_PATH.to_owned(),
    };
    let mut answer = response::with(303, HTML, String::new());
    let cookie = format!("{TOKEN_COOKIE}={token}; Path={UI_PATH}; HttpOnly; SameSite=Strict");
    if let (Ok(cookie), Ok(location)) = (
        http::HeaderValue::from_str(&cookie),
        http::HeaderValue::from_str(&location),
    ) {
        answer
            .headers_mut()
            .insert(http::header::SET_COOKIE, cookie);
        answer
            .headers_mut()
            .insert(http::header::LOCATION, location);
    }
    answer
}
