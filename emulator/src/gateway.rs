//! The gateway: decodes a request to `/`, tells V1 from V3, and runs the checks of
//! spec/emulator.md in its order, before any action runs.
//!
//! - [`DecodedRequest::decode`] decodes the query and a form body (params.rs rules);
//! - [`verify`] runs checks 1–8 (action, missing parameter, version, signature method,
//!   signed headers, timestamp, AccessKey, signature) and touches no state;
//! - [`check`] is [`verify`] followed by check 9, the nonce, which records the nonce only
//!   when every check passed.
//!
//! `now` is always a parameter: the real clock is read at the server's edge
//! ([`crate::clock::real_now`]).
//!
//! Choices beyond the spec, each tested:
//! - a mandatory signing parameter or header that is present but empty counts as missing;
//! - a V3 header value that is not visible ASCII counts as absent (for action, version,
//!   nonce and date);
//! - V3 without `x-acs-content-sha256` signs the body's real hash (integrity holds either
//!   way); with it, a value other than the body's hash is `SignatureDoesNotMatch`;
//! - a request is V3 when its `Authorization` starts with `ACS3-`; any other request is V1.

use std::borrow::Cow;

use chrono::{DateTime, TimeDelta, Utc};
use http::HeaderMap;

use crate::action::{ApiAction, Format};
use crate::gateway_error::GatewayError;
use crate::nonce::{NonceStore, NONCE_WINDOW};
use crate::params::Params;
use crate::{sign_v1, sign_v3};
use rds_backup_sim::scenario::rds_actions;

/// The only API version served.
pub const API_VERSION: &str = "2014-08-15";

/// How far a request's timestamp may be from the real time, either direction (inclusive).
pub const TIMESTAMP_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// Protocol parameters that are not handed to the action (`AccessKeyId` is set again to a
/// verified declared key, see [`Caller`]; `At` and `Expect` are ignored on `/`: only the
/// control plane moves time).
const PROTOCOL_PARAMS: [&str; 12] = [
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "At",
    "Expect",
];

/// Which signature a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVersion {
    /// HMAC-SHA1 in the `Signature` parameter (also any request without an ACS3 header).
    V1,
    /// `Authorization: ACS3-…`.
    V3,
}

/// A request to `/`, decoded but not yet checked.
#[derive(Debug, Clone)]
pub struct DecodedRequest<'a> {
    /// `GET` or `POST`, exactly as sent (part of what is signed).
    pub method: &'a str,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The raw body (V3 hashes it).
    pub body: &'a [u8],
    /// Query and form-body parameters merged, the body winning (V1 signs these).
    pub params: Params,
    /// The query string's own parameters, kept apart only when a form body was merged in
    /// (otherwise they are `params`): see [`DecodedRequest::query`].
    form_query: Option<Params>,
}

impl<'a> DecodedRequest<'a> {
    /// Decodes the query string (without `?`) and, when the `Content-Type` is
    /// `application/x-www-form-urlencoded`, the body.
    pub fn decode(
        method: &'a str,
        raw_query: &[u8],
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Result<DecodedRequest<'a>, GatewayError> {
        let query = Params::decode(raw_query)?;
        let (params, form_query) = if is_form(headers) {
            (
                Params::merge(query.clone(), Params::decode(body)?),
                Some(query),
            )
        } else {
            (query, None)
        };
        Ok(DecodedRequest {
            method,
            headers,
            body,
            params,
            form_query,
        })
    }

    /// The query string's parameters (V3 signs these).
    pub fn query(&self) -> &Params {
        self.form_query.as_ref().unwrap_or(&self.params)
    }

    /// The format the request asks for (`Format=XML`, any case), for its answer and for its
    /// gateway error alike.
    pub fn format(&self) -> Format {
        Format::from_param(self.params.get("Format"))
    }

