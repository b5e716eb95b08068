//! `RequestId`s on `/`: unique upper-case UUIDs (version 4, random).
//!
//! The simulation derives its request ids from its seed and an answer counter, which is
//! what makes `replay` deterministic; a server that many clients share, that can be reset
//! and restored, promises uniqueness instead (spec/emulator.md). So the server gives every
//! answer on `/` a fresh id before rendering it; control-plane answers keep the
//! simulation's own.

use rds_backup_sim::RequestId;
use uuid::Uuid;

/// A fresh random request id.
pub fn fresh() -> RequestId {
    RequestId::from_uuid_bits(Uuid::new_v4().as_u128())
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
        let a = fresh().to_string();
        let b = fresh().to_string();
        assert!(is_upper_uuid_v4(&a), "{a}");
        assert_ne!(a, b);
    }
}
