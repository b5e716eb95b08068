//! The errors the server itself answers (not the gateway's, not the simulation's), from one
//! table with no wildcard arm (spec/emulator.md, control plane and limits).

use super::limits::{MAX_BODY_BYTES, MAX_HEADER_BYTES};

/// A request the server refuses before (or instead of) the simulation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A body over 1 MiB (declared or read).
    #[error("body too large")]
    RequestTooLarge,
    /// A header block over 64 KiB.
    #[error("header block too large")]
    HeaderTooLarge,
    /// A path other than `/` and `/_sim/…`, or a method other than GET and POST on `/`.
    #[error("no such API")]
    PathNotFound,
    /// An unknown path under `/_sim/`.
    #[error("no control-plane call {path}")]
    SimNotFound {
        /// The path.
        path: String,
    },
    /// A known control-plane path with the wrong method.
    #[error("{path} does not take {method}")]
    MethodNotAllowed {
        /// The path.
        path: String,
        /// The method sent.
        method: String,
        /// The methods it takes.
        allow: &'static str,
    },
    /// `--admin-token` is set and the call does not carry it.
    #[error("unauthorized")]
    Unauthorized,
    /// The body ended early or could not be read.
    #[error("body unreadable")]
    BodyUnreadable,
    /// `POST /_sim/action` without a scenario line (empty, blank or a comment).
    #[error("no line")]
    NoLine,
    /// A control-plane line that is not UTF-8.
    #[error("line {line} not UTF-8")]
    LineNotUtf8 {
        /// 1-based line.
        line: usize,
    },
    /// `PUT /_sim/state` with a body that is not a simulation.
    #[error("invalid state: {reason}")]
    InvalidState {
        /// serde's reason.
        reason: String,
    },
    /// A control-plane query parameter with a bad value (`/_sim/requests?limit=`).
    #[error("query parameter {name}={value:?} is not valid")]
    InvalidQuery {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
    /// A request hyper could not parse (request line, method, version or a header).
    #[error("bad request")]
    BadRequest,
    /// A request target hyper refused as too long (65,535 bytes or more).
    #[error("URI too long")]
    UriTooLong,
    /// The body did not arrive within `--request-timeout` of the request's first byte.
    #[error("request timeout")]
    RequestTimeout,
    /// `--max-connections` connections are open already.
    #[error("too many connections")]
    TooManyConnections,
    /// The change applied but could not be made durable; no later change is accepted.
    #[error("storage failure: {reason}")]
    StorageFailure {
        /// Why.
        reason: String,
    },
}

