//! The HTTP layer: one function per concern, all answers JSON unless `Format=XML`.
//!
//! | module | concern |
//! |---|---|
//! | [`limits`] | body and header size limits |
//! | [`api`] | the API endpoint `/` |
//! | [`control`] | the control plane `/_sim/` |
//! | [`response`] | answer bodies and content types |
//! | [`server_error`] | the server's own error table |
//! | [`idle`] | the idle timeout |

pub mod api;
pub mod control;
pub mod idle;
pub mod limits;
pub mod response;
pub mod server_error;

use http::{Method, Request, Response};
use hyper::body::Incoming;

use crate::engine::Engine;
use crate::keys::KeyRing;

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
        return control::handle(ctx, &parts.method, path, &parts.headers, body).await;
    }
    response::server(&ServerError::PathNotFound)
}
