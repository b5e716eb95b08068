//! Request parameters: the query string and an `application/x-www-form-urlencoded` body,
//! decoded and merged (spec/emulator.md, "The API endpoint").
//!
//! Decisions, each pinned by a test below:
//! - `+` decodes as a space and `%XX` as the byte `XX`, in names and values alike (the new
//!   Python SDK writes a space as `+`, the old one as `%20`; notes section 8.2 step 1).
//! - A name given twice **in the same source** (twice in the query, or twice in the body) is
//!   refused ([`ParamsError::Duplicate`]): the signing SDKs never send one, and either
//!   choice (first or last wins) would let the signed and the applied value differ.
//! - A name in both the query and the body takes the body's value (the spec's merge rule);
//!   that is not a duplicate.
//! - A name or value whose decoded bytes are not UTF-8 is refused ([`ParamsError::NotUtf8`]);
//!   nothing is decoded lossily, so what is signed is exactly what is applied.
//! - Empty pieces (`a=1&&b=2`, a trailing `&`) are skipped; a piece without `=` is a name
//!   with an empty value (`SignatureType` arrives as `SignatureType=`, same thing).
//!
//! Why not `form_urlencoded::parse`: it decodes invalid UTF-8 lossily, which would hide the
//! non-UTF-8 refusal. The decoding is a single pass over the bytes (the load profile showed
//! the iterator-based `percent_decode` and its per-byte collection among the server's top
//! costs); a component with neither `+` nor `%` is copied as it is.

use indexmap::map::Entry;
use indexmap::IndexMap;

/// The longest name quoted back in an error message; longer names are cut (with `…`).
const MAX_QUOTED_NAME_CHARS: usize = 64;

/// Why a query string or form body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A parameter name or value is not UTF-8 once percent-decoded. `name` is the name as
    /// far as it can be shown (lossily decoded and cut to 64 characters).
    #[error("the parameter \"{name}\" is not UTF-8")]
    NotUtf8 {
        /// The offending parameter's name, lossily decoded and cut for display.
        name: String,
    },
    /// The same name appears twice in the query string, or twice in the body.
    #[error("the parameter \"{name}\" is given more than once")]
    Duplicate {
        /// The repeated parameter's name, cut for display.
        name: String,
    },
}

/// Decoded parameters, in the order they first appeared, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: IndexMap<String, String>,
}

impl Params {
    /// Decodes one `application/x-www-form-urlencoded` string (a query string without its
    /// `?`, or a form body). See the module docs for the rules.
    pub fn decode(raw: &[u8]) -> Result<Params, ParamsError> {
        let mut map = IndexMap::new();
        for piece in raw.split(|&b| b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (raw_name, raw_value) = match piece.iter().position(|&b| b == b'=') {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, &b""[..]),
            };
            let name = match decode_component(raw_name) {
                Ok(name) => name,
                Err(bytes) => {
                    return Err(ParamsError::NotUtf8 {
                        name: quoted(&String::from_utf8_lossy(&bytes)),
                    });
                }
            };
            let value = decode_component(raw_value).map_err(|_| ParamsError::NotUtf8 {
                name: quoted(&name),
            })?;
            match map.entry(name) {
                Entry::Occupied(entry) => {
                    return Err(ParamsError::Duplicate {
                        name: quoted(entry.key()),
                    });
                }
                Entry::Vacant(entry) => {
                    entry.insert(value);
                }
            }
        }
        Ok(Params { map })
    }

    /// Merges the query's parameters with the body's: every name of either, a name in both
    /// taking the body's value (at the query's position).
    pub fn merge(query: Params, body: Params) -> Params {
        let mut map = query.map;
        for (name, value) in body.map {
            map.insert(name, value);
        }
        Params { map }
    }

    /// The value of `name` (exact, case-sensitive), if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The value of `name` if given and not empty.
    pub fn get_non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// Whether `name` is given (even with an empty value).
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Sets `name` to `value`, replacing any earlier value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.map.insert(name.into(), value.into());
    }

    /// Removes `name`, keeping the order of the others; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.map.shift_remove(name)
    }

    /// The parameters in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A copy without the names in `left_out` (order kept).
    pub fn without(&self, left_out: &[&str]) -> Params {
        let mut map = IndexMap::with_capacity(self.map.len());
        for (name, value) in &self.map {
            if !left_out.contains(&name.as_str()) {
                map.insert(name.clone(), value.clone());
            }
        }
        Params { map }
    }

    /// The parameters in order of first appearance, owned.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.map.into_iter().collect()
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Decodes one name or value: `+` to space, then `%XX`; `Err` holds the bytes when they are
/// not UTF-8.
fn decode_component(raw: &[u8]) -> Result<String, Vec<u8>> {
    let bytes = if raw.iter().any(|&b| b == b'+' || b == b'%') {
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            let escaped = match (b, raw.get(i + 1..i + 3)) {
                (b'%', Some(&[hi, lo])) => hex(hi).zip(hex(lo)).map(|(h, l)| h << 4 | l),
                _ => None,
            };
            match escaped {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    // `%` not followed by two hex digits stays as it is.
                    out.push(if b == b'+' { b' ' } else { b });
                    i += 1;
                }
            }
        }
        out
    } else {
        raw.to_vec()
    };
    String::from_utf8(bytes).map_err(|err| err.into_bytes())
}

