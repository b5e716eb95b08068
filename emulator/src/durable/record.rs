//! One log record: a change with the simulation time it applied at, framed as one line
//! `CRC32(json) SP json LF` so that recovery can tell a whole record from a torn one.

use rds_backup_sim::scenario::Scenario;
use rds_backup_sim::Timestamp;
use serde::{Deserialize, Serialize};

/// What was applied to the simulation. Replaying the changes in order through
/// [`crate::engine`] rebuilds the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Kind", rename_all_fields = "PascalCase")]
pub enum Change {
    /// An API call on `/` that passed the gateway, with its action parameters.
    Api {
        /// The simulation time it ran at.
        at: Timestamp,
        /// The action.
        action: String,
        /// The action's parameters, in order.
        params: Vec<(String, String)>,
        /// The `--access-key` key it was signed with (not among `params`): matched against
        /// faults' `AccessKeyId` filters only, so that recovery fires the same faults.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signing_key: Option<String>,
    },
    /// A scenario line from the control plane (or `--identities`).
    Line {
        /// The simulation time it ran at (its own `At`, if any, applies on top).
        at: Timestamp,
        /// The line, UTF-8.
        line: String,
    },
    /// `POST /_sim/reset`: an empty simulation starting at `Start`.
    Reset {
        /// The new simulation's start.
        start: Timestamp,
    },
    /// `PUT /_sim/state`: the simulation replaced by a snapshot.
    Restore {
        /// The snapshot.
        state: Box<Scenario>,
    },
}

/// A nonce stored with the change its request made, so that it survives a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredNonce {
    /// The nonce.
    pub value: String,
    /// Until when it is refused, Unix seconds.
    pub expires: i64,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// What applied.
    pub change: Change,
    /// `--clock real`: the offset after a control-plane change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_ms: Option<i64>,
    /// The request's nonce, for API calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<StoredNonce>,
}

/// Why a line is not a whole record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// No `CRC SP` prefix, or the CRC is not 8 hex digits.
    #[error("no checksum")]
    NoChecksum,
    /// The checksum does not match the JSON.
    #[error("checksum mismatch")]
    ChecksumMismatch,
    /// The JSON is not a record.
    #[error("not a record: {0}")]
    NotARecord(String),
}

impl Record {
    /// Appends the framed line (with its `\n`) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        // A Record holds strings, integers and a Scenario, all of which serialize.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let crc = crc32fast::hash(&json);
        out.extend_from_slice(format!("{crc:08x} ").as_bytes());
        out.extend_from_slice(&json);
        out.push(b'\n');
    }

    /// Decodes one line (without its `\n`).
    pub fn decode(line: &[u8]) -> Result<Record, FrameError> {
        if line.len() < 9 || line[8] != b' ' {
            return Err(FrameError::NoChecksum);
        }
        let crc = std::str::from_utf8(&line[..8])
            .ok()
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .ok_or(FrameError::NoChecksum)?;
        let json = &line[9..];
        if crc32fast::hash(json) != crc {
            return Err(FrameError::ChecksumMismatch);
        }
        serde_json::from_slice(json).map_err(|e| FrameError::NotARecord(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            seq: 7,
            change: Change::Api {
                at: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                action: "CreateBackup".into(),
                params: vec![("DBInstanceId".into(), "rm-a".into())],
                signing_key: Some("testid".into()),
            },
            offset_ms: None,
            nonce: Some(StoredNonce {
                value: "n1".into(),
                expires: 1_800_000_000,
            }),
        }
    }

    #[test]
    fn a_record_round_trips_through_its_frame() {
        let mut out = Vec::new();
        sample().encode_into(&mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        let line = &out[..out.len() - 1];
        assert_eq!(Record::decode(line), Ok(sample()));
    }

    #[test]
    fn a_torn_or_altered_line_is_not_a_record() {
        let mut out = Vec::new();
        sample().encode_into(&mut out);
        let line = &out[..out.len() - 1];
        assert_eq!(
            Record::decode(&line[..line.len() - 3]),
            Err(FrameError::ChecksumMismatch)
        );
        assert_eq!(Record::decode(&line[..5]), Err(FrameError::NoChecksum));
        let mut altered = line.to_vec();
        let at = altered.len() - 5;
        altered[at] ^= 1;
        assert_eq!(Record::decode(&altered), Err(FrameError::ChecksumMismatch));
        assert_eq!(Record::decode(b"zzzzzzzz {}"), Err(FrameError::NoChecksum));
    }
}
