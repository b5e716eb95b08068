//! The API endpoint `/`: decode, the gateway checks in the spec's order (the start-up keys,
//! then the simulation's identities), then the action through the engine (nonce check,
//! injected faults, apply as the caller, log, wait until durable), then the fault's wire
//! behaviour: `Latency` and `Timeout` hold the answer outside the engine's lock, and
//! `Timeout` closes the connection without an answer (faults.md).

use std::time::Duration;

use http::HeaderMap;
use rds_backup_sim::faults::{FaultKind, Fired};

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
        Ok(answer) => {
            let fault = answer.fault;
            if let Some(fired) = fault {
                hold(fired).await;
            }
            let mut response = response::answer(format, action.as_str(), answer);
            if let Some(fired) = fault {
                super::note(&mut response).fault_id = Some(fired.fault_id());
                if fired.kind == FaultKind::Timeout {
                    response.extensions_mut().insert(super::HangUp);
                }
            }
            response
        }
        Err(EngineError::Gateway(err)) => response::gateway(format, &err),
        Err(EngineError::Storage(reason)) => response::server(&ServerError::StorageFailure {
            reason: reason.to_string(),
        }),
        Err(EngineError::LineNotUtf8(line)) => response::server(&ServerError::LineNotUtf8 { line }),
    }
}

/// Holds a request that a `Latency` or `Timeout` fault fired on for its `LatencyMs`
/// (faults.md). The engine's lock is already released, and the change (with `Phase:
/// After`) durable: other requests go on meanwhile.
async fn hold(fired: Fired) {
    if fired.kind.takes_latency() {
        tokio::time::sleep(Duration::from_millis(u64::from(fired.latency_ms))).await;
    }
}
