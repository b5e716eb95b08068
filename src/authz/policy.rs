//! RAM policy documents (ram.md, "Policies"), parsed once into types.
//!
//! A document is checked completely when it is declared; a malformed one is refused with
//! a message naming the problem, never at evaluation time. Parsing goes through [`Doc`],
//! a small tree any serde format can produce, so the core needs no JSON parser.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Allows what it matches, unless a `Deny` matches too.
    Allow,
    /// Denies what it matches.
    Deny,
}

/// A condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// Exact equality.
    StringEquals,
    /// Exact inequality (negated).
    StringNotEquals,
    /// Wildcard match (`*`, `?`).
    StringLike,
    /// Wildcard non-match (negated).
    StringNotLike,
    /// Case-insensitive equality.
    StringEqualsIgnoreCase,
}

impl Operator {
    const ALL: [Operator; 5] = [
        Operator::StringEquals,
        Operator::StringNotEquals,
        Operator::StringLike,
        Operator::StringNotLike,
        Operator::StringEqualsIgnoreCase,
    ];

    /// The operator's name in a policy.
    pub const fn as_str(self) -> &'static str {
        match self {
            Operator::StringEquals => "StringEquals",
            Operator::StringNotEquals => "StringNotEquals",
            Operator::StringLike => "StringLike",
            Operator::StringNotLike => "StringNotLike",
            Operator::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
        }
    }

    /// Whether the operator holds when no value matches (the negated ones).
    pub const fn is_negated(self) -> bool {
        matches!(self, Operator::StringNotEquals | Operator::StringNotLike)
    }
}

/// The prefix of the only condition key, compared case-insensitively.
pub const RESOURCE_TAG_PREFIX: &str = "rds:ResourceTag/";

/// One condition: `operator` on the instance's tag `tag_key` against `values`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The condition key as written (`rds:ResourceTag/<TagKey>`).
    pub key: String,
    /// The tag key (compared exactly).
    pub tag_key: String,
    /// The values; a positive operator holds if any matches, a negated one if none does.
    pub values: Vec<String>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// `Effect`.
    pub effect: Effect,
    /// `Action` patterns (case-insensitive).
    pub actions: Vec<String>,
    /// `Resource` patterns (case-sensitive).
    pub resources: Vec<String>,
    /// Every condition must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Policy {
    /// The statements; none allows nothing.
    pub statements: Vec<Statement>,
}

/// Why a policy document was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, PolicyError> {
    Err(PolicyError(message.into()))
}

/// A generic document tree, produced by any serde format.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<Doc>),
    /// An object, keys in order.
    Map(Vec<(String, Doc)>),
}

