//! Signature V1 of the RPC style (HMAC-SHA1), exactly as notes section 8.2 writes it.
//!
//! 1. every parameter (query and form body, decoded) except `Signature`;
//! 2. sorted by name in byte order, each as `percentEncode(k)=percentEncode(v)`, joined by `&`;
//! 3. `StringToSign = METHOD + "&%2F&" + percentEncode(CanonicalizedQueryString)`;
//! 4. `Signature = Base64(HMAC-SHA1(key = secret + "&", StringToSign))`.
//!
//! Verification decodes the client's Base64 and compares the MACs in constant time
//! (`Mac::verify_slice`). [`Signer`] is the client's side: the full signed query string of
//! a request, a pure function of its inputs (the load generator and the tests send it with
//! hyper's client).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::gateway::API_VERSION;
use crate::params::Params;
use crate::percent;

/// The name of the parameter that carries the signature; it is left out of what is signed.
pub const SIGNATURE_PARAM: &str = "Signature";

/// The canonicalized query string: every parameter but `Signature`, sorted and encoded.
pub fn canonical_query(params: &Params) -> String {
    percent::canonical_query(params.iter().filter(|(name, _)| *name != SIGNATURE_PARAM))
}

/// The string to sign for `method` (`GET` or `POST`, as sent) and `params`.
pub fn string_to_sign(method: &str, params: &Params) -> String {
    let canonical = canonical_query(params);
    let mut out = String::with_capacity(method.len() + 5 + canonical.len() * 3 / 2);
    out.push_str(method);
    out.push_str("&%2F&");
    percent::push_encoded(&mut out, &canonical);
    out
}

fn mac(secret: &str, string_to_sign: &str) -> Hmac<Sha1> {
    let mut key = Vec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret.as_bytes());
    key.push(b'&');
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(&key).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    mac
}

/// `Base64(HMAC-SHA1(secret + "&", string_to_sign))`: what a client sends as `Signature`.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    STANDARD.encode(mac(secret, string_to_sign).finalize().into_bytes())
}

/// Whether `signature` (Base64, as decoded from the request) is the signature of
/// `string_to_sign` under `secret`; the MAC comparison is constant-time. A signature that is
/// not Base64 does not match.
pub fn verify(secret: &str, string_to_sign: &str, signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature) else {
        return false;
    };
    mac(secret, string_to_sign).verify_slice(&given).is_ok()
}

/// Signs V1 requests with one AccessKey (it is not an SDK; tests/sdk/ drives the real ones).
#[derive(Debug, Clone)]
pub struct Signer {
    /// The AccessKeyId.
    pub key_id: String,
    /// The secret.
    pub secret: String,
}

