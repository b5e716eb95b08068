//! The Alibaba Cloud RPC wire layer of `rds-backup-sim` (spec/emulator.md).
//!
//! This crate puts the simulation behind the wire protocol the official SDKs speak. The
//! pure parts are separate modules, each named after its concern and tested alone:
//!
//! | module | concern |
//! |---|---|
//! | [`params`] | query string and form body decoding and merging |
//! | [`percent`] | the RFC 3986 `percentEncode` both signatures use |
//! | [`sign_v1`] | signature V1 (HMAC-SHA1) |
//! | [`sign_v3`] | signature V3 (`ACS3-HMAC-SHA256`) |
//! | [`gateway`] | the gateway checks, in the spec's order |
//! | [`gateway_error`] | the gateway error table |
//! | [`nonce`] | the nonce store (15 minutes, ≤ 32 bytes per nonce) |
//! | [`xml`] | JSON answers rendered as XML |
//! | [`action`] | the served actions and answer formats |
//! | [`clock`] | the one read of the real clock |
//!
//! No function but [`clock::real_now`] reads a clock: every time-dependent check takes
//! `now`, so tests inject any time and never wait.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod action;
pub mod clock;
pub mod gateway;
pub mod gateway_error;
pub mod nonce;
pub mod params;
pub mod percent;
pub mod sign_v1;
pub mod sign_v3;
pub mod xml;
