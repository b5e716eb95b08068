//! The built-in clients (`docs/simulate.md`, "The clients") and the default mix of them.
//!
//! Each is a small state machine over simulated days; every random choice comes from the
//! client's own seed ([`ClientContext::seed`]).

use std::borrow::Cow;

use crate::error::{ErrorCode, WireError};
use crate::instance::Instance;
use crate::time::{Timestamp, MILLIS_PER_DAY, MILLIS_PER_MINUTE, MILLIS_PER_SECOND};
use crate::vocab::{BackupMethod, Engine};

use super::rng::FleetRng;
use super::workload::{ClientContext, ClientMix, Outcome, PlannedRequest, Target, Workload};

fn day_start(context: &ClientContext, day: u64) -> Timestamp {
    context
        .start
        .saturating_add_millis((day as i64).saturating_mul(MILLIS_PER_DAY))
}

fn minutes(n: u64) -> i64 {
    (n as i64) * MILLIS_PER_MINUTE
}

/// A nightly scheduler: one request a day at its own minute between 01:00 and 05:00 UTC,
/// with `BackupMethod=Snapshot` on cloud disks and `Physical` on `local_ssd` (a rule of
/// thumb that MariaDB refuses: CB-11). It never retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NightlyScheduler {
    next: Timestamp,
    method: &'static str,
}

impl NightlyScheduler {
    /// The scheduler of `instance`.
    pub fn new(instance: &Instance, context: &ClientContext) -> NightlyScheduler {
        let mut rng = FleetRng::new(context.seed);
        let minute = 60 + rng.below(240);
        let method = if instance.storage().is_cloud_disk() {
            BackupMethod::Snapshot
        } else {
            BackupMethod::Physical
        };
        NightlyScheduler {
            next: day_start(context, 0).saturating_add_millis(minutes(minute)),
            method: method.as_str(),
        }
    }
}

impl Workload for NightlyScheduler {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        Some(PlannedRequest::at(self.next).with_method(self.method))
    }

    fn on_answer(&mut self, _: &PlannedRequest, _: &Outcome) {
        self.next = self.next.saturating_add_millis(MILLIS_PER_DAY);
    }
}

/// The delay before [`RetryingClient`] tries again after `BackupJobExists`.
pub const RETRY_DELAY_SECONDS: i64 = 300;
/// How often [`RetryingClient`] retries one request.
pub const MAX_RETRIES: u8 = 3;

/// A deploy hook: two requests a day at random minutes between 09:00 and 11:00 UTC, with
/// no `BackupMethod` (so `Physical`, which MySQL on cloud disks refuses: CB-11); on
/// `BackupJobExists` it retries after [`RETRY_DELAY_SECONDS`], at most [`MAX_RETRIES`]
/// times per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryingClient {
    rng: FleetRng,
    day: u64,
    context: ClientContext,
    /// Pending sends of the current day and how often each was retried, latest first.
    queue: Vec<(Timestamp, u8)>,
    /// Retries of the request last sent.
    sent_retries: u8,
}

impl RetryingClient {
    /// The client of an instance.
    pub fn new(_: &Instance, context: &ClientContext) -> RetryingClient {
        let mut client = RetryingClient {
            rng: FleetRng::new(context.seed),
            day: 0,
            context: *context,
            queue: Vec::with_capacity(4),
            sent_retries: 0,
        };
        client.plan_day();
        client
    }

    fn plan_day(&mut self) {
        let base = day_start(&self.context, self.day).saturating_add_millis(minutes(9 * 60));
        for _ in 0..2 {
            let at = base.saturating_add_millis(minutes(self.rng.below(120)));
            self.queue.push((at, 0));
        }
        self.sort();
    }

    fn sort(&mut self) {
        self.queue
            .sort_unstable_by_key(|entry| std::cmp::Reverse(entry.0));
    }
}

impl Workload for RetryingClient {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        if self.queue.is_empty() {
            self.day += 1;
            self.plan_day();
        }
        let (at, retries) = self.queue.pop()?;
        self.sent_retries = retries;
        Some(PlannedRequest::at(at))
    }

    fn on_answer(&mut self, request: &PlannedRequest, outcome: &Outcome) {
        let exists = matches!(outcome, Err(e) if e.error_code() == ErrorCode::BackupJobExists);
        if exists && self.sent_retries < MAX_RETRIES {
            let again = request
                .at
                .saturating_add_millis(RETRY_DELAY_SECONDS * MILLIS_PER_SECOND);
            self.queue.push((again, self.sent_retries + 1));
            self.sort();
        }
    }
}

