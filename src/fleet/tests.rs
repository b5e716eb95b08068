//! The fleet's promises: counts independent of threads, shards and retention; exact
//! counts for a hand-made client.

use super::*;
use crate::time::{Timestamp, MILLIS_PER_SECOND};
use crate::vocab::{Engine, InstanceKind, InstanceStatus, LockMode, StorageType};

fn small(instances: u64, days: u32) -> FleetSettings {
    FleetSettings {
        instances,
        days,
        ..FleetSettings::default()
    }
}

fn run(settings: &FleetSettings, threads: usize) -> FleetReport {
    run_fleet(
        settings,
        &DefaultClients::default(),
        0..settings.instances,
        threads,
        &|_| (),
    )
}

#[test]
fn counts_do_not_depend_on_the_number_of_threads() {
    let settings = small(301, 3);
    let one = run(&settings, 1);
    assert_eq!(one, run(&settings, 2));
    assert_eq!(one, run(&settings, 3));
    assert_eq!(one, run(&settings, 64));
    assert_eq!(one.instances, 301);
    assert_eq!(one.requests, one.accepted + one.rejected_total());
    assert_eq!(one.days.len(), 3);
}

#[test]
fn shard_reports_merge_into_the_unsharded_report() {
    let settings = small(250, 2);
    let whole = run(&settings, 1);
    for of in [1, 2, 3, 7] {
        let mut merged = FleetReport::default();
        let mut covered = 0;
        for shard in 0..of {
            let range = shard_range(settings.instances, shard, of).unwrap();
            assert_eq!(range.start, covered, "shards are contiguous");
            covered = range.end;
            let part = run_fleet(&settings, &DefaultClients::default(), range, 2, &|_| ());
            merged.merge(&part);
        }
        assert_eq!(covered, settings.instances);
        assert_eq!(merged, whole, "{of} shards");
    }
    assert_eq!(shard_range(10, 2, 2), None);
    assert_eq!(shard_range(3, 4, 5), Some(2..3));
}

#[test]
fn retention_changes_memory_not_counts() {
    let mut settings = small(120, 12);
    let kept_all = {
        settings.retain_days = 365;
        run(&settings, 1)
    };
    for days in [0, 1, 7] {
        settings.retain_days = days;
        assert_eq!(run(&settings, 1), kept_all, "retain {days} days");
    }
}

#[test]
fn the_seed_changes_the_run() {
    let a = run(&small(200, 2), 1);
    let b = run(
        &FleetSettings {
            seed: 1,
            ..small(200, 2)
        },
        1,
    );
    assert_ne!(a, b);
}

/// A client that sends `count` requests `spacing` seconds apart from the run's start.
struct Steady {
    next: Timestamp,
    left: u32,
    spacing: i64,
}

impl Workload for Steady {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        (self.left > 0).then(|| PlannedRequest::at(self.next))
    }
    fn on_answer(&mut self, _: &PlannedRequest, _: &Outcome) {
        self.left -= 1;
        self.next = self
            .next
            .saturating_add_millis(self.spacing * MILLIS_PER_SECOND);
    }
}

pub(super) fn plain_mysql() -> FleetMix {
    FleetMix {
        engines: vec![(Engine::MySql, 1)],
        storages: vec![(StorageType::LocalSsd, 1)],
        kinds: vec![(InstanceKind::Primary, 1)],
        statuses: vec![(InstanceStatus::Running, 1)],
        locks: vec![(LockMode::Unlock, 1)],
        database_counts: vec![(2, 1)],
        policies: vec![(PolicyChoice::None, 1)],
        long_backup_per_mille: 0,
        long_backup_seconds: 0,
    }
}

