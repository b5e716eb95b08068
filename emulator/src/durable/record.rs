//! One log record: a change with the simulation time it applied at, framed as one line
//! `CRC32(json) SP json LF` so that recovery can tell a whole record from a torn one.

use rds_backup_sim::scenario::{ApiRequest, Scenario};
use rds_backup_sim::Timestamp;
use serde::{Deserialize, Serialize};

/// What was applied to the simulation. Replaying the changes in order through
/// [`crate::engine`] rebuilds the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Kind", rename_all_fields = "PascalCase")]
pub enum Change {
    /// An API call on `/` that passed the gateway: the typed request, stored as its action
    /// and the parameters it reads (`"Action"`, `"Params"`; a log written before requests
    /// were typed holds every wire parameter, and reads back the same).
    Api {
        /// The simulation time it ran at.
        at: Timestamp,
        /// The request.
        #[serde(flatten)]
        request: ApiRequest,
        /// The `--access-key` key it was signed with (not among the parameters): matched
        /// against faults' `AccessKeyId` filters only, so that recovery fires the same
        /// faults.
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

/// A change serialized for the log, before it applies: a change that cannot be encoded is
/// refused and left unapplied, never written as an empty record (which would break the
/// next recovery).
#[derive(Debug, Clone)]
pub struct EncodedChange(Vec<u8>);

/// Why a change cannot be written to the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the change cannot be written to the log ({0}); it was not applied")]
pub struct EncodeError(String);

impl EncodedChange {
    /// Serializes `change` (any `Serialize` value, so that the failure path is testable).
    pub fn new<T: Serialize + ?Sized>(change: &T) -> Result<EncodedChange, EncodeError> {
        serde_json::to_vec(change)
            .map(EncodedChange)
            .map_err(|e| EncodeError(e.to_string()))
    }

    /// The serialized bytes' length.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty (never, for a serialized value).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An API request, encoded before the simulation's lock is taken (the part of an
/// [`Change::Api`] record that grows with the request): its members `"Action":…,"Params":…`.
#[derive(Debug, Clone)]
pub struct EncodedRequest(Vec<u8>);

impl EncodedRequest {
    /// Serializes `request` as [`Change::Api`] does.
    pub fn new(request: &ApiRequest) -> Result<EncodedRequest, EncodeError> {
        let object = serde_json::to_vec(request).map_err(|e| EncodeError(e.to_string()))?;
        // `object` is `{MEMBERS}`: a request serializes as an object.
        match object.strip_prefix(b"{").and_then(|o| o.strip_suffix(b"}")) {
            Some(members) => Ok(EncodedRequest(members.to_vec())),
            None => Err(EncodeError("a request encodes as an object".to_owned())),
        }
    }
}

/// A control-plane line, encoded as a JSON string before the simulation's lock is taken
/// (the part of a [`Change::Line`] record that grows with the request).
#[derive(Debug, Clone)]
pub struct EncodedLine(Vec<u8>);

impl EncodedLine {
    /// Serializes `line` as [`Change::Line`] does.
    pub fn new(line: &str) -> Result<EncodedLine, EncodeError> {
        serde_json::to_vec(line)
            .map(EncodedLine)
            .map_err(|e| EncodeError(e.to_string()))
    }
}

impl EncodedChange {
    /// The [`Change::Line`] of `at` and the encoded `line`: the same bytes as
    /// [`EncodedChange::new`] gives, with only the time encoded here (under the lock).
    pub fn line(at: Timestamp, line: &EncodedLine) -> Result<EncodedChange, EncodeError> {
        let at = serde_json::to_vec(&at).map_err(|e| EncodeError(e.to_string()))?;
        let mut out = Vec::with_capacity(line.0.len() + at.len() + 32);
        out.extend_from_slice(b"{\"Kind\":\"Line\",\"At\":");
        out.extend_from_slice(&at);
        out.extend_from_slice(b",\"Line\":");
        out.extend_from_slice(&line.0);
        out.push(b'}');
        Ok(EncodedChange(out))
    }

    /// The [`Change::Api`] of `at`, the encoded `request` and the `signing_key`: the same
    /// bytes as [`EncodedChange::new`] gives, with only the small parts encoded here (under
    /// the lock).
    pub fn api(
        at: Timestamp,
        request: &EncodedRequest,
        signing_key: Option<&str>,
    ) -> Result<EncodedChange, EncodeError> {
        let at = serde_json::to_vec(&at).map_err(|e| EncodeError(e.to_string()))?;
        let mut out = Vec::with_capacity(request.0.len() + at.len() + 40);
        out.extend_from_slice(b"{\"Kind\":\"Api\",\"At\":");
        out.extend_from_slice(&at);
        out.push(b',');
        out.extend_from_slice(&request.0);
        if let Some(key) = signing_key {
            out.extend_from_slice(b",\"SigningKey\":");
            let key = serde_json::to_vec(key).map_err(|e| EncodeError(e.to_string()))?;
            out.extend_from_slice(&key);
        }
        out.push(b'}');
        Ok(EncodedChange(out))
    }
}

/// Appends `json` framed as one line, `CRC32 SP json LF`, to `out`.
pub fn frame(json: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("{:08x} ", crc32fast::hash(json)).as_bytes());
    out.extend_from_slice(json);
    out.push(b'\n');
}

/// The JSON of one framed line (without its `\n`), once its checksum holds.
pub fn unframe(line: &[u8]) -> Result<&[u8], FrameError> {
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
    Ok(json)
}

impl Record {
    /// Appends the framed line of the record `seq` holding `change` (with its `\n`) to
    /// `out`: the same JSON as serializing a [`Record`], built around the change's bytes.
    /// On error `out` is left as it was.
    pub fn frame_into(
        seq: u64,
        change: &EncodedChange,
        offset_ms: Option<i64>,
        nonce: Option<&StoredNonce>,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let nonce = nonce
            .map(|n| serde_json::to_vec(n).map_err(|e| EncodeError(e.to_string())))
            .transpose()?;
        let mut json = Vec::with_capacity(change.len() + 64);
        json.extend_from_slice(format!("{{\"seq\":{seq},\"change\":").as_bytes());
        json.extend_from_slice(&change.0);
        if let Some(offset) = offset_ms {
            json.extend_from_slice(format!(",\"offset_ms\":{offset}").as_bytes());
        }
        if let Some(nonce) = nonce {
            json.extend_from_slice(b",\"nonce\":");
            json.extend_from_slice(&nonce);
        }
        json.push(b'}');
        frame(&json, out);
        Ok(())
    }

    /// Appends this record's framed line (with its `\n`) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let change = EncodedChange::new(&self.change)?;
        Record::frame_into(self.seq, &change, self.offset_ms, self.nonce.as_ref(), out)
    }

    /// Decodes one line (without its `\n`).
    pub fn decode(line: &[u8]) -> Result<Record, FrameError> {
        serde_json::from_slice(unframe(line)?).map_err(|e| FrameError::NotARecord(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use rds_backup_sim::ops::{ApiAction, ApiParam};

    use super::*;

    fn sample() -> Record {
        Record {
            seq: 7,
            change: Change::Api {
                at: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                request: ApiRequest::new(ApiAction::CreateBackup)
                    .with(ApiParam::DBInstanceId, "rm-a"),
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
        sample().encode_into(&mut out).unwrap();
        assert_eq!(out.last(), Some(&b'\n'));
        let line = &out[..out.len() - 1];
        assert_eq!(Record::decode(line), Ok(sample()));
    }

    #[test]
    fn a_torn_or_altered_line_is_not_a_record() {
        let mut out = Vec::new();
        sample().encode_into(&mut out).unwrap();
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

    #[test]
    fn the_frame_is_the_records_own_json() {
        let mut out = Vec::new();
        sample().encode_into(&mut out).unwrap();
        let json = serde_json::to_vec(&sample()).unwrap();
        assert_eq!(&out[9..out.len() - 1], json.as_slice());
        let plain = Record {
            offset_ms: Some(-5),
            nonce: None,
            ..sample()
        };
        let mut out = Vec::new();
        plain.encode_into(&mut out).unwrap();
        assert_eq!(Record::decode(&out[..out.len() - 1]), Ok(plain));
    }

    #[test]
    fn an_api_change_encoded_in_parts_is_the_changes_own_json() {
        let Change::Api { at, .. } = sample().change else {
            unreachable!("the sample is an Api change")
        };
        let request = ApiRequest::new(ApiAction::DescribeDBInstances)
            .with(ApiParam::DBInstanceId, "rm-\"a\",\\")
            .with(ApiParam::Tags, "{\"é\":\",\"}");
        for signing_key in [None, Some("test\"id")] {
            let whole = EncodedChange::new(&Change::Api {
                at,
                request: request.clone(),
                signing_key: signing_key.map(str::to_owned),
            })
            .unwrap();
            let encoded = EncodedRequest::new(&request).unwrap();
            let parts = EncodedChange::api(at, &encoded, signing_key).unwrap();
            assert_eq!(
                String::from_utf8(parts.0).unwrap(),
                String::from_utf8(whole.0).unwrap()
            );
        }
    }

    #[test]
    fn a_record_of_an_untyped_log_reads_back_as_the_typed_request() {
        let old = br#"{"seq":7,"change":{"Kind":"Api","At":"2026-01-01T00:00:00Z","Action":"CreateBackup","Params":[["Format","JSON"],["DBInstanceId","rm-a"],["Version","2014-08-15"]],"SigningKey":"testid"},"nonce":{"value":"n1","expires":1800000000}}"#;
        let mut line = Vec::new();
        frame(old, &mut line);
        assert_eq!(Record::decode(&line[..line.len() - 1]), Ok(sample()));
    }

    #[test]
    fn a_line_change_encoded_in_parts_is_the_changes_own_json() {
        let at = Timestamp::from_millis(1_767_225_600_123).unwrap();
        let line = "{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"rm-\\\"a\\\"\",\"Tags\":{\"é\":\"\\n\"}}";
        let whole = EncodedChange::new(&Change::Line {
            at,
            line: line.to_owned(),
        })
        .unwrap();
        let parts = EncodedChange::line(at, &EncodedLine::new(line).unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(parts.0).unwrap(),
            String::from_utf8(whole.0).unwrap()
        );
    }

    #[test]
    fn a_value_that_cannot_be_encoded_is_an_error_not_an_empty_record() {
        // JSON object keys must be strings: a map keyed by pairs does not serialize.
        let mut map = std::collections::BTreeMap::new();
        map.insert((1u8, 2u8), 3u8);
        let err = EncodedChange::new(&map).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the change cannot be written to the log (key must be a string); it was not applied"
        );
    }
}