/// Requests in one burst of [`BurstClient`].
pub const BURST_REQUESTS: u64 = 24;
/// Seconds between two requests of a burst: just longer than a default job (600 s).
pub const BURST_SPACING_SECONDS: i64 = 610;

/// A runaway export job: every day, from a random minute between 00:00 and 08:00 UTC,
/// [`BURST_REQUESTS`] requests [`BURST_SPACING_SECONDS`] apart, with the method the
/// instance supports. Past 20 accepted in the day it runs into `Exceeded.BackupTimes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurstClient {
    rng: FleetRng,
    context: ClientContext,
    day: u64,
    sent_today: u64,
    next: Timestamp,
    method: &'static str,
}

/// The method `instance` supports for a manual backup: `Snapshot` on cloud disks for
/// MySQL and PostgreSQL, `Physical` otherwise (CB-11's table).
pub fn supported_method(instance: &Instance) -> &'static str {
    match instance.engine() {
        Engine::MySql | Engine::PostgreSql if instance.storage().is_cloud_disk() => {
            BackupMethod::Snapshot.as_str()
        }
        Engine::MySql | Engine::PostgreSql | Engine::SqlServer | Engine::MariaDb => {
            BackupMethod::Physical.as_str()
        }
    }
}

impl BurstClient {
    /// The client of `instance`.
    pub fn new(instance: &Instance, context: &ClientContext) -> BurstClient {
        let mut client = BurstClient {
            rng: FleetRng::new(context.seed),
            context: *context,
            day: 0,
            sent_today: 0,
            next: context.start,
            method: supported_method(instance),
        };
        client.next = client.burst_start();
        client
    }

    fn burst_start(&mut self) -> Timestamp {
        day_start(&self.context, self.day).saturating_add_millis(minutes(self.rng.below(480)))
    }
}

impl Workload for BurstClient {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        Some(PlannedRequest::at(self.next).with_method(self.method))
    }

    fn on_answer(&mut self, _: &PlannedRequest, _: &Outcome) {
        self.sent_today += 1;
        if self.sent_today < BURST_REQUESTS {
            self.next = self
                .next
                .saturating_add_millis(BURST_SPACING_SECONDS * MILLIS_PER_SECOND);
        } else {
            self.day += 1;
            self.sent_today = 0;
            self.next = self.burst_start();
        }
    }
}

/// A malformed request: the check that refuses it, and how to make it.
pub type MalformedCase = (&'static str, fn() -> PlannedRequest);

/// The malformed requests [`MalformedClient`] sends, each with the check that refuses it.
pub const MALFORMED: [MalformedCase; 6] = [
    ("CB-1: no DBInstanceId", || PlannedRequest {
        target: Target::Absent,
        ..base()
    }),
    ("CB-2: BackupMethod=physical", || PlannedRequest {
        backup_method: Some(Cow::Borrowed("physical")),
        ..base()
    }),
    ("CB-3: BackupType=Incremental", || PlannedRequest {
        backup_type: Some(Cow::Borrowed("Incremental")),
        ..base()
    }),
    ("CB-4: BackupStrategy=database", || PlannedRequest {
        backup_strategy: Some(Cow::Borrowed("database")),
        ..base()
    }),
    ("CB-5: DBName=Sales-EU", || PlannedRequest {
        db_name: Some(Cow::Borrowed("Sales-EU")),
        ..base()
    }),
    ("CB-6: DBInstanceId=rm-typo", || PlannedRequest {
        target: Target::Other(Cow::Borrowed("rm-typo")),
        ..base()
    }),
];

fn base() -> PlannedRequest {
    PlannedRequest::at(Timestamp::MIN)
}

/// A client with a bug: twice a day, at random minutes, one of [`MALFORMED`] at random.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedClient {
    rng: FleetRng,
    context: ClientContext,
    day: u64,
    /// The two send times of the current day, latest first.
    queue: [Option<Timestamp>; 2],
}