/// The value of one hex digit (either case).
fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// A name cut to [`MAX_QUOTED_NAME_CHARS`] characters for an error message.
fn quoted(name: &str) -> String {
    let mut chars = name.chars();
    let mut out: String = chars.by_ref().take(MAX_QUOTED_NAME_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(params: &Params) -> Vec<(&str, &str)> {
        params.iter().collect()
    }

    #[test]
    fn plus_and_percent_20_both_decode_as_space() {
        let p = Params::decode(b"DBName=db1%2Cdb+2&Other=a%20b").unwrap();
        assert_eq!(pairs(&p), vec![("DBName", "db1,db 2"), ("Other", "a b")]);
    }

    #[test]
    fn percent_2b_is_a_literal_plus() {
        let p = Params::decode(b"Signature=g%2FZ%2FWw%2Bx%3D").unwrap();
        assert_eq!(p.get("Signature"), Some("g/Z/Ww+x="));
    }

    #[test]
    fn names_are_decoded_too() {
        let p = Params::decode(b"A+b%41=1").unwrap();
        assert_eq!(p.get("A bA"), Some("1"));
    }

    #[test]
    fn empty_value_and_missing_equals_are_empty_values() {
        let p = Params::decode(b"SignatureType=&Flag").unwrap();
        assert_eq!(pairs(&p), vec![("SignatureType", ""), ("Flag", "")]);
        assert!(p.contains("Flag"));
        assert_eq!(p.get_non_empty("Flag"), None);
    }

    #[test]
    fn empty_pieces_are_skipped() {
        let p = Params::decode(b"&a=1&&b=2&").unwrap();
        assert_eq!(pairs(&p), vec![("a", "1"), ("b", "2")]);
        assert_eq!(Params::decode(b"").unwrap().len(), 0);
    }

    #[test]
    fn a_percent_without_two_hex_digits_stays_and_hex_is_either_case() {
        let p = Params::decode(b"a=100%&b=%zz1&c=%4a%4A&d=%4").unwrap();
        assert_eq!(
            pairs(&p),
            vec![("a", "100%"), ("b", "%zz1"), ("c", "JJ"), ("d", "%4")]
        );
    }

    #[test]
    fn without_leaves_out_names_and_keeps_order() {
        let p = Params::decode(b"a=1&b=2&c=3&d=4").unwrap();
        assert_eq!(
            pairs(&p.without(&["b", "d", "x"])),
            vec![("a", "1"), ("c", "3")]
        );
    }

    #[test]
    fn value_may_contain_equals() {
        let p = Params::decode(b"a=b=c").unwrap();
        assert_eq!(p.get("a"), Some("b=c"));
    }

    #[test]
    fn utf8_values_decode() {
        let p = Params::decode(b"DBName=%C3%A9").unwrap();
        assert_eq!(p.get("DBName"), Some("é"));
    }

    #[test]
    fn a_repeated_name_is_refused() {
        assert_eq!(
            Params::decode(b"DBInstanceId=rm-a&X=1&DBInstanceId=rm-b"),
            Err(ParamsError::Duplicate {
                name: "DBInstanceId".to_owned()
            })
        );
    }

    #[test]
    fn a_repeated_name_is_refused_even_when_spelled_differently_on_the_wire() {
        assert_eq!(
            Params::decode(b"a+b=1&a%20b=2"),
            Err(ParamsError::Duplicate {
                name: "a b".to_owned()
            })
        );
    }

    #[test]
    fn a_non_utf8_value_is_refused_naming_the_parameter() {
        assert_eq!(
            Params::decode(b"DBName=%FF%FE"),
            Err(ParamsError::NotUtf8 {
                name: "DBName".to_owned()
            })
        );
    }

    #[test]
    fn a_raw_non_utf8_byte_is_refused() {
        assert_eq!(
            Params::decode(b"DBName=\xff"),
            Err(ParamsError::NotUtf8 {
                name: "DBName".to_owned()
            })
        );
    }

    #[test]
    fn a_non_utf8_name_is_refused_and_shown_lossily() {
        assert_eq!(
            Params::decode(b"Na%FFme=1"),
            Err(ParamsError::NotUtf8 {
                name: "Na\u{FFFD}me".to_owned()
            })
        );
    }

    #[test]
    fn long_names_are_cut_in_errors() {
        let raw = format!("{}=1&{}=2", "x".repeat(100), "x".repeat(100));
        let expected = format!("{}…", "x".repeat(64));
        assert_eq!(
            Params::decode(raw.as_bytes()),
            Err(ParamsError::Duplicate { name: expected })
        );
    }

    #[test]
    fn truncated_percent_escapes_stay_literal() {
        let p = Params::decode(b"a=%&b=%4&c=%zz").unwrap();
        assert_eq!(pairs(&p), vec![("a", "%"), ("b", "%4"), ("c", "%zz")]);
    }

    #[test]
    fn merge_takes_the_bodys_value_for_a_name_in_both() {
        let query = Params::decode(b"Action=CreateBackup&DBInstanceId=rm-q").unwrap();
        let body = Params::decode(b"DBInstanceId=rm-b&BackupMethod=Physical").unwrap();
        let merged = Params::merge(query, body);
        assert_eq!(
            pairs(&merged),
            vec![
                ("Action", "CreateBackup"),
                ("DBInstanceId", "rm-b"),
                ("BackupMethod", "Physical")
            ]
        );
    }

    #[test]
    fn insert_and_remove_keep_order() {
        let mut p = Params::decode(b"a=1&b=2&c=3").unwrap();
        assert_eq!(p.remove("b"), Some("2".to_owned()));
        p.insert("a", "9");
        p.insert("d", "4");
        assert_eq!(pairs(&p), vec![("a", "9"), ("c", "3"), ("d", "4")]);
        assert!(!p.is_empty());
    }

    #[test]
    fn error_messages_name_the_parameter() {
        assert_eq!(
            ParamsError::Duplicate { name: "X".into() }.to_string(),
            "the parameter \"X\" is given more than once"
        );
        assert_eq!(
            ParamsError::NotUtf8 { name: "X".into() }.to_string(),
            "the parameter \"X\" is not UTF-8"
        );
    }
}
