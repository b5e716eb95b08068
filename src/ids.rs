//! Identifiers: instance ids as given by the user, job and set ids from counters, and
//! request ids derived from the seed.
//!
//! `BackupJobId`s and `BackupId`s are decimal strings on the wire, unique and never reused
//! within one simulation. Both are taken from counters in [`crate::Simulation`] when a
//! request is accepted (a job's `BackupId` is reserved with it), so they depend only on
//! the seed-free order of acceptances, never on when a job's end is observed.

use std::borrow::Borrow;
use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A `DBInstanceId`: a non-empty string (stored inline up to 24 bytes).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InstanceId(CompactString);

impl InstanceId {
    /// Wraps a non-empty id; `None` for the empty string.
    pub fn new(id: &str) -> Option<InstanceId> {
        (!id.is_empty()).then(|| InstanceId(CompactString::new(id)))
    }

    /// The id as given.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the id `other`: `self.as_str() == other`, compared without a call
    /// to `memcmp` for the ids of 8 to 32 bytes that instances have (a few word
    /// comparisons; the lookup of every request ends with one: docs/performance.md).
    #[inline(always)]
    pub fn is(&self, other: &str) -> bool {
        same_bytes(self.as_str().as_bytes(), other.as_bytes())
    }
}

/// `a == b`, by overlapping 8-byte words when both are 8 to 32 bytes long: the first and
/// the last word, and for more than 16 bytes the two words after the first (each clamped
/// to end by the last byte), together covering `0..n`.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let (Some(a_first), Some(b_first), Some(a_last), Some(b_last)) = (
        a.first_chunk::<8>(),
        b.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.last_chunk::<8>(),
    ) else {
        // Shorter than 8 bytes.
        return a == b;
    };
    if a_first != b_first || a_last != b_last {
        return false;
    }
    if n <= 16 {
        return true;
    }
    if n > 32 {
        return a == b;
    }
    // 17 to 32 bytes: the words at 8 and at 16 (clamped to n - 8) cover what is left.
    let at = 16.min(n - 8);
    a[8..16] == b[8..16] && a[at..at + 8] == b[at..at + 8]
}

impl Borrow<str> for InstanceId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! counter_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// Parses the decimal wire form; `None` for anything else.
            pub fn parse(text: &str) -> Option<$name> {
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                text.parse().ok().map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

counter_id! {
    /// A `BackupJobId`.
    BackupJobId
}

counter_id! {
    /// A `BackupId` (the id of a backup set).
    BackupId
}

/// The first `BackupJobId` of a simulation.
pub const FIRST_JOB_ID: u64 = 100_001;
/// The first `BackupId` of a simulation.
pub const FIRST_BACKUP_ID: u64 = 300_001;

/// SplitMix64: a fixed, well-mixed function of its input, used wherever the simulation
/// needs deterministic "random" values from its seed.
pub const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A `RequestId`: an upper-case UUID (version 4 layout) derived from the seed and the
/// number of answers given before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(u128);

impl RequestId {
    /// The request id of answer number `counter` in a simulation seeded with `seed`.
    pub const fn derive(seed: u64, counter: u64) -> RequestId {
        let high = splitmix64(seed ^ splitmix64(counter));
        let low = splitmix64(high ^ counter.rotate_left(32));
        let mut bits = ((high as u128) << 64) | low as u128;
        // Version 4, RFC 4122 variant.
        bits = (bits & !(0xF << 76)) | (0x4 << 76);
        bits = (bits & !(0x3 << 62)) | (0x2 << 62);
        RequestId(bits)
    }

    /// The request id whose UUID is `bits` (the emulator's random ids on `/`): the caller
    /// keeps the version 4 layout.
    pub const fn from_uuid_bits(bits: u128) -> RequestId {
        RequestId(bits)
    }

    /// The upper-case UUID text (`8-4-4-4-12` hex digits), written without allocating.
    pub fn to_ascii(self) -> [u8; 36] {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut out = [b'-'; 36];
        let mut nibble = 0;
        for (position, slot) in out.iter_mut().enumerate() {
            if matches!(position, 8 | 13 | 18 | 23) {
                continue;
            }
            *slot = HEX[((self.0 >> (124 - 4 * nibble)) & 0xF) as usize];
            nibble += 1;
        }
        out
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.to_ascii();
        // Only ASCII hex digits and dashes.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_agrees_with_string_equality_for_every_length_and_difference() {
        for len in 1..=40 {
            let id: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let instance = InstanceId::new(&id).unwrap();
            assert!(instance.is(&id), "{id}");
            assert!(!instance.is(&id[..len - 1]), "{id} shorter");
            assert!(!instance.is(&format!("{id}x")), "{id} longer");
            for at in 0..len {
                let mut other = id.clone().into_bytes();
                other[at] = b'Z';
                let other = String::from_utf8(other).unwrap();
                assert!(!instance.is(&other), "{id} vs {other}");
            }
        }
    }

    use super::*;

    #[test]
    fn request_ids_are_uppercase_uuids_that_differ() {
        let a = RequestId::derive(0, 0).to_string();
        let b = RequestId::derive(0, 1).to_string();
        let c = RequestId::derive(1, 0).to_string();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(a
            .chars()
            .all(|ch| ch == '-' || ch.is_ascii_digit() || ch.is_ascii_uppercase()));
        assert_eq!(RequestId::derive(0, 0).to_string(), a);
        let b = RequestId::derive(5, 9).0;
        let by_fmt = format!(
            "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
            (b >> 96) as u32,
            (b >> 80) as u16,
            (b >> 64) as u16,
            (b >> 48) as u16,
            b & 0xFFFF_FFFF_FFFF
        );
        assert_eq!(RequestId::derive(5, 9).to_string(), by_fmt);
    }

    #[test]
    fn counter_ids_parse_only_decimal() {
        assert_eq!(BackupJobId::parse("100001"), Some(BackupJobId(100_001)));
        assert_eq!(BackupJobId::parse("+1"), None);
        assert_eq!(BackupJobId::parse(""), None);
        assert_eq!(BackupId::parse("99999999999999999999999"), None);
        assert_eq!(InstanceId::new(""), None);
    }
}
