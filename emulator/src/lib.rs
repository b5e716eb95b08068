//! The Alibaba Cloud RPC wire layer of `rds-backup-sim` and its server, `serve`
//! (spec/emulator.md).
//!
//! This crate puts the simulation behind the wire protocol the official SDKs speak. The
//! pure parts are separate modules, each named after its concern and tested alone:
//!
//! | module | concern |
//! |---|---|
//! | [`params`] | query string and form body decoding and merging |
//! | [`percent`] | the RFC 3986 `percentEncode` both signatures use |
//! | [`sign_v1`] | signature V1 (HMAC-SHA1), and [`sign_v1::Signer`], a request's signed query |
//! | [`sign_v3`] | signature V3 (`ACS3-HMAC-SHA256`) |
//! | [`gateway`] | the gateway checks, in the spec's order |
//! | [`gateway_error`] | the gateway error table |
//! | [`nonce`] | the nonce store (15 minutes, ≤ 32 bytes per nonce) |
//! | [`xml`] | JSON answers rendered as XML |
//! | [`action`] | the served actions and answer formats |
//! | [`clock`] | the one read of the real clock, and the injectable [`clock::RealClock`] |
//!
//! The server, around the same dispatch `replay` uses (`rds_backup_sim::scenario`):
//!
//! | module | concern |
//! |---|---|
//! | [`config`] | `serve`'s options as asked ([`ServeOptions`]) and checked ([`ServeConfig`]) |
//! | [`keys`] | the accepted AccessKeys: start-up root keys, then declared identities |
//! | [`sim_clock`] | `--clock real|manual` |
//! | [`engine`] | the simulation behind one lock; apply, log, recover |
//! | [`durable`] | `--state-dir`: lock, settings, write-ahead log with group commit, recovery |
//! | [`http`] | routing, `/`, `/_sim/`, limits, idle timeout |
//! | [`request_id`] | unique `RequestId`s on `/` |
//! | [`request_log`] | the request log (`tracing`) and the ring behind `/_sim/requests` |
//! | [`server`] | bind, accept, stop on SIGINT/SIGTERM; `--max-connections` |
//! | [`open_files`] | raising the open-file limit for `--max-connections` |
//!
//! The program (`rds-backup-sim serve`, crate `rds-backup-sim-cli`) parses its flags into
//! [`ServeOptions`]; [`ServeConfig::try_from`] checks them and [`run`] serves. This crate
//! parses no command line and holds no HTTP client: [`sign_v1::Signer`] builds a signed V1
//! query that any client sends (the program's load generator and the tests use hyper's).
//!
//! No function but [`clock::real_now`] reads the wall clock: every time-dependent check
//! takes `now`, so tests inject any time and never wait.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod action;
pub mod clock;
pub mod config;
pub mod durable;
pub mod engine;
pub mod gateway;
pub mod gateway_error;
pub mod http;
pub mod keys;
pub mod nonce;
pub mod open_files;
pub mod params;
pub mod percent;
pub mod request_id;
pub mod request_log;
pub mod server;
pub mod sign_v1;
pub mod sign_v3;
pub mod sim_clock;
pub mod xml;

pub use config::{ServeConfig, ServeOptions};
pub use server::{run, RunningServer, ServeError};
