//! Fault rates in a fleet run: what each fault does to the counts and to the clients, and
//! that the counts still do not depend on threads or shards.

use std::sync::atomic::{AtomicU64, Ordering};

use super::*;
use crate::error::{ErrorCode, WireError};
use crate::CreateBackupError;

fn rate(p: f64) -> Rate {
    Rate::new(p).expect("the test's rates are from 0 to 1")
}

fn with_faults(instances: u64, days: u32, t: f64, s: f64, i: f64) -> FleetSettings {
    FleetSettings {
        instances,
        days,
        faults: FaultRates::new(rate(t), rate(s), rate(i))
            .expect("the test's rates add up to 1 at most"),
        ..FleetSettings::default()
    }
}

fn run(settings: &FleetSettings, clients: &DefaultClients, threads: usize) -> FleetReport {
    run_fleet(settings, clients, 0..settings.instances, threads, &|_| ())
}

fn built_in(settings: &FleetSettings) -> FleetReport {
    run(settings, &DefaultClients::default(), 2)
}

/// The built-in clients, the deploy hook not retrying `BackupJobExists`: none of them
/// then changes what it sends by the answers it gets.
fn never_retrying(settings: &FleetSettings) -> FleetReport {
    let mut clients = DefaultClients::default();
    clients.params.retrying.retry = RetryPolicy::NEVER;
    run(settings, &clients, 2)
}

#[test]
fn rates_of_zero_give_the_counts_of_the_built_in_fleet() {
    // Pinned from the run before fault rates existed (`simulate --instances 301
    // --days 3 --json`): rates of 0 draw nothing and change nothing.
    let report = built_in(&with_faults(301, 3, 0.0, 0.0, 0.0));
    assert_eq!(
        report,
        built_in(&FleetSettings {
            instances: 301,
            days: 3,
            ..FleetSettings::default()
        })
    );
    assert_eq!(
        (report.requests, report.accepted),
        (BASE_REQUESTS, BASE_ACCEPTED)
    );
    assert_eq!(report.rejected_total(), BASE_REQUESTS - BASE_ACCEPTED);
    assert_eq!(report.rejected["BackupJobExists"], BASE_BUSY);
    assert_eq!(report.jobs_finished, BASE_FINISHED);
    assert_eq!(report.lost_answers, 0);
    for code in ["Throttling.User", "ServiceUnavailable", "InternalError"] {
        assert!(!report.rejected.contains_key(code), "{code}");
    }
}

#[test]
fn a_throttling_rate_of_one_throttles_every_request() {
    let plain = never_retrying(&with_faults(200, 2, 0.0, 0.0, 0.0));
    let throttled = never_retrying(&with_faults(200, 2, 1.0, 0.0, 0.0));
    // These clients do not retry: they send what they always send.
    assert_eq!(throttled.requests, plain.requests);
    assert_eq!(throttled.accepted, 0);
    assert_eq!(
        throttled.rejected.into_iter().collect::<Vec<_>>(),
        vec![("Throttling.User".to_owned(), plain.requests)]
    );
    // Only automatic backups ran.
    assert_eq!(throttled.jobs_finished, throttled.automatic_jobs);
    assert_eq!(throttled.lost_answers, 0);
    let unavailable = never_retrying(&with_faults(200, 2, 0.0, 1.0, 0.0));
    assert_eq!(unavailable.rejected["ServiceUnavailable"], plain.requests);
    assert_eq!(unavailable.accepted, 0);
}

#[test]
fn an_internal_error_rate_of_one_starts_jobs_whose_clients_see_500() {
    let plain = never_retrying(&with_faults(200, 2, 0.0, 0.0, 0.0));
    let lost = never_retrying(&with_faults(200, 2, 0.0, 0.0, 1.0));
    // Every request is applied as before (these clients do not retry), and every answer
    // is lost.
    let mut expected = plain.clone();
    expected.lost_answers = plain.requests;
    for day in &mut expected.days {
        day.lost_answers = day.accepted + day.rejected.values().sum::<u64>();
    }
    assert_eq!(lost, expected);
    assert!(lost.accepted > 0);
}

/// Sends 25 requests 601 s apart on day 0 and counts what it is answered.
struct Counting<'a> {
    next: crate::Timestamp,
    left: u32,
    seen: &'a Seen,
}

#[derive(Default)]
struct Seen {
    ok: AtomicU64,
    internal_error: AtomicU64,
    other: AtomicU64,
}