impl ServerError {
    /// The one table: code, HTTP status, message.
    pub fn row(&self) -> (&'static str, u16, String) {
        match self {
            ServerError::RequestTooLarge => (
                "Sim.RequestTooLarge",
                413,
                format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
            ),
            ServerError::HeaderTooLarge => (
                "Sim.HeaderTooLarge",
                431,
                format!("The request header block exceeds {MAX_HEADER_BYTES} bytes."),
            ),
            ServerError::BadRequest => (
                "Sim.BadRequest",
                400,
                "The request is not valid HTTP/1.1 (request line, method, version or a header)."
                    .to_owned(),
            ),
            ServerError::UriTooLong => (
                "Sim.UriTooLong",
                414,
                "The request URI exceeds 64 KiB.".to_owned(),
            ),
            ServerError::RequestTimeout => (
                "Sim.RequestTimeout",
                408,
                "The request did not arrive whole within the request timeout.".to_owned(),
            ),
            ServerError::TooManyConnections => (
                "Sim.TooManyConnections",
                503,
                "The server has as many connections open as --max-connections allows; retry later."
                    .to_owned(),
            ),
            ServerError::PathNotFound => {
                // The core's row: a path that is no API answers as an unknown action does.
                let row = rds_backup_sim::ErrorCode::InvalidAction.spec();
                (row.code, row.status, row.message.to_owned())
            }
            ServerError::SimNotFound { path } => (
                "Sim.NotFound",
                404,
                format!("There is no control-plane call {path}."),
            ),
            ServerError::MethodNotAllowed {
                path,
                method,
                allow,
            } => (
                "Sim.MethodNotAllowed",
                405,
                format!("{path} does not accept {method}; it accepts {allow}."),
            ),
            ServerError::Unauthorized => (
                "Sim.Unauthorized",
                401,
                "The control plane requires the header Authorization: Bearer <admin token>."
                    .to_owned(),
            ),
            ServerError::BodyUnreadable => (
                "Sim.MalformedRequest",
                400,
                "The request body could not be read.".to_owned(),
            ),
            ServerError::NoLine => (
                "Sim.MalformedLine",
                400,
                "The body holds no scenario line.".to_owned(),
            ),
            ServerError::LineNotUtf8 { line } => (
                "Sim.MalformedLine",
                400,
                format!("Line {line} is not UTF-8; nothing was applied."),
            ),
            ServerError::InvalidState { reason } => (
                "Sim.InvalidState",
                400,
                format!("The body is not a simulation state: {reason}"),
            ),
            ServerError::InvalidQuery {
                name,
                value,
                expected,
            } => (
                "Sim.InvalidParameter",
                400,
                format!(
                    "The query parameter {name}={value:?} is not valid: it must be {expected}."
                ),
            ),
            ServerError::StorageFailure { reason } => (
                "Sim.StorageFailure",
                500,
                format!("The change could not be made durable: {reason}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden: every variant's code, status and message.
    #[test]
    fn golden_table() {
        let cases: Vec<(ServerError, &str, u16, &str)> = vec![
            (
                ServerError::RequestTooLarge,
                "Sim.RequestTooLarge",
                413,
                "The request body exceeds 1048576 bytes.",
            ),
            (
                ServerError::HeaderTooLarge,
                "Sim.HeaderTooLarge",
                431,
                "The request header block exceeds 65536 bytes.",
            ),
            (
                ServerError::PathNotFound,
                "InvalidAction.NotFound",
                404,
                "Specified api is not found, please check your url and method.",
            ),
            (
                ServerError::SimNotFound {
                    path: "/_sim/x".into(),
                },
                "Sim.NotFound",
                404,
                "There is no control-plane call /_sim/x.",
            ),
            (
                ServerError::MethodNotAllowed {
                    path: "/_sim/reset".into(),
                    method: "GET".into(),
                    allow: "POST",
                },
                "Sim.MethodNotAllowed",
                405,
                "/_sim/reset does not accept GET; it accepts POST.",
            ),
            (
                ServerError::Unauthorized,
                "Sim.Unauthorized",
                401,
                "The control plane requires the header Authorization: Bearer <admin token>.",
            ),
            (
                ServerError::BodyUnreadable,
                "Sim.MalformedRequest",
                400,
                "The request body could not be read.",
            ),
            (
                ServerError::NoLine,
                "Sim.MalformedLine",
                400,
                "The body holds no scenario line.",
            ),
            (
                ServerError::LineNotUtf8 { line: 2 },
                "Sim.MalformedLine",
                400,
                "Line 2 is not UTF-8; nothing was applied.",
            ),
            (
                ServerError::InvalidState { reason: "r".into() },
                "Sim.InvalidState",
                400,
                "The body is not a simulation state: r",
            ),
            (
                ServerError::InvalidQuery {
                    name: "limit",
                    value: "x".into(),
                    expected: "a whole number (at most 1000 are kept)",
                },
                "Sim.InvalidParameter",
                400,
                "The query parameter limit=\"x\" is not valid: it must be a whole number (at most 1000 are kept).",
            ),
            (
                ServerError::BadRequest,
                "Sim.BadRequest",
                400,
                "The request is not valid HTTP/1.1 (request line, method, version or a header).",
            ),
            (
                ServerError::UriTooLong,
                "Sim.UriTooLong",
                414,
                "The request URI exceeds 64 KiB.",
            ),
            (
                ServerError::RequestTimeout,
                "Sim.RequestTimeout",
                408,
                "The request did not arrive whole within the request timeout.",
            ),
            (
                ServerError::TooManyConnections,
                "Sim.TooManyConnections",
                503,
                "The server has as many connections open as --max-connections allows; retry later.",
            ),
            (
                ServerError::StorageFailure { reason: "r".into() },
                "Sim.StorageFailure",
                500,
                "The change could not be made durable: r",
            ),
        ];
        assert_eq!(cases.len(), 16, "one case per variant");
        for (err, code, status, message) in cases {
            assert_eq!(err.row(), (code, status, message.to_owned()), "{err:?}");
        }
    }
}
