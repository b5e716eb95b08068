//! The HTTP layer: one function per concern, all answers JSON unless `Format=XML`.
//!
//! | module | concern |
//! |---|---|
//! | [`limits`] | body and header size limits |
//! | [`api`] | the API endpoint `/` |
//! | [`control`] | the control plane `/_sim/` |
//! | [`response`] | answer bodies and content types |
//! | [`server_error`] | the server's own error table |
//! | [`idle`] | the idle and request timeouts |
//! | [`bare`] | JSON bodies for the answers hyper gives on its own (400, 414, 431) |
//! | [`dashboard`] | `GET /_sim/ui`, the HTML dashboard |

pub mod api;
pub mod bare;
pub mod control;
pub mod dashboard;
pub mod idle;
pub mod limits;
pub mod response;
pub mod server_error;

use http::{Method, Request, Response};
use hyper::body::Incoming;

use crate::engine::Engine;
use crate::keys::KeyRing;
use crate::request_log::{LogNote, RequestRecord, RequestRing};

use response::Body;
use server_error::ServerError;

/// What every request needs.
pub struct Context {
    /// The simulation, nonces and log.
    pub engine: Engine,
    /// The AccessKeys.
    pub keys: KeyRing,
    /// `--admin-token`.
    pub admin_token: Option<String>,
    /// The last requests, for `/_sim/requests` and the dashboard.
    pub requests: RequestRing,
}

/// A `Timeout` fault fired (faults.md): the connection closes without an answer. Marks the
/// response in its extensions; [`served`] turns it into this error, which makes hyper drop
/// the connection without writing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the connection was closed without an answer by an injected Timeout fault")]
pub struct HangUp;

/// [`logged`] for hyper: the response, or [`HangUp`] when the connection must close
/// without an answer.
pub async fn served(ctx: &Context, request: Request<Incoming>) -> Result<Response<Body>, HangUp> {
    let response = logged(ctx, request).await;
    match response.extensions().get::<HangUp>() {
        Some(&hang_up) => Err(hang_up),
        None => Ok(response),
    }
}

/// Serves one request and logs it (spec/emulator.md, "Request log"): one record in the
/// ring and one `tracing` event. `GET /_sim/requests` is logged but not kept, so that it
/// does not list itself. A response marked [`HangUp`] is logged with no status.
pub async fn logged(ctx: &Context, request: Request<Incoming>) -> Response<Body> {
    let started = crate::clock::monotonic_now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = route(ctx, request).await;
    let note = response
        .extensions_mut()
        .remove::<LogNote>()
        .unwrap_or_default();
    let status = match response.extensions().get::<HangUp>() {
        Some(_) => None,
        None => Some(response.status().as_u16()),
    };
    let record = RequestRecord::new(
        ctx.engine.real_now(),
        Some(ctx.engine.sim_now().to_wire_seconds()),
        method.as_str(),
        &path,
        status,
        note,
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
    record.emit();
    if !(method == Method::GET && path == control::REQUESTS_PATH) {
        ctx.requests.push(record);
    }
    response
}

/// The note of `response`, to fill in.
pub fn note(response: &mut Response<Body>) -> &mut LogNote {
    response.extensions_mut().get_or_insert_default::<LogNote>()
}

/// Routes one request: header size first, then `/`, `/_sim/…`, anything else 404.
pub async fn route(ctx: &Context, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    if limits::header_block_len(parts.method.as_str(), target, &parts.headers)
        > limits::MAX_HEADER_BYTES
    {
        return response::server(&ServerError::HeaderTooLarge);
    }
    let path = parts.uri.path();
    if path == "/" {
        if parts.method != Method::GET && parts.method != Method::POST {
            return response::server(&ServerError::PathNotFound);
        }
        let bytes = match limits::read_body(&parts.headers, body).await {
            Ok(bytes) => bytes,
            Err(err) => return response::server(&err),
        };
        let query = parts.uri.query().unwrap_or("").as_bytes();
        return api::handle(ctx, parts.method.as_str(), query, &parts.headers, &bytes).await;
    }
    if path.starts_with("/_sim/") {
        let query = parts.uri.query();
        return control::handle(ctx, &parts.method, path, query, &parts.headers, body).await;
    }
    response::server(&ServerError::PathNotFound)
}