impl Workload for Counting<'_> {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        (self.left > 0).then(|| PlannedRequest::at(self.next).with_method("Physical"))
    }

    fn on_answer(&mut self, _: &PlannedRequest, outcome: &Outcome) {
        let counter = match outcome {
            Ok(_) => &self.seen.ok,
            Err(e) if e.error_code() == ErrorCode::InternalError => &self.seen.internal_error,
            Err(_) => &self.seen.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.left -= 1;
        self.next = self.next.saturating_add_millis(601_000);
    }
}

#[test]
fn a_lost_answer_is_a_started_job_the_client_saw_as_internal_error() {
    let settings = FleetSettings {
        failure_per_mille: 0,
        mix: super::tests::plain_mysql(),
        ..with_faults(1, 1, 0.0, 0.0, 1.0)
    };
    let seen = Seen::default();
    let mix = |_: &crate::Instance, c: &ClientContext| Counting {
        next: c.start,
        left: 25,
        seen: &seen,
    };
    let report = run_fleet(&settings, &mix, 0..1, 1, &|_| ());
    // The simulation started 20 jobs and refused 5 (CB-17); the client saw 25 × 500.
    assert_eq!((report.requests, report.accepted), (25, 20));
    assert_eq!(report.rejected["Exceeded.BackupTimes"], 5);
    assert_eq!(report.lost_answers, 25);
    assert_eq!(report.days[0].lost_answers, 25);
    assert_eq!(report.jobs_finished, 20);
    assert_eq!(seen.internal_error.load(Ordering::Relaxed), 25);
    assert_eq!(seen.ok.load(Ordering::Relaxed), 0);
    assert_eq!(seen.other.load(Ordering::Relaxed), 0);
}

#[test]
fn a_retry_policy_may_retry_the_injected_codes() {
    let nightly_retrying = |codes: &[ErrorCode]| DefaultClients {
        weights: vec![(ClientKind::Nightly, 1)],
        params: ClientParams {
            nightly: NightlyParams {
                retry: RetryPolicy {
                    attempts: 3,
                    backoff_seconds: 60,
                    backoff_factor: 1,
                    codes: CodeSet::of(codes),
                },
                ..ClientParams::default().nightly
            },
            ..ClientParams::default()
        },
    };
    let settings = with_faults(100, 2, 1.0, 0.0, 0.0);
    let listed = run(
        &settings,
        &nightly_retrying(&[ErrorCode::ThrottlingUser]),
        2,
    );
    let unlisted = run(
        &settings,
        &nightly_retrying(&[ErrorCode::BackupJobExists]),
        2,
    );
    // One request a night, and three retries of it when Throttling.User is retried.
    assert_eq!(unlisted.requests, 100 * 2);
    assert_eq!(listed.requests, 100 * 2 * 4);
    assert_eq!(listed.rejected["Throttling.User"], 800);
    let codes = CreateBackupError::FAULT_CODES;
    assert_eq!(
        codes.iter().map(|c| c.spec().code).collect::<Vec<_>>(),
        ["Throttling.User", "ServiceUnavailable", "InternalError"]
    );
}

#[test]
fn with_faults_the_counts_still_do_not_depend_on_threads_or_shards() {
    let settings = with_faults(251, 3, 0.05, 0.02, 0.03);
    let whole = built_in(&settings);
    assert!(
        whole.lost_answers > 0 && whole.rejected["Throttling.User"] > 0,
        "{whole:?}"
    );
    assert_eq!(whole.requests, whole.accepted + whole.rejected_total());
    for threads in [1, 3, 16] {
        assert_eq!(
            run(&settings, &DefaultClients::default(), threads),
            whole,
            "{threads} threads"
        );
    }
    for of in [2, 5] {
        let mut merged = FleetReport::default();
        for shard in 0..of {
            let range = shard_range(settings.instances, shard, of).expect("shard < of");
            merged.merge(&run_fleet(
                &settings,
                &DefaultClients::default(),
                range,
                2,
                &|_| (),
            ));
        }
        assert_eq!(merged, whole, "{of} shards");
    }
}

// `simulate --instances 301 --days 3 --json` before fault rates existed.
const BASE_REQUESTS: u64 = 4471;
const BASE_ACCEPTED: u64 = 2835;
const BASE_BUSY: u64 = 377;
const BASE_FINISHED: u64 = 3158;
