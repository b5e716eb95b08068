//! RAM wildcard patterns: `*` matches any run of characters, `?` exactly one.
//!
//! Matching walks pattern and subject once with a single backtrack point (the last `*`),
//! so it takes at most O(pattern × subject) steps, never exponential time on patterns such
//! as `a*a*a*a*b`, and allocates nothing. The subject may be given in pieces (an ARN is
//! `acs:rds:` + region + `:` + account + `:dbinstance/` + id) so no string is built per
//! request.

/// A subject made of up to six pieces, matched as their concatenation.
#[derive(Clone, Copy, Debug)]
pub struct Pieces<'a> {
    parts: [&'a str; 6],
    len: usize,
}

impl<'a> Pieces<'a> {
    /// The concatenation of `parts` (at most six; more are ignored).
    pub fn new(parts: &[&'a str]) -> Pieces<'a> {
        let mut all = [""; 6];
        for (slot, part) in all.iter_mut().zip(parts) {
            *slot = part;
        }
        Pieces {
            parts: all,
            len: all.iter().map(|p| p.len()).sum(),
        }
    }

    fn byte(&self, mut index: usize) -> u8 {
        for part in self.parts {
            if index < part.len() {
                return part.as_bytes()[index];
            }
            index -= part.len();
        }
        0
    }
}

/// The length in bytes of the UTF-8 character starting with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Whether `pattern` matches the whole subject; `fold_case` compares ASCII letters
/// case-insensitively (actions), otherwise exactly (resources, tag values).
pub fn matches(pattern: &str, subject: &Pieces<'_>, fold_case: bool) -> bool {
    let pat = pattern.as_bytes();
    let (m, n) = (pat.len(), subject.len);
    let eq = |a: u8, b: u8| {
        if fold_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < n {
        if p < m && pat[p] == b'*' {
            star = Some((p, s));
            p += 1;
        } else if p < m && pat[p] == b'?' {
            p += 1;
            s += char_len(subject.byte(s));
        } else if p < m && eq(pat[p], subject.byte(s)) {
            p += 1;
            s += 1;
        } else if let Some((star_p, star_s)) = star {
            let next = star_s + char_len(subject.byte(star_s));
            star = Some((star_p, next));
            p = star_p + 1;
            s = next;
        } else {
            return false;
        }
    }
    while p < m && pat[p] == b'*' {
        p += 1;
    }
    p == m && s == n
}

/// Whether `pattern` matches the single string `subject`.
pub fn matches_str(pattern: &str, subject: &str, fold_case: bool) -> bool {
    matches(pattern, &Pieces::new(&[subject]), fold_case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches_str("rds:*", "rds:CreateBackup", false));
        assert!(matches_str("rds:Describe*", "rds:DescribeBackups", false));
        assert!(!matches_str("rds:Describe*", "rds:CreateBackup", false));
        assert!(matches_str("rds:createbackup", "rds:CreateBackup", true));
        assert!(!matches_str("rds:createbackup", "rds:CreateBackup", false));
        assert!(matches_str("rm-?", "rm-1", false));
        assert!(!matches_str("rm-?", "rm-12", false));
        assert!(
            matches_str("t?st", "tést", false),
            "? is one character, not one byte"
        );
        assert!(matches_str("*", "", false));
        assert!(!matches_str("?", "", false));
        assert!(matches_str("a*b*c", "aXXbYYc", false));
        assert!(!matches_str("a*b*c", "aXXbYY", false));
        assert!(matches_str("**a", "xa", false));
    }

    #[test]
    fn pieces_match_as_their_concatenation() {
        let arn = Pieces::new(&[
            "acs:rds:",
            "cn-hangzhou",
            ":",
            "1000000000000001",
            ":dbinstance/",
            "rm-1",
        ]);
        assert!(matches("acs:rds:*:*:dbinstance/*", &arn, false));
        assert!(matches(
            "acs:rds:cn-hangzhou:1000000000000001:dbinstance/rm-1",
            &arn,
            false
        ));
        assert!(!matches("acs:rds:cn-beijing:*:dbinstance/*", &arn, false));
        assert!(matches("acs:rds:*:*:dbinstance/rm-?", &arn, false));
    }

    #[test]
    fn no_exponential_backtracking() {
        let subject = "a".repeat(10_000);
        assert!(!matches_str("a*a*a*a*a*a*a*a*a*a*b", &subject, false));
        assert!(matches_str("a*a*a*a*a*a*a*a*a*a*", &subject, false));
    }
}