#[test]
fn cb17_a_steady_client_gets_twenty_a_day_then_exceeded() {
    let settings = FleetSettings {
        instances: 3,
        days: 2,
        failure_per_mille: 0,
        mix: plain_mysql(),
        ..FleetSettings::default()
    };
    // 25 requests 601 s apart on day 0: each job (600 s) has ended when the next arrives.
    let steady = |_: &crate::Instance, c: &ClientContext| Steady {
        next: c.start,
        left: 25,
        spacing: 601,
    };
    let report = run_fleet(&settings, &steady, 0..3, 2, &|_| ());
    assert_eq!(report.requests, 75);
    assert_eq!(report.accepted, 60);
    assert_eq!(
        report.rejected.into_iter().collect::<Vec<_>>(),
        vec![("Exceeded.BackupTimes".to_owned(), 15)]
    );
    assert_eq!((report.jobs_finished, report.jobs_failed), (60, 0));
    assert_eq!(report.jobs_active_at_end, 0);
    assert_eq!(report.sets["MySQL"]["Physical"], 60);
    assert_eq!(report.days[0].instances_at_daily_limit, 3);
    assert_eq!(report.days[1].instances_at_daily_limit, 0);
    assert_eq!(report.days[0].accepted, 60);
}

#[test]
fn cb16_requests_during_a_job_are_refused_and_t3_failures_are_counted() {
    let settings = FleetSettings {
        instances: 1,
        days: 1,
        failure_per_mille: 1000,
        mix: plain_mysql(),
        ..FleetSettings::default()
    };
    // Every 200 s: accepted at 0, failed at 300, so 200 is refused (job active) and 400
    // is accepted again; 600 refused; 800 accepted...
    let steady = |_: &crate::Instance, c: &ClientContext| Steady {
        next: c.start,
        left: 6,
        spacing: 200,
    };
    let report = run_fleet(&settings, &steady, 0..1, 1, &|_| ());
    assert_eq!(report.accepted, 3);
    assert_eq!(report.rejected["BackupJobExists"], 3);
    assert_eq!((report.jobs_finished, report.jobs_failed), (0, 3));
}

#[test]
fn a_runaway_client_is_stopped() {
    let settings = FleetSettings {
        instances: 1,
        days: 3,
        mix: plain_mysql(),
        ..FleetSettings::default()
    };
    let forever = |_: &crate::Instance, c: &ClientContext| Steady {
        next: c.start,
        left: u32::MAX,
        spacing: 0,
    };
    let report = run_fleet(&settings, &forever, 0..1, 1, &|_| ());
    assert_eq!(report.clients_stopped, 1);
    assert_eq!(
        report.requests,
        u64::from(runner::MAX_REQUESTS_PER_INSTANCE_DAY)
    );
    assert_eq!(report.accepted, 1);
}

#[test]
fn the_default_run_exercises_every_client_and_many_codes() {
    let report = run(&small(2_000, 2), 2);
    for code in [
        "RequiredParam.NotFound",
        "InvalidBackupMethod.ValueNotSupport",
        "BackupType.NotSupport",
        "Parameters.Invalid",
        "InvalidDBName.Format",
        "InvalidDBInstanceName.NotFound",
        "ReadDBInstanceNotSupport",
        "IncorrectDBInstanceType",
        "IncorrectDBInstanceState",
        "IncorrectDBInstanceLockMode.ValueNotSupported",
        "BackupJobExists",
        "Exceeded.BackupTimes",
    ] {
        assert!(report.rejected.get(code).is_some_and(|n| *n > 0), "{code}");
    }
    assert!(report.automatic_jobs > 0);
    assert!(report.jobs_failed > 0);
    assert!(report.days.iter().all(|d| d.instances_at_daily_limit > 0));
}

fn only(kind: ClientKind, params: ClientParams) -> DefaultClients {
    DefaultClients {
        weights: vec![(kind, 1)],
        params,
    }
}

fn busy_retry(attempts: u8, backoff_seconds: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        backoff_seconds,
        backoff_factor: 2,
        codes: CodeSet::of(&[crate::error::ErrorCode::BackupJobExists]),
    }
}

fn run_with(settings: &FleetSettings, clients: &DefaultClients) -> FleetReport {
    run_fleet(settings, clients, 0..settings.instances, 2, &|_| ())
}

