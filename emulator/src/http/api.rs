//! The API endpoint `/`: decode, the gateway checks in the spec's order (the start-up keys,
//! then the simulation's identities), then the action through the engine (nonce check,
//! apply as the caller, log, wait until durable).

use http::HeaderMap;

use crate::action::Format;
use crate::engine::EngineError;
use crate::gateway::{self, DecodedRequest};

use super::response::{self, Body};
use super::server_error::ServerError;
use super::Context;

/// Answers one request to `/` (GET or POST), noting for the request log what it names.
pub async fn handle(
    ctx: &Context,
    method: &str,
    query: &[u8],
    headers: &HeaderMap,
    body: &[u8],
) -> http::Response<Body> {
    let decoded = match DecodedRequest::decode(method, query, headers, body) {
        Ok(decoded) => decoded,
        // Nothing decoded, so no `Format` either: JSON.
        Err(err) => return response::gateway(Format::Json, &err),
    };
    let named = decoded.log_note();
    let mut answer = serve(ctx, &decoded).await;
    let note = super::note(&mut answer);
    note.action = named.action;
    note.instance = named.instance;
    note.access_key_id = named.access_key_id;
    answer
}

async fn serve(ctx: &Context, decoded: &DecodedRequest<'_>) -> http::Response<Body> {
    let format = decoded.format();
    let real = ctx.engine.real_now();
    let verified = match gateway::verify(decoded, &ctx.keys.with_identities(&ctx.engine), real) {
        Ok(verified) => verified,
        Err(err) => return response::gateway(format, &err),
    };
    let action = verified.action;
    let reverify = |sim: &_| gateway::verify(decoded, &ctx.keys.with_identities(sim), real);
    match ctx.engine.api(verified, real, reverify).await {
        Ok(answer) => response::answer(format, action.as_str(), answer.http_status, &answer.body),
        Err(EngineError::Gateway(err)) => response::gateway(format, &err),
        Err(EngineError::Storage(reason)) => response::server(&ServerError::StorageFailure {
            reason: reason.to_string(),
        }),
        Err(EngineError::LineNotUtf8(line)) => response::server(&ServerError::LineNotUtf8 { line }),
    }
}