impl MalformedClient {
    /// The client of an instance.
    pub fn new(_: &Instance, context: &ClientContext) -> MalformedClient {
        let mut client = MalformedClient {
            rng: FleetRng::new(context.seed),
            context: *context,
            day: 0,
            queue: [None, None],
        };
        client.plan_day();
        client
    }

    fn plan_day(&mut self) {
        let start = day_start(&self.context, self.day);
        let a = self.rng.below(24 * 60);
        let b = self.rng.below(24 * 60);
        let (early, late) = (a.min(b), a.max(b));
        self.queue = [
            Some(start.saturating_add_millis(minutes(late))),
            Some(start.saturating_add_millis(minutes(early))),
        ];
    }
}

impl Workload for MalformedClient {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        if self.queue.iter().all(Option::is_none) {
            self.day += 1;
            self.plan_day();
        }
        let at = self.queue[1].take().or_else(|| self.queue[0].take())?;
        let (_, make) = MALFORMED[self.rng.below(MALFORMED.len() as u64) as usize];
        Some(PlannedRequest { at, ..make() })
    }

    fn on_answer(&mut self, _: &PlannedRequest, _: &Outcome) {}
}

/// One of the built-in clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuiltinClient {
    /// [`NightlyScheduler`].
    Nightly(NightlyScheduler),
    /// [`RetryingClient`].
    Retrying(RetryingClient),
    /// [`BurstClient`].
    Burst(BurstClient),
    /// [`MalformedClient`].
    Malformed(MalformedClient),
}

impl Workload for BuiltinClient {
    #[inline]
    fn next_request(&mut self) -> Option<PlannedRequest> {
        match self {
            BuiltinClient::Nightly(c) => c.next_request(),
            BuiltinClient::Retrying(c) => c.next_request(),
            BuiltinClient::Burst(c) => c.next_request(),
            BuiltinClient::Malformed(c) => c.next_request(),
        }
    }

    #[inline]
    fn on_answer(&mut self, request: &PlannedRequest, outcome: &Outcome) {
        match self {
            BuiltinClient::Nightly(c) => c.on_answer(request, outcome),
            BuiltinClient::Retrying(c) => c.on_answer(request, outcome),
            BuiltinClient::Burst(c) => c.on_answer(request, outcome),
            BuiltinClient::Malformed(c) => c.on_answer(request, outcome),
        }
    }
}

/// The kinds of built-in client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// [`NightlyScheduler`].
    Nightly,
    /// [`RetryingClient`].
    Retrying,
    /// [`BurstClient`].
    Burst,
    /// [`MalformedClient`].
    Malformed,
}

/// The default client mix: each instance gets one built-in client, drawn with these
/// weights (default: nightly 60, retrying 20, burst 12, malformed 8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultClients {
    /// `(kind, weight)`.
    pub weights: Vec<(ClientKind, u32)>,
}

impl Default for DefaultClients {
    fn default() -> Self {
        DefaultClients {
            weights: vec![
                (ClientKind::Nightly, 60),
                (ClientKind::Retrying, 20),
                (ClientKind::Burst, 12),
                (ClientKind::Malformed, 8),
            ],
        }
    }
}

impl DefaultClients {
    /// The kind of client the instance with this context gets.
    pub fn kind(&self, context: &ClientContext) -> ClientKind {
        // A stream apart from the one the client itself draws from.
        let mut rng = FleetRng::new(context.seed ^ 0x5EED_C11E_2700_0000);
        rng.pick_from(&self.weights).unwrap_or(ClientKind::Nightly)
    }
}

impl ClientMix for DefaultClients {
    type Client = BuiltinClient;

    fn client(&self, instance: &Instance, context: &ClientContext) -> BuiltinClient {
        match self.kind(context) {
            ClientKind::Nightly => BuiltinClient::Nightly(NightlyScheduler::new(instance, context)),
            ClientKind::Retrying => BuiltinClient::Retrying(RetryingClient::new(instance, context)),
            ClientKind::Burst => BuiltinClient::Burst(BurstClient::new(instance, context)),
            ClientKind::Malformed => {
                BuiltinClient::Malformed(MalformedClient::new(instance, context))
            }
        }
    }
}
