//! Property tests of RAM evaluation (ram.md, "Evaluation"): adding a `Deny` statement
//! never turns a denied request into an allowed one; adding an `Allow` statement never
//! turns an allowed request into a denied one; a matching `Deny` always wins.

use compact_str::CompactString;
use proptest::prelude::*;
use rds_backup_sim::authz::eval::{evaluate, AuthRequest, DenyKind};
use rds_backup_sim::authz::pattern::Pieces;
use rds_backup_sim::authz::policy::{Condition, Effect, Operator, Policy, Statement};

const ACTIONS: &[&str] = &[
    "CreateBackup",
    "DescribeBackups",
    "DescribeBackupTasks",
    "DeleteBackup",
];

fn action_pattern() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "rds:CreateBackup",
        "rds:*",
        "RDS:describe*",
        "*",
        "rds:?reateBackup",
        "rds:Delete*",
    ])
    .prop_map(str::to_owned)
}

fn resource_pattern() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "acs:rds:*:*:dbinstance/*",
        "acs:rds:cn-hangzhou:*:dbinstance/*",
        "acs:rds:*:1234567890123456:dbinstance/rm-*",
        "acs:rds:*:*:dbinstance/rm-?",
        "acs:rds:cn-beijing:*:dbinstance/rm-prod",
    ])
    .prop_map(str::to_owned)
}

fn condition() -> impl Strategy<Value = Condition> {
    let operator = prop::sample::select(vec![
        Operator::StringEquals,
        Operator::StringNotEquals,
        Operator::StringLike,
        Operator::StringNotLike,
        Operator::StringEqualsIgnoreCase,
    ]);
    let key = prop::sample::select(vec!["env", "team"]);
    let values = prop::collection::vec(
        prop::sample::select(vec!["test", "prod", "TEST", "te*", "p?od"]),
        1..3,
    );
    (operator, key, values).prop_map(|(operator, key, values)| Condition {
        operator,
        key: format!("rds:ResourceTag/{key}"),
        tag_key: key.to_owned(),
        values: values.into_iter().map(str::to_owned).collect(),
    })
}

fn statement(effect: Effect) -> impl Strategy<Value = Statement> {
    (
        prop::collection::vec(action_pattern(), 1..3),
        prop::collection::vec(resource_pattern(), 1..3),
        prop::collection::vec(condition(), 0..3),
    )
        .prop_map(move |(actions, resources, conditions)| Statement {
            effect,
            actions,
            resources,
            conditions,
        })
}

fn any_statement() -> impl Strategy<Value = Statement> {
    prop_oneof![statement(Effect::Allow), statement(Effect::Deny)]
}

fn policies() -> impl Strategy<Value = Vec<Policy>> {
    prop::collection::vec(
        prop::collection::vec(any_statement(), 0..4).prop_map(|statements| Policy { statements }),
        0..3,
    )
}

#[derive(Clone, Debug)]
struct Req {
    action: &'static str,
    region: &'static str,
    account: &'static str,
    id: &'static str,
    tags: Vec<(CompactString, CompactString)>,
}

fn request() -> impl Strategy<Value = Req> {
    let tags = prop::collection::vec(
        (
            prop::sample::select(vec!["env", "team"]),
            prop::sample::select(vec!["test", "prod", "Test"]),
        ),
        0..3,
    )
    .prop_map(|pairs| {
        let mut tags: Vec<(CompactString, CompactString)> = Vec::new();
        for (k, v) in pairs {
            if !tags.iter().any(|(key, _)| key == k) {
                tags.push((k.into(), v.into()));
            }
        }
        tags
    });
    (
        prop::sample::select(ACTIONS.to_vec()),
        prop::sample::select(vec!["cn-hangzhou", "cn-beijing"]),
        prop::sample::select(vec!["1234567890123456", "6543210987654321"]),
        prop::sample::select(vec!["rm-1", "rm-prod", "rm-test", ""]),
        tags,
    )
        .prop_map(|(action, region, account, id, tags)| Req {
            action,
            region,
            account,
            id,
            tags,
        })
}

fn decide(policies: &[Policy], req: &Req) -> Result<(), DenyKind> {
    let request = AuthRequest {
        action: req.action,
        resource: Pieces::new(&[
            "acs:rds:",
            req.region,
            ":",
            req.account,
            ":dbinstance/",
            req.id,
        ]),
        tags: &req.tags,
    };
    evaluate(policies, &request)
}

fn with_statement(
    mut policies: Vec<Policy>,
    extra: Statement,
    into_new_policy: bool,
) -> Vec<Policy> {
    match policies.first_mut() {
        Some(first) if !into_new_policy => first.statements.push(extra),
        _ => policies.push(Policy {
            statements: vec![extra],
        }),
    }
    policies
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Adding a Deny statement never turns a denied request into an allowed one.
    #[test]
    fn adding_a_deny_never_allows(ps in policies(), extra in statement(Effect::Deny), new in any::<bool>(), req in request()) {
        let before = decide(&ps, &req);
        let after = decide(&with_statement(ps, extra, new), &req);
        if before.is_err() {
            prop_assert!(after.is_err(), "a Deny turned {before:?} into {after:?}");
        }
        if before == Err(DenyKind::ExplicitDeny) {
            prop_assert_eq!(after, Err(DenyKind::ExplicitDeny));
        }
    }

    /// Adding an Allow statement never turns an allowed request into a denied one.
    #[test]
    fn adding_an_allow_never_denies(ps in policies(), extra in statement(Effect::Allow), new in any::<bool>(), req in request()) {
        let before = decide(&ps, &req);
        let after = decide(&with_statement(ps, extra, new), &req);
        if before.is_ok() {
            prop_assert_eq!(after, Ok(()));
        }
        if before == Err(DenyKind::ExplicitDeny) {
            prop_assert_eq!(after, Err(DenyKind::ExplicitDeny), "an Allow cannot override an explicit Deny");
        }
    }

    /// A Deny statement that matches everything always wins, whatever else is allowed.
    #[test]
    fn a_matching_deny_wins(ps in policies(), new in any::<bool>(), req in request()) {
        let deny_all = Statement { effect: Effect::Deny, actions: vec!["*".into()], resources: vec!["*".into()], conditions: vec![] };
        prop_assert_eq!(decide(&with_statement(ps, deny_all, new), &req), Err(DenyKind::ExplicitDeny));
    }
}
