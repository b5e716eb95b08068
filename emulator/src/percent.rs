//! The RFC 3986 `percentEncode` both signature versions use (notes section 8.2 step 3):
//! UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` kept, every other byte as `%XY` in upper-case hex.

use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Every byte except the RFC 3986 unreserved characters.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Appends `percentEncode(s)` to `out`.
pub(crate) fn push_encoded(out: &mut String, s: &str) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{}", utf8_percent_encode(s, RESERVED));
}

/// `percentEncode(s)`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_encoded(&mut out, s);
    out
}

/// `join("&", percentEncode(k) + "=" + percentEncode(v))` over `pairs` sorted by name in
/// byte order: the canonicalized query string of V1 (notes 8.2 step 4) and V3 (9 step 2).
pub fn canonical_query<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut sorted: Vec<(&str, &str)> = pairs.collect();
    sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::new();
    for (i, (name, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(&mut out, name);
        out.push('=');
        push_encoded(&mut out, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_the_notes_say() {
        assert_eq!(encode("db1,db 2*~/é"), "db1%2Cdb%202%2A~%2F%C3%A9");
        assert_eq!(encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(encode("+:&="), "%2B%3A%26%3D");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn canonical_query_sorts_by_bytes_and_keeps_empty_values() {
        let pairs = [("b", "2"), ("B", ""), ("a", "x y")];
        assert_eq!(canonical_query(pairs.into_iter()), "B=&a=x%20y&b=2");
    }
}
