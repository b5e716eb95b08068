//! Reading a line's fields: borrowed keys and raw JSON values, looked up by name.
//!
//! API actions take their parameters as JSON strings; any other JSON type answers
//! `Sim.InvalidParameter` naming it. Simulator actions read natural JSON types. Unknown
//! fields are never looked at, so they are ignored whatever their type. When a key is
//! repeated, the last one wins (as in most JSON parsers).

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::{ErrorCode, WireError};
use crate::instance::InvalidField;
use crate::ops::controls::SimError;
use crate::time::Timestamp;

/// A refusal before or instead of an operation: a row of the table and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// Extra fields of the error body (`AccessDeniedDetail`).
    pub extra: Option<(&'static str, serde_json::Value)>,
}

impl LineError {
    pub fn table(code: ErrorCode) -> LineError {
        LineError {
            code,
            message: Cow::Borrowed(code.spec().message),
            extra: None,
        }
    }

    pub fn of<E: WireError>(error: &E) -> LineError {
        LineError {
            code: error.error_code(),
            message: error.message(),
            extra: None,
        }
    }

    pub fn sim(error: SimError) -> LineError {
        LineError::of(&error)
    }

    pub fn invalid(field: &'static str, reason: impl Into<String>) -> LineError {
        LineError::sim(SimError::InvalidParameter(InvalidField::new(field, reason)))
    }

    pub(crate) fn malformed(message: String) -> LineError {
        LineError {
            code: ErrorCode::SimMalformedLine,
            message: Cow::Owned(message),
            extra: None,
        }
    }
}

/// The longest API parameter value, in characters (emulator.md, "Limits").
pub const MAX_PARAMETER_CHARS: usize = 1024;

/// Fields of a scenario line that are not API parameters.
const LINE_FIELDS: &[&str] = &["Action", "At", "Expect", "Comment"];

/// Where an API action's string parameters come from.
pub(crate) trait Params {
    /// The parameter `name` as a string, `None` when absent; an error when it is present
    /// with another JSON type.
    fn string(&self, name: &'static str) -> Result<Option<Cow<'_, str>>, LineError>;

    /// The name of the first parameter whose value is longer than
    /// [`MAX_PARAMETER_CHARS`], if any.
    fn too_long(&self) -> Option<&str>;
}

/// Whether `value` has more than [`MAX_PARAMETER_CHARS`] characters (counted no further).
fn over_limit(value: &str) -> bool {
    value.len() > MAX_PARAMETER_CHARS && value.chars().nth(MAX_PARAMETER_CHARS).is_some()
}

impl LineError {
    /// `InvalidParameter` (400): the parameter `name`'s value is too long.
    pub fn too_long(name: &str) -> LineError {
        LineError {
            code: ErrorCode::InvalidParameterTooLong,
            message: Cow::Owned(format!(
                "The specified parameter {} is too long.",
                crate::vocab::clip(name)
            )),
            extra: None,
        }
    }
}

/// Wire parameters from the emulator: always strings; the last of a repeated name wins.
pub(crate) struct Pairs<'a>(pub &'a [(&'a str, &'a str)]);

impl Params for Pairs<'_> {
    fn string(&self, name: &'static str) -> Result<Option<Cow<'_, str>>, LineError> {
        Ok(self
            .0
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| Cow::Borrowed(*v)))
    }

    fn too_long(&self) -> Option<&str> {
        self.0.iter().find(|(_, v)| over_limit(v)).map(|(k, _)| *k)
    }
}

struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Fields kept inline before a line's fields spill to the heap.
const INLINE_FIELDS: usize = 8;

