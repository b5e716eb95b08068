//! Request size limits: a body over 1 MiB answers 413 `Sim.RequestTooLarge`, a header
//! block over 64 KiB 431 `Sim.HeaderTooLarge` (spec/emulator.md).
//!
//! hyper reads a header block into a buffer of at most [`HYPER_MAX_BUF`] bytes and
//! [`HYPER_MAX_HEADERS`] headers; a request within those reaches [`header_block_len`] and
//! gets our JSON 431. A block beyond them (over 256 KiB, or more than 100 headers) is
//! refused by hyper itself with a bare 431 and the connection closed (hyper offers no hook
//! to shape that answer).
//!
//! The body must be whole by the request's deadline (`--request-timeout` after its first
//! byte, [`super::idle::BODY_DEADLINE`]): 408 `Sim.RequestTimeout`, and the connection
//! closed.

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper::body::Incoming;

use super::server_error::ServerError;

/// The largest body served.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The largest header block served (request line plus headers, as sent).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// hyper's read buffer limit, above [`MAX_HEADER_BYTES`] so that our check decides.
pub const HYPER_MAX_BUF: usize = 4 * MAX_HEADER_BYTES;
/// hyper's header count limit (hyper's own default). hyper zeroes an index array of this
/// many entries for every request (6 % of the server's instructions at 256 in the load
/// profile), so it is kept modest (the SDKs send about 15 headers); a request with more
/// headers gets hyper's own bare 431.
pub const HYPER_MAX_HEADERS: usize = 100;

/// The size of the header block as it was sent: request line and `name: value\r\n` lines.
pub fn header_block_len(method: &str, target: &str, headers: &HeaderMap) -> usize {
    let request_line = method.len() + 1 + target.len() + " HTTP/1.1\r\n".len();
    let fields: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + 2 + value.len() + 2)
        .sum();
    request_line + fields + 2
}

/// Reads the body, refusing one over [`MAX_BODY_BYTES`] (declared or actual; chunked
/// bodies are read up to the limit).
pub async fn read_body(headers: &HeaderMap, body: Incoming) -> Result<Bytes, ServerError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ServerError::RequestTooLarge);
    }
    let collect = Limited::new(body, MAX_BODY_BYTES).collect();
    let collected = match super::idle::BODY_DEADLINE.try_with(|deadline| *deadline) {
        Ok(deadline) => tokio::time::timeout_at(deadline, collect)
            .await
            .map_err(|_| ServerError::RequestTimeout)?,
        Err(_) => collect.await,
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ServerError::RequestTooLarge)
        }
        Err(_) => Err(ServerError::BodyUnreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_block_counts_the_request_line_and_every_field() {
        let mut h = HeaderMap::new();
        h.insert("host", "a".parse().unwrap());
        // "GET / HTTP/1.1\r\n" = 16, "host: a\r\n" = 9, final "\r\n" = 2.
        assert_eq!(header_block_len("GET", "/", &h), 27);
    }
}
