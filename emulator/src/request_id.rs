//! `RequestId`s on `/`: unique upper-case UUIDs (version 4, random).
//!
//! The simulation derives its request ids from its seed and an answer counter, which is
//! what makes `replay` deterministic; a server that many clients share, that can be reset
//! and restored, promises uniqueness instead (spec/emulator.md). So the server replaces the
//! simulation's id in every answer on `/`; control-plane answers keep the simulation's own.

use uuid::Uuid;

const KEY: &str = "\"RequestId\":\"";

/// A fresh random upper-case UUID.
pub fn fresh() -> String {
    let mut buf = Uuid::encode_buffer();
    Uuid::new_v4()
        .hyphenated()
        .encode_upper(&mut buf)
        .to_owned()
}

/// `body` (a JSON object as the simulation writes it, compact) with the value of its
/// `RequestId` member replaced by a fresh id. A body without one is returned unchanged.
///
/// Inside a JSON string every `"` is escaped, so the unescaped sequence `"RequestId":"`
/// can only be a member name followed by a string value.
pub fn replace(body: &str) -> String {
    let Some(start) = body.find(KEY).map(|at| at + KEY.len()) else {
        return body.to_owned();
    };
    let Some(len) = body[start..].find('"') else {
        return body.to_owned();
    };
    let mut out = String::with_capacity(body.len() + 8);
    out.push_str(&body[..start]);
    out.push_str(&fresh());
    out.push_str(&body[start + len..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_upper_uuid_v4(s: &str) -> bool {
        s.len() == 36
            && s.chars().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                14 => c == '4',
                _ => c.is_ascii_digit() || ('A'..='F').contains(&c),
            })
    }

    #[test]
    fn fresh_ids_are_upper_case_v4_uuids_and_differ() {
        let a = fresh();
        let b = fresh();
        assert!(is_upper_uuid_v4(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn replace_swaps_only_the_request_id_value() {
        let body = r#"{"BackupJobId":"100001","Note":"x\"RequestId\":\"y","RequestId":"6F1B3C0E-0000-4000-8000-000000000000"}"#;
        let out = replace(body);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["BackupJobId"], "100001");
        assert_eq!(v["Note"], "x\"RequestId\":\"y");
        let id = v["RequestId"].as_str().unwrap();
        assert!(is_upper_uuid_v4(id), "{id}");
        assert_ne!(id, "6F1B3C0E-0000-4000-8000-000000000000");
        assert_eq!(replace("{\"A\":1}"), "{\"A\":1}");
    }
}