    /// What the request log shows of it: the action, `DBInstanceId` and the `AccessKeyId`
    /// it names (V1 parameters or V3 headers), verified or not; never a secret or a
    /// signature.
    pub fn log_note(&self) -> crate::request_log::LogNote {
        let (action, access_key_id) = match self.authorization() {
            Some(authorization) => (
                self.header("x-acs-action"),
                sign_v3::Authorization::parse(authorization).credential,
            ),
            None => (self.params.get("Action"), self.params.get("AccessKeyId")),
        };
        let owned = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_owned);
        crate::request_log::LogNote {
            action: owned(action),
            instance: owned(self.params.get("DBInstanceId")),
            access_key_id: owned(access_key_id),
            ..Default::default()
        }
    }

    /// V3 when an `Authorization` header starts with `ACS3-`, V1 otherwise.
    pub fn signature_version(&self) -> SignatureVersion {
        match self.authorization() {
            Some(_) => SignatureVersion::V3,
            None => SignatureVersion::V1,
        }
    }

    fn authorization(&self) -> Option<&'a str> {
        self.headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.trim_start().starts_with(sign_v3::SCHEME_PREFIX))
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Whose an AccessKey is (spec/ram.md, "Identities").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    /// A start-up key (`--access-key`, or the default `testid:testsecret`): a root key of
    /// the default account. The action runs without `AccessKeyId`, as that root.
    DefaultRoot,
    /// A key declared with `Sim.PutIdentity`: the action runs as that identity, and RAM
    /// applies.
    Declared,
}

/// A known AccessKey: its secret and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownKey<'a> {
    /// The secret the signature is checked with.
    pub secret: Cow<'a, str>,
    /// Whose the key is.
    pub owner: KeyOwner,
}

impl KnownKey<'_> {
    /// A start-up key with `secret`.
    pub fn default_root(secret: &str) -> KnownKey<'_> {
        KnownKey {
            secret: Cow::Borrowed(secret),
            owner: KeyOwner::DefaultRoot,
        }
    }
}

/// Looks up AccessKeys (the `--access-key` pairs, then the simulation's identities:
/// [`crate::keys::GatewayKeys`]).
pub trait SecretStore {
    /// The key `access_key_id`, if it is known.
    fn secret_of(&self, access_key_id: &str) -> Option<KnownKey<'_>>;

    /// `--accept-any-key`: an unknown key acts as the default account's root, and no
    /// signature (nor V3 body hash) is verified. Every other check still applies.
    fn accepts_any_key(&self) -> bool {
        false
    }
}

/// Start-up keys only (tests, tools).
impl<S: std::hash::BuildHasher> SecretStore for std::collections::HashMap<String, String, S> {
    fn secret_of(&self, access_key_id: &str) -> Option<KnownKey<'_>> {
        self.get(access_key_id).map(|s| KnownKey::default_root(s))
    }
}

/// Start-up keys only (tests, tools).
impl SecretStore for [(&str, &str)] {
    fn secret_of(&self, access_key_id: &str) -> Option<KnownKey<'_>> {
        self.iter()
            .find(|(id, _)| *id == access_key_id)
            .map(|(_, secret)| KnownKey::default_root(secret))
    }
}

/// Who a verified request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The root of the default account (a start-up key): no `AccessKeyId` reaches the
    /// action.
    DefaultRoot,
    /// The declared identity of the verified key: `AccessKeyId` reaches the action.
    Identity {
        /// The secret the signature was verified with; the engine checks, under its lock,
        /// that the identity still has it before the action runs.
        secret: String,
    },
}

/// A request that passed checks 1–8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The action.
    pub action: ApiAction,
    /// The verified AccessKeyId.
    pub access_key_id: String,
    /// Who the action runs as.
    pub caller: Caller,
    /// Which signature it carried.
    pub signature_version: SignatureVersion,
    /// The answer's format.
    pub format: Format,
    /// The nonce, not yet recorded by [`verify`].
    pub nonce: String,
    /// The request's timestamp.
    pub timestamp: DateTime<Utc>,
    /// The parameters for the action: every parameter but the protocol ones, plus, for a
    /// declared key ([`Caller::Identity`]), `AccessKeyId` set to the verified key.
    pub params: Params,
}

impl Verified {
    /// Until when the nonce must be refused: `max(now, timestamp) + 15 minutes`, so that a
    /// request stamped in the future cannot be replayed once the nonce is forgotten.
    pub fn nonce_expires_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.max(self.timestamp) + NONCE_WINDOW
    }
}

