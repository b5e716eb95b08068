//! Policy evaluation (ram.md): an explicit `Deny` denies; otherwise an `Allow` allows;
//! otherwise the request is denied implicitly.

use compact_str::CompactString;

use super::pattern::{matches, matches_str, Pieces};
use super::policy::{Condition, Effect, Operator, Policy, Statement};

/// What is asked: `rds:<action>` on the instance `resource`, with the instance's tags.
#[derive(Clone, Copy, Debug)]
pub struct AuthRequest<'a> {
    /// The API action name (without `rds:`).
    pub action: &'a str,
    /// The resource name, in pieces.
    pub resource: Pieces<'a>,
    /// The instance's tags (empty for an unknown or invisible instance).
    pub tags: &'a [(CompactString, CompactString)],
}

/// Why a request was denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyKind {
    /// No statement allowed it.
    ImplicitDeny,
    /// A `Deny` statement matched.
    ExplicitDeny,
}

impl DenyKind {
    /// `NoPermissionType` on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            DenyKind::ImplicitDeny => "ImplicitDeny",
            DenyKind::ExplicitDeny => "ExplicitDeny",
        }
    }
}

fn condition_holds(condition: &Condition, tags: &[(CompactString, CompactString)]) -> bool {
    let tag = tags
        .iter()
        .find(|(k, _)| *k == condition.tag_key)
        .map(|(_, v)| v.as_str());
    let Some(value) = tag else {
        return condition.operator.is_negated();
    };
    let any = condition
        .values
        .iter()
        .any(|expected| match condition.operator {
            Operator::StringEquals | Operator::StringNotEquals => expected == value,
            Operator::StringLike | Operator::StringNotLike => matches_str(expected, value, false),
            Operator::StringEqualsIgnoreCase => expected
                .chars()
                .flat_map(char::to_lowercase)
                .eq(value.chars().flat_map(char::to_lowercase)),
        });
    any != condition.operator.is_negated()
}

fn statement_matches(statement: &Statement, request: &AuthRequest<'_>) -> bool {
    let action = Pieces::new(&["rds:", request.action]);
    statement.actions.iter().any(|a| matches(a, &action, true))
        && statement
            .resources
            .iter()
            .any(|r| matches(r, &request.resource, false))
        && statement
            .conditions
            .iter()
            .all(|c| condition_holds(c, request.tags))
}

/// Evaluates `policies` for `request`: `Ok(())` when allowed.
pub fn evaluate(policies: &[Policy], request: &AuthRequest<'_>) -> Result<(), DenyKind> {
    let mut allowed = false;
    for statement in policies.iter().flat_map(|p| &p.statements) {
        if statement_matches(statement, request) {
            match statement.effect {
                Effect::Deny => return Err(DenyKind::ExplicitDeny),
                Effect::Allow => allowed = true,
            }
        }
    }
    if allowed {
        Ok(())
    } else {
        Err(DenyKind::ImplicitDeny)
    }
}