#[test]
fn a_nightly_scheduler_retries_busy_refusals_as_its_policy_says() {
    let settings = FleetSettings {
        instances: 200,
        days: 3,
        failure_per_mille: 0,
        mix: FleetMix {
            policies: vec![(PolicyChoice::Daily, 1)],
            long_backup_per_mille: 1000,
            long_backup_seconds: 1800,
            ..plain_mysql()
        },
        ..FleetSettings::default()
    };
    let with = |attempts: u8| {
        let mut params = ClientParams::default();
        params.nightly.window = DailyWindow::from_hour(0, 360);
        params.nightly.retry = busy_retry(attempts, 60);
        run_with(&settings, &only(ClientKind::Nightly, params))
    };
    let (calm, storm) = (with(0), with(5));
    assert_eq!(calm.requests, 200 * 3);
    let busy = |r: &FleetReport| r.rejected.get("BackupJobExists").copied().unwrap_or(0);
    assert!(busy(&calm) > 0);
    assert_eq!(calm.rejected.len(), 1, "{:?}", calm.rejected);
    assert_eq!(storm.rejected.len(), 1, "{:?}", storm.rejected);
    // Every request beyond one a night is a retry of a busy refusal, at most 5 each.
    let retries = storm.requests - calm.requests;
    assert!(retries > 0 && retries <= 5 * busy(&storm));
    assert!(storm.accepted >= calm.accepted);
}

#[test]
fn long_bursts_and_late_retries_never_send_back_in_time() {
    let settings = FleetSettings {
        instances: 60,
        days: 3,
        mix: plain_mysql(),
        ..FleetSettings::default()
    };
    let mut params = ClientParams {
        burst: BurstParams {
            window: DailyWindow::from_hour(20, 240),
            requests: 200,
            spacing_seconds: 600,
        },
        ..ClientParams::default()
    };
    params.retrying.retry = busy_retry(3, 86_400);
    params.retrying.requests_per_day = 30;
    for kind in [ClientKind::Burst, ClientKind::Retrying] {
        let report = run_with(&settings, &only(kind, params));
        assert!(report.requests > 0);
        assert!(
            !report.rejected.contains_key("Sim.TimeWentBackwards"),
            "{kind:?}: {:?}",
            report.rejected
        );
    }
    params.retrying.requests_per_day = 0;
    let silent = run_with(&settings, &only(ClientKind::Retrying, params));
    assert_eq!(silent.requests, 0);
}

/// Forgetting runs a week at a time: nothing goes until the oldest set is a week past the
/// retention, then every set past the retention goes at once, and the instant returned is
/// the first at which the check can find anything again (the runner skips it before).
#[test]
fn sets_are_forgotten_a_week_past_the_retention_at_once() {
    use super::runner::forget_counted;
    use crate::time::MILLIS_PER_DAY;
    use crate::{CreateBackupRequest, InstanceId, InstanceSpec, Simulation};
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
    let day =
        |d: i64, minutes: i64| start.saturating_add_millis(d * MILLIS_PER_DAY + minutes * 60_000);
    let mut sim = Simulation::new(Default::default(), start);
    let spec = InstanceSpec::new(InstanceId::new("rm-1").unwrap(), Engine::MySql);
    sim.create_instance(spec, start).unwrap();
    // One 600-second backup a day from midnight, each day's ended by 01:00.
    let back_up_until = |sim: &mut Simulation, days: std::ops::Range<i64>| {
        for d in days.clone() {
            let request = CreateBackupRequest::for_instance("rm-1");
            sim.create_backup(&request, day(d, 0)).unwrap();
        }
        sim.advance_to(day(days.end - 1, 60)).unwrap();
        sim.settle_all();
    };
    let mut tally = Tally::new(30);
    // Forgets at `now` with a retention of `retain_days`; the sets kept, the sets counted
    // so far and the instant returned.
    let mut forget = |sim: &mut Simulation, now: Timestamp, retain_days: i64| {
        let retain = retain_days * MILLIS_PER_DAY;
        let due = forget_counted(sim, "rm-1", Engine::MySql, now, retain, &mut tally);
        let kept = sim.instance("rm-1").unwrap().history().len();
        (
            kept,
            tally.sets.iter().flatten().flatten().sum::<u64>(),
            due,
        )
    };
    let after = |at: Timestamp| at.saturating_add_millis(1);
    back_up_until(&mut sim, 0..14);
    // Day 13: the oldest set (day 0, ended at 00:10) is 6 days past the retention.
    assert_eq!(
        forget(&mut sim, day(13, 60), 7),
        (14, 0, after(day(14, 10)))
    );
    // One millisecond before the instant returned, still nothing goes.
    assert_eq!(
        forget(&mut sim, day(14, 10), 7),
        (14, 0, after(day(14, 10)))
    );
    back_up_until(&mut sim, 14..20);
    // Day 19: a week and more past it; the 13 sets that ended before day 12, 01:00 go.
    assert_eq!(
        forget(&mut sim, day(19, 60), 7),
        (7, 13, after(day(27, 10)))
    );
    // Counts only (retention 0): checked again the next day while fewer than 16 sets are
    // kept; at 16, all but the last go, and the next day's check comes.
    assert_eq!(forget(&mut sim, day(19, 60), 0), (7, 13, day(19, 60)));
    back_up_until(&mut sim, 20..29);
    assert_eq!(forget(&mut sim, day(28, 60), 0), (1, 28, day(28, 60)));
}

