//! `Expect`: what a line's answer must contain (scenario-format.md, "Checking a
//! scenario"), the rule `replay --check` and the project's own tests apply.
//!
//! Every key of `Expect` must be present in the answer with an equal value; objects compare
//! by the same rule recursively; lists compare element by element and must have the same
//! length; the string `"*"` matches any present, non-empty value (not `null`, `""`, `[]` or
//! `{}`).

use std::fmt;

use serde_json::Value;

use super::Answer;

/// One way an answer differs from its `Expect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Where: the key path from the answer's top (`Code`, `Items.BackupJob[0].JobMode`);
    /// empty for the answer as a whole.
    pub path: String,
    /// What `Expect` asked for, as JSON (or `a non-empty value` for `"*"`).
    pub expected: String,
    /// What the answer holds there, as JSON (or `nothing` when the key is absent).
    pub got: String,
}

impl fmt::Display for Mismatch {
    /// `path: expected X, got Y` (`answer` stands for an empty path).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "answer"
        } else {
            &self.path
        };
        write!(f, "{path}: expected {}, got {}", self.expected, self.got)
    }
}

/// The ways `answer` differs from `expected`, keys in sorted order; empty when it
/// matches.
pub fn mismatches(expected: &Value, answer: &Value) -> Vec<Mismatch> {
    let mut found = Vec::new();
    compare(expected, Some(answer), String::new(), &mut found);
    found
}

/// [`mismatches`] of an [`Answer`] (whose body gains its `HttpStatus`, as a scenario line's
/// answer shows it).
pub fn check_answer(expected: &Value, answer: &Answer) -> Vec<Mismatch> {
    match serde_json::from_str::<Value>(&answer.to_line()) {
        Ok(value) => mismatches(expected, &value),
        // `Answer::to_line` always writes a JSON object.
        Err(_) => vec![Mismatch {
            path: String::new(),
            expected: expected.to_string(),
            got: answer.to_line(),
        }],
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn compare(expected: &Value, actual: Option<&Value>, path: String, found: &mut Vec<Mismatch>) {
    let mut differs = |expected: String, got: String| {
        found.push(Mismatch {
            path: path.clone(),
            expected,
            got,
        })
    };
    let Some(actual) = actual else {
        return differs(expected.to_string(), "nothing".into());
    };
    match (expected, actual) {
        (Value::String(star), _) if star == "*" && is_empty(actual) => {
            differs("a non-empty value".into(), actual.to_string());
        }
        (Value::String(star), _) if star == "*" => {}
        (Value::Object(fields), Value::Object(got)) => {
            for (key, value) in fields {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                compare(value, got.get(key), inner, found);
            }
        }
        (Value::Array(items), Value::Array(got)) if items.len() == got.len() => {
            for (i, (e, a)) in items.iter().zip(got).enumerate() {
                compare(e, Some(a), format!("{path}[{i}]"), found);
            }
        }
        _ if expected != actual => differs(expected.to_string(), actual.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(expected: Value, answer: Value) -> Vec<String> {
        mismatches(&expected, &answer)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn equal_keys_match_and_extra_answer_keys_are_ignored() {
        assert_eq!(
            shown(
                json!({"HttpStatus": 200}),
                json!({"HttpStatus": 200, "RequestId": "X"})
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_different_or_missing_value_is_named_by_its_path() {
        assert_eq!(
            shown(
                json!({"Code": "BackupJobExists", "HostId": "rds.aliyuncs.com"}),
                json!({"Code": "Exceeded.BackupTimes"})
            ),
            [
                "Code: expected \"BackupJobExists\", got \"Exceeded.BackupTimes\"",
                "HostId: expected \"rds.aliyuncs.com\", got nothing"
            ]
        );
    }

    #[test]
    fn objects_recurse_and_lists_compare_element_by_element() {
        let answer =
            json!({"Items": {"BackupJob": [{"JobMode": "Manual"}, {"JobMode": "Automated"}]}});
        assert_eq!(
            shown(
                json!({"Items": {"BackupJob": [{"JobMode": "Manual"}, {"JobMode": "Manual"}]}}),
                answer.clone()
            ),
            ["Items.BackupJob[1].JobMode: expected \"Manual\", got \"Automated\""]
        );
        assert_eq!(
            shown(
                json!({"Items": {"BackupJob": [{"JobMode": "Manual"}]}}),
                answer.clone()
            ),
            ["Items.BackupJob: expected [{\"JobMode\":\"Manual\"}], got [{\"JobMode\":\"Manual\"},{\"JobMode\":\"Automated\"}]"]
        );
        assert_eq!(
            shown(json!({"Items": [1]}), answer),
            ["Items: expected [1], got {\"BackupJob\":[{\"JobMode\":\"Manual\"},{\"JobMode\":\"Automated\"}]}"]
        );
    }

    #[test]
    fn star_matches_any_present_non_empty_value() {
        for good in [
            json!("x"),
            json!(0),
            json!(false),
            json!([1]),
            json!({"a": 1}),
        ] {
            assert_eq!(
                shown(json!({"K": "*"}), json!({ "K": good })),
                Vec::<String>::new()
            );
        }
        for empty in [json!(null), json!(""), json!([]), json!({})] {
            assert_eq!(
                shown(json!({"K": "*"}), json!({ "K": empty.clone() })),
                [format!("K: expected a non-empty value, got {empty}")]
            );
        }
        assert_eq!(
            shown(json!({"K": "*"}), json!({})),
            ["K: expected \"*\", got nothing"]
        );
    }

    #[test]
    fn an_expect_that_is_not_an_object_compares_the_whole_answer() {
        assert_eq!(
            shown(json!(3), json!({"HttpStatus": 200})),
            ["answer: expected 3, got {\"HttpStatus\":200}"]
        );
    }
}