/// The fields of one line, in order: the first [`INLINE_FIELDS`] inline (a line rarely has
/// more), the rest in `more`, so that reading a line does not allocate.
pub(crate) struct Fields<'a> {
    inline: [Option<(Cow<'a, str>, &'a RawValue)>; INLINE_FIELDS],
    more: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Fields<'a> {
    fn push(&mut self, entry: (Cow<'a, str>, &'a RawValue)) {
        match self.inline.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(entry),
            None => self.more.push(entry),
        }
    }

    /// Every field, in order.
    fn entries(&self) -> impl DoubleEndedIterator<Item = &(Cow<'a, str>, &'a RawValue)> {
        self.inline.iter().flatten().chain(self.more.iter())
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Fields {
                    inline: Default::default(),
                    more: Vec::new(),
                };
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    fields.push((key, value));
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// Parses a line into fields, or answers `Sim.MalformedLine`.
pub(crate) fn parse_line(line: &[u8]) -> Result<Fields<'_>, LineError> {
    serde_json::from_slice::<Fields<'_>>(line).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            LineError::malformed("The line is not a JSON object.".into())
        }
        _ => LineError::malformed(format!("The line is not valid JSON: {e}.")),
    })
}

impl<'a> Fields<'a> {
    /// The raw value of `name`, if present (the last one when repeated).
    pub fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.entries()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }

    /// Every field name, in the line's order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries().map(|(k, _)| k.as_ref())
    }

    /// Whether `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// `Action`: a string, else `Sim.MalformedLine`.
    pub fn action(&self) -> Result<Cow<'a, str>, LineError> {
        let raw = self
            .raw("Action")
            .ok_or_else(|| LineError::malformed("The line has no Action.".into()))?;
        as_string(raw)
            .ok_or_else(|| LineError::malformed("The line's Action is not a string.".into()))
    }

    /// `At`: an RFC 3339 string, if present.
    pub fn at(&self) -> Result<Option<Timestamp>, LineError> {
        self.time("At")
    }

    /// An RFC 3339 time field.
    pub fn time(&self, name: &'static str) -> Result<Option<Timestamp>, LineError> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        let text = as_string(raw)
            .ok_or_else(|| LineError::invalid(name, "must be an RFC 3339 time string"))?;
        Timestamp::parse_rfc3339(&text)
            .map(Some)
            .map_err(|e| LineError::invalid(name, e.to_string()))
    }

    /// A field of a natural JSON type; `what` says what was expected.
    pub fn typed<T: DeserializeOwned>(
        &self,
        name: &'static str,
        what: &str,
    ) -> Result<Option<T>, LineError> {
        match self.raw(name) {
            None => Ok(None),
            Some(raw) => serde_json::from_str(raw.get())
                .map(Some)
                .map_err(|_| LineError::invalid(name, format!("must be {what}"))),
        }
    }
}

/// The string a raw value holds, borrowed when it has no escapes; `None` for other types.
fn as_string(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    if !text.starts_with('"') {
        return None;
    }
    // A raw value is valid JSON: a string token without escapes or control characters is
    // its own content between the quotes.
    let inner = &text.as_bytes()[1..text.len().saturating_sub(1).max(1)];
    if text.len() >= 2 && text.ends_with('"') && !inner.iter().any(|&b| b == b'\\' || b < 0x20) {
        return Some(Cow::Borrowed(&text[1..text.len() - 1]));
    }
    if let Ok(s) = serde_json::from_str::<&str>(text) {
        return Some(Cow::Borrowed(s));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

impl Params for Fields<'_> {
    fn string(&self, name: &'static str) -> Result<Option<Cow<'_, str>>, LineError> {
        match self.raw(name) {
            None => Ok(None),
            Some(raw) => as_string(raw)
                .map(Some)
                .ok_or_else(|| LineError::invalid(name, "API parameters must be JSON strings")),
        }
    }

    fn too_long(&self) -> Option<&str> {
        // A raw string token holds at least as many bytes as its value has characters, so
        // only a token longer than the limit can hold a value over it.
        self.entries()
            .filter(|(k, raw)| {
                raw.get().len() > MAX_PARAMETER_CHARS && !LINE_FIELDS.contains(&k.as_ref())
            })
            .find(|(_, raw)| as_string(raw).is_some_and(|v| over_limit(&v)))
            .map(|(k, _)| k.as_ref())
    }
}