/// Checks 1–8 of the gateway table, in order, at real time `now`.
pub fn verify<K: SecretStore + ?Sized>(
    req: &DecodedRequest<'_>,
    keys: &K,
    now: DateTime<Utc>,
) -> Result<Verified, GatewayError> {
    match req.authorization() {
        Some(authorization) => verify_v3(req, authorization, keys, now),
        None => verify_v1(req, keys, now),
    }
}

/// [`verify`], then check 9: the nonce must be new; it is recorded only when every check
/// passed.
pub fn check<K: SecretStore + ?Sized>(
    req: &DecodedRequest<'_>,
    keys: &K,
    nonces: &mut NonceStore,
    now: DateTime<Utc>,
) -> Result<Verified, GatewayError> {
    let verified = verify(req, keys, now)?;
    nonces
        .check_and_insert(&verified.nonce, now, verified.nonce_expires_at(now))
        .map_err(|_| GatewayError::SignatureNonceUsed {
            nonce: verified.nonce.clone(),
        })?;
    Ok(verified)
}

/// Checks 1 and 2: a served action; a real RDS action that is not emulated answers
/// `Sim.NotImplemented` (the core's list, `rds_backup_sim::scenario::rds_actions`).
fn known_action(name: Option<&str>) -> Result<ApiAction, GatewayError> {
    match (name, name.and_then(ApiAction::from_wire)) {
        (_, Some(action)) => Ok(action),
        (Some(name), None) if rds_actions::is_rds_action(name) => {
            Err(GatewayError::NotImplemented {
                action: name.to_owned(),
            })
        }
        (name, None) => Err(GatewayError::ActionNotFound {
            action: name.map(str::to_owned),
        }),
    }
}

fn check_version(version: Option<&str>) -> Result<(), GatewayError> {
    if version == Some(API_VERSION) {
        Ok(())
    } else {
        Err(GatewayError::InvalidVersion {
            version: version.map(str::to_owned),
        })
    }
}

fn check_timestamp(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, GatewayError> {
    let expired = || GatewayError::TimestampExpired {
        timestamp: raw.to_owned(),
    };
    let timestamp = DateTime::parse_from_rfc3339(raw)
        .map_err(|_| expired())?
        .with_timezone(&Utc);
    if (timestamp - now).abs() <= TIMESTAMP_WINDOW {
        Ok(timestamp)
    } else {
        Err(expired())
    }
}

fn action_params(params: &Params, access_key_id: &str, caller: &Caller) -> Params {
    let mut out = params.without(&PROTOCOL_PARAMS);
    if let Caller::Identity { .. } = caller {
        out.insert("AccessKeyId", access_key_id);
    }
    out
}

/// Check 7: the key, or with `--accept-any-key` the default root for an unknown one.
fn known_key<'k, K: SecretStore + ?Sized>(
    keys: &'k K,
    access_key_id: &str,
) -> Result<KnownKey<'k>, GatewayError> {
    match keys.secret_of(access_key_id) {
        Some(key) => Ok(key),
        None if keys.accepts_any_key() => Ok(KnownKey::default_root("")),
        None => Err(GatewayError::AccessKeyNotFound {
            access_key_id: access_key_id.to_owned(),
        }),
    }
}

fn caller_of(key: KnownKey<'_>) -> Caller {
    match key.owner {
        KeyOwner::DefaultRoot => Caller::DefaultRoot,
        KeyOwner::Declared => Caller::Identity {
            secret: key.secret.into_owned(),
        },
    }
}