impl Doc {
    fn kind(&self) -> &'static str {
        match self {
            Doc::Null => "null",
            Doc::Bool(_) => "a boolean",
            Doc::Number(_) => "a number",
            Doc::Str(_) => "a string",
            Doc::List(_) => "a list",
            Doc::Map(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DocVisitor;
        impl<'de> Visitor<'de> for DocVisitor {
            type Value = Doc;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Doc, E> {
                Ok(Doc::Null)
            }
            fn visit_none<E>(self) -> Result<Doc, E> {
                Ok(Doc::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Doc, D::Error> {
                Doc::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Doc, E> {
                Ok(Doc::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Doc, E> {
                Ok(Doc::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Doc, E> {
                Ok(Doc::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Doc, E> {
                Ok(Doc::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Doc, E> {
                Ok(Doc::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Doc, E> {
                Ok(Doc::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Doc::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Doc>()? {
                    entries.push((k, v));
                }
                Ok(Doc::Map(entries))
            }
        }
        deserializer.deserialize_any(DocVisitor)
    }
}

/// A string or a non-empty list of strings.
fn strings(statement: usize, field: &str, doc: &Doc) -> Result<Vec<String>, PolicyError> {
    match doc {
        Doc::Str(s) => Ok(vec![s.clone()]),
        Doc::List(items) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                Doc::Str(s) => Ok(s.clone()),
                other => fail(format!(
                    "Statement[{statement}].{field} lists {}, not a string",
                    other.kind()
                )),
            })
            .collect(),
        Doc::List(_) => fail(format!("Statement[{statement}].{field} is an empty list")),
        other => fail(format!(
            "Statement[{statement}].{field} is {}, not a string or a list of strings",
            other.kind()
        )),
    }
}

fn conditions(statement: usize, doc: &Doc) -> Result<Vec<Condition>, PolicyError> {
    let Doc::Map(operators) = doc else {
        return fail(format!(
            "Statement[{statement}].Condition is {}, not an object",
            doc.kind()
        ));
    };
    let mut out = Vec::new();
    for (name, keys) in operators {
        let operator = Operator::ALL
            .into_iter()
            .find(|o| o.as_str() == name)
            .ok_or_else(|| {
                PolicyError(format!(
                    "Statement[{statement}].Condition uses the unsupported operator {name:?}"
                ))
            })?;
        let Doc::Map(keys) = keys else {
            return fail(format!(
                "Statement[{statement}].Condition.{name} is {}, not an object",
                keys.kind()
            ));
        };
        for (key, values) in keys {
            let prefix_ok = key
                .get(..RESOURCE_TAG_PREFIX.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(RESOURCE_TAG_PREFIX));
            let tag_key = &key[if prefix_ok {
                RESOURCE_TAG_PREFIX.len()
            } else {
                0
            }..];
            if !prefix_ok || tag_key.is_empty() {
                return fail(format!(
                    "Statement[{statement}].Condition.{name} uses the unsupported key {key:?} (only rds:ResourceTag/<TagKey>)"
                ));
            }
            out.push(Condition {
                operator,
                key: key.clone(),
                tag_key: tag_key.to_owned(),
                values: strings(statement, &format!("Condition.{name}.{key}"), values)?,
            });
        }
    }
    Ok(out)
}

fn statement(index: usize, doc: &Doc) -> Result<Statement, PolicyError> {
    let Doc::Map(fields) = doc else {
        return fail(format!(
            "Statement[{index}] is {}, not an object",
            doc.kind()
        ));
    };
    let get = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    for (key, _) in fields {
        match key.as_str() {
            "Effect" | "Action" | "Resource" | "Condition" | "Sid" => {}
            "NotAction" | "NotResource" | "Principal" => {
                return fail(format!(
                    "Statement[{index}] uses {key}, which is not supported"
                ));
            }
            other => {
                return fail(format!(
                    "Statement[{index}] has the unknown field {other:?}"
                ))
            }
        }
    }
    let effect = match get("Effect") {
        Some(Doc::Str(s)) if s == "Allow" => Effect::Allow,
        Some(Doc::Str(s)) if s == "Deny" => Effect::Deny,
        Some(_) => {
            return fail(format!(
                "Statement[{index}].Effect must be \"Allow\" or \"Deny\""
            ))
        }
        None => return fail(format!("Statement[{index}] lacks Effect")),
    };
    let actions = strings(
        index,
        "Action",
        get("Action").ok_or_else(|| PolicyError(format!("Statement[{index}] lacks Action")))?,
    )?;
    let resources = strings(
        index,
        "Resource",
        get("Resource").ok_or_else(|| PolicyError(format!("Statement[{index}] lacks Resource")))?,
    )?;
    let conditions = match get("Condition") {
        None => Vec::new(),
        Some(doc) => conditions(index, doc)?,
    };
    Ok(Statement {
        effect,
        actions,
        resources,
        conditions,
    })
}

impl Policy {
    /// Checks and parses a policy document.
    pub fn from_doc(doc: &Doc) -> Result<Policy, PolicyError> {
        let Doc::Map(fields) = doc else {
            return fail(format!("a policy is an object, not {}", doc.kind()));
        };
        let get = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
        for (key, _) in fields {
            if key != "Version" && key != "Statement" {
                return fail(format!("the policy has the unknown field {key:?}"));
            }
        }
        match get("Version") {
            Some(Doc::Str(v)) if v == "1" => {}
            _ => return fail("Version must be \"1\""),
        }
        let statements = match get("Statement") {
            Some(Doc::List(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| statement(i, s))
                .collect::<Result<_, _>>()?,
            Some(other) => return fail(format!("Statement is {}, not a list", other.kind())),
            None => return fail("Statement is missing"),
        };
        Ok(Policy { statements })
    }

    /// The document form, as declared (normalized: single strings stay lists).
    fn to_doc(&self) -> Doc {
        let list = |items: &[String]| Doc::List(items.iter().cloned().map(Doc::Str).collect());
        let statements = self
            .statements
            .iter()
            .map(|s| {
                let mut fields = vec![
                    ("Effect".to_owned(), Doc::Str(format!("{:?}", s.effect))),
                    ("Action".to_owned(), list(&s.actions)),
                    ("Resource".to_owned(), list(&s.resources)),
                ];
                if !s.conditions.is_empty() {
                    let mut operators: Vec<(String, Doc)> = Vec::new();
                    for c in &s.conditions {
                        let entry = (c.key.clone(), list(&c.values));
                        match operators
                            .iter_mut()
                            .find(|(name, _)| name == c.operator.as_str())
                        {
                            Some((_, Doc::Map(keys))) => keys.push(entry),
                            _ => operators
                                .push((c.operator.as_str().to_owned(), Doc::Map(vec![entry]))),
                        }
                    }
                    fields.push(("Condition".to_owned(), Doc::Map(operators)));
                }
                Doc::Map(fields)
            })
            .collect();
        Doc::Map(vec![
            ("Version".to_owned(), Doc::Str("1".to_owned())),
            ("Statement".to_owned(), Doc::List(statements)),
        ])
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Doc::Null => serializer.serialize_unit(),
            Doc::Bool(b) => serializer.serialize_bool(*b),
            Doc::Number(n) => serializer.serialize_f64(*n),
            Doc::Str(s) => serializer.serialize_str(s),
            Doc::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_doc().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let doc = Doc::deserialize(deserializer)?;
        Policy::from_doc(&doc).map_err(de::Error::custom)
    }
}
