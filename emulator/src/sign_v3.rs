//! Signature V3, `ACS3-HMAC-SHA256`, exactly as notes section 9 writes it.
//!
//! `CanonicalRequest = METHOD \n / \n CanonicalQueryString \n CanonicalHeaders \n
//! SignedHeaders \n HashedRequestPayload`, where the headers are those the `Authorization`
//! header names (lower-case, sorted; values trimmed; repeated values sorted and joined with
//! `,`), `StringToSign = "ACS3-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest))` and
//! `Signature = hex(HMAC-SHA256(key = secret, StringToSign))` (no trailing `&` on the key).
//!
//! Header values may hold any bytes, so the canonical request is built as bytes.

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::params::Params;
use crate::percent;

/// The one algorithm served.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The prefix of an `Authorization` value that makes a request a V3 one (any `ACS3-…`
/// algorithm; a wrong algorithm is then `InvalidSignatureMethod`).
pub const SCHEME_PREFIX: &str = "ACS3-";

/// The parts of an `Authorization: ACS3-… Credential=…,SignedHeaders=…,Signature=…` value.
/// A part that is absent or empty is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The algorithm, the text before the first space.
    pub algorithm: &'a str,
    /// `Credential`: the AccessKeyId.
    pub credential: Option<&'a str>,
    /// `SignedHeaders`: names joined by `;`.
    pub signed_headers: Option<&'a str>,
    /// `Signature`: lower-case hex.
    pub signature: Option<&'a str>,
}