/// What an instance keeps over a long run: the sets of the retention at least, and of the
/// retention plus a week and a day at most (the runner checks once a day).
#[test]
fn an_instance_keeps_between_the_retention_and_a_week_more_of_sets() {
    use super::runner::run_instance_in;
    use crate::time::MILLIS_PER_DAY;
    let settings = FleetSettings {
        instances: 1,
        days: 60,
        failure_per_mille: 0,
        mix: plain_mysql(),
        ..FleetSettings::default()
    };
    let clients = only(ClientKind::Burst, ClientParams::default());
    let mut sim = crate::Simulation::default();
    let mut tally = Tally::new(settings.days);
    run_instance_in(&mut sim, &settings, &clients, 0, &mut tally);
    let (_, instance) = sim.instances().iter().next().unwrap();
    let history = instance.history();
    let (oldest, newest) = (
        history.first().unwrap().ended,
        history.last().unwrap().ended,
    );
    let span = newest.as_millis() - oldest.as_millis();
    let retain = i64::from(settings.retain_days) * MILLIS_PER_DAY;
    assert!(span >= retain, "{span} ms kept");
    assert!(span <= retain + 8 * MILLIS_PER_DAY, "{span} ms kept");
}

/// A built-in client hands the runner the kind of client it holds (so the loop is
/// compiled per kind); any other client hands over itself.
#[test]
fn a_client_is_driven_as_the_kind_it_holds() {
    struct TypeName;
    impl Driver for TypeName {
        type Output = &'static str;
        fn drive<W: Workload>(self, _: &mut W) -> &'static str {
            std::any::type_name::<W>()
                .rsplit("::")
                .next()
                .unwrap_or_default()
        }
    }
    let mut sim = crate::Simulation::default();
    let now = sim.clock();
    let spec = crate::InstanceSpec::new(crate::InstanceId::new("rm-1").unwrap(), Engine::MySql);
    sim.create_instance(spec, now).unwrap();
    let instance = sim.instance("rm-1").unwrap();
    let context = ClientContext {
        index: 0,
        seed: 7,
        start: now,
        end: now.saturating_add_millis(MILLIS_PER_SECOND),
    };
    let kinds = [
        (ClientKind::Nightly, "NightlyScheduler"),
        (ClientKind::Retrying, "RetryingClient"),
        (ClientKind::Burst, "BurstClient"),
        (ClientKind::Malformed, "MalformedClient"),
    ];
    for (kind, name) in kinds {
        let mut client = only(kind, ClientParams::default()).client(instance, &context);
        assert_eq!(client.drive(TypeName), name, "{kind:?}");
    }
    let mut own = Steady {
        next: now,
        left: 1,
        spacing: 1,
    };
    assert_eq!(own.drive(TypeName), "Steady");
}
