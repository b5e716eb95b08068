//! The property-test suite of the domain crate (issue 4): a reference model driven with
//! random sequences of every transition, compared step by step with the crate, and the
//! invariants of docs/invariants.md as properties.
//!
//! Layout, after Firezone's connlib tests: `reference` (the model and its state machine),
//! `sut` (the crate driven through scenario lines), `transitions` (the steps and their
//! lines), `strategies` (how steps are drawn), `assertions` (comparisons), `invariants`
//! (the standalone properties). `PROPTEST_CASES` raises every property's case count.

mod assertions;
mod checker;
mod invariants;
mod reference;
mod strategies;
mod sut;
mod transitions;

use proptest::prelude::ProptestConfig;
use proptest_state_machine::prop_state_machine;
use sut::Driver;

/// `PROPTEST_CASES` if set, else `default` (kept small so the suite fits CI's budget).
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The config every property of this binary uses.
pub fn config(default_cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default_cases),
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

prop_state_machine! {
    #![proptest_config(config(48))]

    /// Every step's answer and the state after it equal the reference model's.
    #[test]
    fn crate_matches_the_reference_model(sequential 1..80 => Driver);
}