impl<'a> Authorization<'a> {
    /// Parses an `Authorization` value. Parts are separated by `,` (spaces around them are
    /// ignored); unknown parts are ignored; the first of a repeated part counts.
    pub fn parse(value: &'a str) -> Authorization<'a> {
        let value = value.trim();
        let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
        let mut auth = Authorization {
            algorithm,
            credential: None,
            signed_headers: None,
            signature: None,
        };
        for part in rest.split(',') {
            let Some((name, v)) = part.split_once('=') else {
                continue;
            };
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let slot = match name.trim() {
                "Credential" => &mut auth.credential,
                "SignedHeaders" => &mut auth.signed_headers,
                "Signature" => &mut auth.signature,
                _ => continue,
            };
            slot.get_or_insert(v);
        }
        auth
    }
}

/// The signed header names: lower-cased, sorted, without repeats or empty names.
pub fn signed_header_names(signed_headers: &str) -> Vec<String> {
    let mut names: Vec<String> = signed_headers
        .split(';')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Lower-case hex SHA-256 of `body`: the `HashedRequestPayload`.
pub fn payload_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn trim_bytes(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if first.is_ascii_whitespace() {
            bytes = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = bytes {
        if last.is_ascii_whitespace() {
            bytes = rest;
        } else {
            break;
        }
    }
    bytes
}

/// The canonical request. `names` are the signed header names as [`signed_header_names`]
/// returns them; a named header that is absent is written with an empty value.
pub fn canonical_request(
    method: &str,
    query: &Params,
    headers: &HeaderMap,
    names: &[String],
    payload_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(method.as_bytes());
    out.extend_from_slice(b"\n/\n");
    out.extend_from_slice(percent::canonical_query(query.iter()).as_bytes());
    out.push(b'\n');
    for name in names {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut values: Vec<&[u8]> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| trim_bytes(v.as_bytes()))
            .collect();
        values.sort_unstable();
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(value);
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(names.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// `"ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical_request))`.
pub fn string_to_sign(canonical_request: &[u8]) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + 1 + 64);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(&hex::encode(Sha256::digest(canonical_request)));
    out
}

fn mac(secret: &str, string_to_sign: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    mac
}

/// `hex(HMAC-SHA256(secret, string_to_sign))`: what a client sends as `Signature=`.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    hex::encode(mac(secret, string_to_sign).finalize().into_bytes())
}

/// Whether `signature` (hex, either case) is the signature of `string_to_sign` under
/// `secret`; the MAC comparison is constant-time. A signature that is not hex does not match.
pub fn verify(secret: &str, string_to_sign: &str, signature: &str) -> bool {
    let Ok(given) = hex::decode(signature) else {
        return false;
    };
    mac(secret, string_to_sign).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn notes_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "rds.aliyuncs.com"),
            ("x-acs-action", "CreateBackup"),
            ("x-acs-version", "2014-08-15"),
            ("x-acs-date", "2024-01-01T00:00:00Z"),
            (
                "x-acs-signature-nonce",
                "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
            ),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ] {
            h.insert(k, HeaderValue::from_static(v));
        }
        h
    }

    fn notes_query() -> Params {
        let mut q = Params::default();
        q.insert("BackupMethod", "Physical");
        q.insert("DBInstanceId", "rm-uf6wjk5xxxx");
        q.insert("DBName", "db1,db 2*~/é");
        q
    }

    const NOTES_AUTHORIZATION: &str = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=c17af94dd7fb008aa307ff24f7830d402d102c5be6473a7cc51af9b57397da3e";

    #[test]
    fn empty_body_hash() {
        assert_eq!(payload_hash(b""), EMPTY_SHA256);
    }

    #[test]
    fn parses_the_authorization_header() {
        let auth = Authorization::parse(NOTES_AUTHORIZATION);
        assert_eq!(auth.algorithm, ALGORITHM);
        assert_eq!(auth.credential, Some("testid"));
        assert_eq!(
            auth.signed_headers,
            Some("host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version")
        );
        assert_eq!(
            auth.signature,
            Some("c17af94dd7fb008aa307ff24f7830d402d102c5be6473a7cc51af9b57397da3e")
        );
    }

    #[test]
    fn authorization_parts_may_be_missing_empty_or_spaced() {
        let auth = Authorization::parse("ACS3-HMAC-SM3 Credential=, SignedHeaders = host ,Junk");
        assert_eq!(
            auth,
            Authorization {
                algorithm: "ACS3-HMAC-SM3",
                credential: None,
                signed_headers: Some("host"),
                signature: None,
            }
        );
        let bare = Authorization::parse("ACS3-HMAC-SHA256");
        assert_eq!(bare.algorithm, ALGORITHM);
        assert_eq!(bare.credential, None);
    }

    #[test]
    fn signed_header_names_are_normalized() {
        assert_eq!(
            signed_header_names("X-Acs-Date;host;;host; accept"),
            vec!["accept", "host", "x-acs-date"]
        );
    }

    /// Notes section 9, the test vector.
    #[test]
    fn notes_vector() {
        let auth = Authorization::parse(NOTES_AUTHORIZATION);
        let names = signed_header_names(auth.signed_headers.unwrap());
        let canonical = canonical_request(
            "POST",
            &notes_query(),
            &notes_headers(),
            &names,
            &payload_hash(b""),
        );
        let expected = "POST\n/\nBackupMethod=Physical&DBInstanceId=rm-uf6wjk5xxxx&DBName=db1%2Cdb%202%2A~%2F%C3%A9\nhost:rds.aliyuncs.com\nx-acs-action:CreateBackup\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2024-01-01T00:00:00Z\nx-acs-signature-nonce:3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\nx-acs-version:2014-08-15\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(String::from_utf8_lossy(&canonical), expected);
        let sts = string_to_sign(&canonical);
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\n51163f1ca4c9920b4427763ed5593cf0a518f455bea0b845af4351edfe95051b"
        );
        let signature = auth.signature.unwrap();
        assert_eq!(sign("testsecret", &sts), signature);
        assert!(verify("testsecret", &sts, signature));
        assert!(verify("testsecret", &sts, &signature.to_ascii_uppercase()));
        assert!(!verify("testsecret&", &sts, signature));
        assert!(!verify("testsecret", &sts, "zz"));
        assert!(!verify("testsecret", &sts, &signature[..62]));
    }

    #[test]
    fn repeated_headers_are_sorted_trimmed_and_joined() {
        let mut h = HeaderMap::new();
        h.append("x-acs-b", HeaderValue::from_static(" z "));
        h.append("x-acs-b", HeaderValue::from_static("a"));
        let names = signed_header_names("x-acs-b;x-acs-absent");
        let canonical = canonical_request("GET", &Params::default(), &h, &names, "H");
        assert_eq!(
            String::from_utf8_lossy(&canonical),
            "GET\n/\n\nx-acs-absent:\nx-acs-b:a,z\n\nx-acs-absent;x-acs-b\nH"
        );
    }

    #[test]
    fn non_utf8_header_values_are_signed_as_bytes() {
        let mut h = HeaderMap::new();
        h.insert("x-acs-b", HeaderValue::from_bytes(b"\xff").unwrap());
        let names = signed_header_names("x-acs-b");
        let canonical = canonical_request("GET", &Params::default(), &h, &names, "H");
        assert_eq!(canonical, b"GET\n/\n\nx-acs-b:\xff\n\nx-acs-b\nH".to_vec());
    }
}