fn verify_v1<K: SecretStore + ?Sized>(
    req: &DecodedRequest<'_>,
    keys: &K,
    now: DateTime<Utc>,
) -> Result<Verified, GatewayError> {
    let p = &req.params;
    let action = known_action(p.get("Action"))?;
    let mandatory = |name: &'static str| {
        p.get_non_empty(name)
            .ok_or(GatewayError::MissingParameter { name })
    };
    let access_key_id = mandatory("AccessKeyId")?;
    let signature = mandatory("Signature")?;
    let nonce = mandatory("SignatureNonce")?;
    let raw_timestamp = mandatory("Timestamp")?;
    check_version(p.get("Version"))?;
    let method = p.get("SignatureMethod");
    let version = p.get("SignatureVersion");
    if method != Some("HMAC-SHA1") || version != Some("1.0") {
        return Err(GatewayError::InvalidSignatureMethod {
            method: format!("{}/{}", method.unwrap_or(""), version.unwrap_or("")),
        });
    }
    let timestamp = check_timestamp(raw_timestamp, now)?;
    let key = known_key(keys, access_key_id)?;
    let string_to_sign = sign_v1::string_to_sign(req.method, p);
    if !keys.accepts_any_key() && !sign_v1::verify(&key.secret, &string_to_sign, signature) {
        return Err(GatewayError::SignatureDoesNotMatch { string_to_sign });
    }
    let caller = caller_of(key);
    Ok(Verified {
        action,
        access_key_id: access_key_id.to_owned(),
        signature_version: SignatureVersion::V1,
        format: req.format(),
        nonce: nonce.to_owned(),
        timestamp,
        params: action_params(p, access_key_id, &caller),
        caller,
    })
}

fn verify_v3<K: SecretStore + ?Sized>(
    req: &DecodedRequest<'_>,
    authorization: &str,
    keys: &K,
    now: DateTime<Utc>,
) -> Result<Verified, GatewayError> {
    let action = known_action(req.header("x-acs-action"))?;
    let auth = sign_v3::Authorization::parse(authorization);
    let missing = |name: &'static str| GatewayError::MissingParameter { name };
    let access_key_id = auth.credential.ok_or(missing("Credential"))?;
    let signed_headers = auth.signed_headers.ok_or(missing("SignedHeaders"))?;
    let signature = auth.signature.ok_or(missing("Signature"))?;
    let nonce = req
        .header("x-acs-signature-nonce")
        .ok_or(missing("x-acs-signature-nonce"))?;
    let raw_date = req.header("x-acs-date").ok_or(missing("x-acs-date"))?;
    check_version(req.header("x-acs-version"))?;
    if auth.algorithm != sign_v3::ALGORITHM {
        return Err(GatewayError::InvalidSignatureMethod {
            method: auth.algorithm.to_owned(),
        });
    }
    let names = sign_v3::signed_header_names(signed_headers);
    let is_signed = |name: &str| names.iter().any(|n| n == name);
    if !is_signed("host") {
        return Err(GatewayError::IncompleteSignature {
            header: "host".to_owned(),
        });
    }
    let mut present: Vec<&str> = req.headers.keys().map(|n| n.as_str()).collect();
    present.sort_unstable();
    if let Some(unsigned) = present
        .into_iter()
        .find(|n| n.starts_with("x-acs-") && !is_signed(n))
    {
        return Err(GatewayError::IncompleteSignature {
            header: unsigned.to_owned(),
        });
    }
    let timestamp = check_timestamp(raw_date, now)?;
    let key = known_key(keys, access_key_id)?;
    let body_hash = sign_v3::payload_hash(req.body);
    let canonical =
        sign_v3::canonical_request(req.method, req.query(), req.headers, &names, &body_hash);
    let string_to_sign = sign_v3::string_to_sign(&canonical);
    let hash_matches = req
        .headers
        .get("x-acs-content-sha256")
        .is_none_or(|given| given.as_bytes().eq_ignore_ascii_case(body_hash.as_bytes()));
    let signed = hash_matches && sign_v3::verify(&key.secret, &string_to_sign, signature);
    if !keys.accepts_any_key() && !signed {
        return Err(GatewayError::SignatureDoesNotMatch { string_to_sign });
    }
    let caller = caller_of(key);
    Ok(Verified {
        action,
        access_key_id: access_key_id.to_owned(),
        signature_version: SignatureVersion::V3,
        format: req.format(),
        nonce: nonce.to_owned(),
        timestamp,
        params: action_params(&req.params, access_key_id, &caller),
        caller,
    })
}