impl Signer {
    /// A signer for `key_id` / `secret`.
    pub fn new(key_id: &str, secret: &str) -> Signer {
        Signer {
            key_id: key_id.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// The query string (without `?`) of `action` with `params`, signed for `method`, with
    /// the common parameters `Format=JSON`, `Version`, `SignatureMethod`,
    /// `SignatureVersion`, `SignatureNonce=nonce` and `Timestamp=timestamp`.
    pub fn v1_query(
        &self,
        method: &str,
        action: &str,
        params: &[(&str, &str)],
        nonce: &str,
        timestamp: &str,
    ) -> String {
        let mut p = Params::default();
        p.insert("Action", action);
        p.insert("Version", API_VERSION);
        p.insert("Format", "JSON");
        p.insert("AccessKeyId", self.key_id.as_str());
        p.insert("SignatureMethod", "HMAC-SHA1");
        p.insert("SignatureVersion", "1.0");
        p.insert("SignatureNonce", nonce);
        p.insert("Timestamp", timestamp);
        for (name, value) in params {
            p.insert(*name, *value);
        }
        let signature = sign(&self.secret, &string_to_sign(method, &p));
        p.insert(SIGNATURE_PARAM, signature);
        let mut out = String::new();
        for (i, (name, value)) in p.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&percent::encode(name));
            out.push('=');
            out.push_str(&percent::encode(value));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::{self, DecodedRequest};
    use http::HeaderMap;

    #[test]
    fn the_signers_query_passes_the_gateway() {
        let signer = Signer::new("testid", "testsecret");
        let query = signer.v1_query(
            "GET",
            "CreateBackup",
            &[("DBInstanceId", "rm-a"), ("DBName", "db1,db 2")],
            "n-1",
            "2026-01-01T00:00:00Z",
        );
        let headers = HeaderMap::new();
        let decoded = DecodedRequest::decode("GET", query.as_bytes(), &headers, b"").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:05:00Z")
            .unwrap()
            .to_utc();
        let keys: &[(&str, &str)] = &[("testid", "testsecret")];
        let verified = gateway::verify(&decoded, keys, now).unwrap();
        assert_eq!(verified.params.get("DBName"), Some("db1,db 2"));
        assert_eq!(verified.nonce, "n-1");
    }

    /// Notes section 8.2, the test vector.
    fn notes_params() -> Params {
        let mut p = Params::default();
        for (k, v) in [
            ("Action", "CreateBackup"),
            ("Version", "2014-08-15"),
            ("Format", "JSON"),
            ("AccessKeyId", "testid"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Timestamp", "2024-01-01T00:00:00Z"),
            ("RegionId", "cn-hangzhou"),
            ("DBInstanceId", "rm-uf6wjk5xxxx"),
            ("BackupMethod", "Physical"),
            ("DBName", "db1,db 2*~/é"),
        ] {
            p.insert(k, v);
        }
        p
    }

    #[test]
    fn notes_vector_canonical_query() {
        assert_eq!(
            canonical_query(&notes_params()),
            "AccessKeyId=testid&Action=CreateBackup&BackupMethod=Physical&DBInstanceId=rm-uf6wjk5xxxx&DBName=db1%2Cdb%202%2A~%2F%C3%A9&Format=JSON&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2024-01-01T00%3A00%3A00Z&Version=2014-08-15"
        );
    }

    #[test]
    fn notes_vector_string_to_sign_and_signature() {
        let sts = string_to_sign("POST", &notes_params());
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreateBackup%26BackupMethod%3DPhysical%26DBInstanceId%3Drm-uf6wjk5xxxx%26DBName%3Ddb1%252Cdb%25202%252A~%252F%25C3%25A9%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2014-08-15"
        );
        assert_eq!(sign("testsecret", &sts), "MKrB0hD1ujAk9Mk3pu508/+qiVg=");
        assert!(verify("testsecret", &sts, "MKrB0hD1ujAk9Mk3pu508/+qiVg="));
    }

    #[test]
    fn the_signature_parameter_is_not_signed() {
        let mut with = notes_params();
        with.insert(SIGNATURE_PARAM, "anything");
        assert_eq!(
            string_to_sign("POST", &with),
            string_to_sign("POST", &notes_params())
        );
    }

    #[test]
    fn wrong_secret_method_or_signature_does_not_verify() {
        let sts = string_to_sign("POST", &notes_params());
        assert!(!verify("testsecreT", &sts, "MKrB0hD1ujAk9Mk3pu508/+qiVg="));
        let get = string_to_sign("GET", &notes_params());
        assert!(get.starts_with("GET&%2F&"));
        assert!(!verify("testsecret", &get, "MKrB0hD1ujAk9Mk3pu508/+qiVg="));
        assert!(!verify("testsecret", &sts, "MKrB0hD1ujAk9Mk3pu508/+qiVh="));
        assert!(!verify("testsecret", &sts, "not base64 !"));
        assert!(!verify("testsecret", &sts, ""));
        assert!(!verify("testsecret", &sts, "MKrB0hD1ujAk9Mk3pu508/+q"));
    }

    /// Capture 5 of sdk-wire-captures.txt (old Python SDK, POST; secret `testAccessKeySecret`,
    /// which every capture uses), decoded from the wire.
    #[test]
    fn old_python_sdk_capture_verifies() {
        let query = b"DBInstanceId=rm-uf6wjk5xxxx&BackupMethod=Physical&BackupStrategy=db&DBName=db1%2Cdb%202&Version=2014-08-15&Action=CreateBackup&Format=JSON&RegionId=cn-hangzhou&Timestamp=2026-11-29T08%3A21%3A29Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0&SignatureNonce=698d0c3747886f49e46837115fbc8f28&AccessKeyId=testAccessKeyId&Signature=OkQeTwQasv8Ir2VuP90Cac19gQA%3D";
        let params = Params::decode(query).unwrap();
        let sts = string_to_sign("POST", &params);
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DCreateBackup%26BackupMethod%3DPhysical%26BackupStrategy%3Ddb%26DBInstanceId%3Drm-uf6wjk5xxxx%26DBName%3Ddb1%252Cdb%25202%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D698d0c3747886f49e46837115fbc8f28%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-29T08%253A21%253A29Z%26Version%3D2014-08-15"
        );
        let signature = params.get(SIGNATURE_PARAM).unwrap();
        assert_eq!(sign("testAccessKeySecret", &sts), signature);
        assert!(verify("testAccessKeySecret", &sts, signature));
    }

    /// Capture 1 (new Python SDK with `signature_algorithm="v2"`): `+` for the space.
    #[test]
    fn new_python_sdk_v2_capture_verifies() {
        let query = b"Action=CreateBackup&Format=json&Version=2014-08-15&Timestamp=2026-11-29T08%3A21%3A26Z&SignatureNonce=f5171fb56d3b50fd94f3904bb4ad6344&BackupMethod=Physical&BackupStrategy=db&DBInstanceId=rm-uf6wjk5xxxx&DBName=db1%2Cdb+2&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testAccessKeyId&Signature=uoIiuZqcn8ou1F8nDpS9wmFPqs4%3D";
        let params = Params::decode(query).unwrap();
        let sts = string_to_sign("POST", &params);
        assert!(verify(
            "testAccessKeySecret",
            &sts,
            "uoIiuZqcn8ou1F8nDpS9wmFPqs4="
        ));
    }
}
