//! The built-in clients (`docs/simulate.md`, "The clients") and the default mix of them.
//!
//! Each is a small state machine over simulated days; every random choice comes from the
//! client's own seed ([`ClientContext::seed`]).

use crate::instance::Instance;
use crate::time::{Timestamp, MILLIS_PER_DAY, MILLIS_PER_MINUTE, MILLIS_PER_SECOND};
use crate::vocab::{BackupMethod, Engine};

use super::params::{self, BurstParams, ClientParams, NightlyParams, RetryPolicy, RetryingParams};
use super::rng::FleetRng;
use super::runner::MAX_REQUESTS_PER_INSTANCE_DAY;
use super::workload::{
    ClientContext, ClientMix, Driver, Outcome, PlannedRequest, Target, Workload,
};

fn day_start(context: &ClientContext, day: u64) -> Timestamp {
    params::day_start(context.start, day)
}

fn minutes(n: u64) -> i64 {
    (n as i64) * MILLIS_PER_MINUTE
}

/// A nightly scheduler: one request a day at its own minute of
/// [`NightlyParams::window`] (default 01:00 to 05:00 UTC), with `BackupMethod=Snapshot`
/// on cloud disks and `Physical` on `local_ssd` (a rule of thumb that MariaDB refuses:
/// CB-11). By default it never retries ([`NightlyParams::retry`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NightlyScheduler {
    /// Tonight's scheduled request.
    tonight: Timestamp,
    /// The next send: tonight's request or a retry of it.
    next: Timestamp,
    /// Retries of tonight's request so far.
    retried: u8,
    retry: RetryPolicy,
    method: &'static str,
}

impl NightlyScheduler {
    /// The scheduler of `instance`.
    pub fn new(
        instance: &Instance,
        context: &ClientContext,
        params: &NightlyParams,
    ) -> NightlyScheduler {
        let mut rng = FleetRng::new(context.seed);
        let tonight = params.window.at(
            day_start(context, 0),
            rng.below(u64::from(params.window.minutes)),
        );
        let method = if instance.storage().is_cloud_disk() {
            BackupMethod::Snapshot
        } else {
            BackupMethod::Physical
        };
        NightlyScheduler {
            tonight,
            next: tonight,
            retried: 0,
            retry: params.retry,
            method: method.as_str(),
        }
    }
}

impl Workload for NightlyScheduler {
    #[inline(always)]
    fn next_request(&mut self) -> Option<PlannedRequest> {
        Some(PlannedRequest::at(self.next).with_method(self.method))
    }

    #[inline(always)]
    fn on_answer(&mut self, request: &PlannedRequest, outcome: &Outcome) {
        let tomorrow = self.tonight.saturating_add_millis(MILLIS_PER_DAY);
        match self.retry.again(request.at, self.retried, outcome) {
            Some(again) if again < tomorrow => {
                self.next = again;
                self.retried += 1;
            }
            _ => {
                (self.tonight, self.next, self.retried) = (tomorrow, tomorrow, 0);
            }
        }
    }
}

/// A deploy hook: [`RetryingParams::requests_per_day`] requests a day (default 2) at
/// random minutes of [`RetryingParams::window`] (default 09:00 to 11:00 UTC), with no
/// `BackupMethod` (so `Physical`, which MySQL on cloud disks refuses: CB-11); it retries
/// as [`RetryingParams::retry`] says (default: on `BackupJobExists`, after 300 s, at most
/// 3 times per request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryingClient {
    rng: FleetRng,
    day: u64,
    context: ClientContext,
    params: RetryingParams,
    /// Pending sends of the current day and how often each was retried, latest first.
    queue: Vec<(Timestamp, u8)>,
    /// Retries of the request last sent.
    sent_retries: u8,
    /// When the request last sent was sent.
    last_sent: Timestamp,
}

impl RetryingClient {
    /// The client of an instance.
    pub fn new(_: &Instance, context: &ClientContext, params: &RetryingParams) -> RetryingClient {
        let per_day = params.requests_per_day.min(MAX_REQUESTS_PER_INSTANCE_DAY);
        let mut client = RetryingClient {
            rng: FleetRng::new(context.seed),
            day: 0,
            context: *context,
            params: RetryingParams {
                requests_per_day: per_day,
                ..*params
            },
            queue: Vec::with_capacity(per_day as usize + 2),
            sent_retries: 0,
            last_sent: context.start,
        };
        client.plan_day();
        client
    }

    fn plan_day(&mut self) {
        let day = day_start(&self.context, self.day);
        let window = self.params.window;
        for _ in 0..self.params.requests_per_day {
            let at = window.at(day, self.rng.below(u64::from(window.minutes)));
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
    #[inline(always)]
    fn next_request(&mut self) -> Option<PlannedRequest> {
        if self.queue.is_empty() {
            if self.params.requests_per_day == 0 {
                return None;
            }
            self.day += 1;
            self.plan_day();
        }
        let (at, retries) = self.queue.pop()?;
        self.sent_retries = retries;
        // A retry that fell into the next day's window must not send that day's requests
        // back in time.
        self.last_sent = at.max(self.last_sent);
        Some(PlannedRequest::at(self.last_sent))
    }

    #[inline(always)]
    fn on_answer(&mut self, request: &PlannedRequest, outcome: &Outcome) {
        let retry = self.params.retry;
        if let Some(again) = retry.again(request.at, self.sent_retries, outcome) {
            self.queue.push((again, self.sent_retries + 1));
            self.sort();
        }
    }
}

/// A runaway export job: every day, from a random minute of [`BurstParams::window`]
/// (default 00:00 to 08:00 UTC), [`BurstParams::requests`] requests (default 24)
/// [`BurstParams::spacing_seconds`] apart (default 610 s, just longer than a default
/// job), with the method the instance supports. Past 20 accepted in the day it runs into
/// `Exceeded.BackupTimes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurstClient {
    rng: FleetRng,
    context: ClientContext,
    params: BurstParams,
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
    pub fn new(instance: &Instance, context: &ClientContext, params: &BurstParams) -> BurstClient {
        let mut client = BurstClient {
            rng: FleetRng::new(context.seed),
            context: *context,
            params: *params,
            day: 0,
            sent_today: 0,
            next: context.start,
            method: supported_method(instance),
        };
        client.next = client.burst_start();
        client
    }

    fn burst_start(&mut self) -> Timestamp {
        let window = self.params.window;
        window.at(
            day_start(&self.context, self.day),
            self.rng.below(u64::from(window.minutes)),
        )
    }
}

impl Workload for BurstClient {
    #[inline(always)]
    fn next_request(&mut self) -> Option<PlannedRequest> {
        Some(PlannedRequest::at(self.next).with_method(self.method))
    }

    #[inline(always)]
    fn on_answer(&mut self, _: &PlannedRequest, _: &Outcome) {
        self.sent_today += 1;
        if self.sent_today < u64::from(self.params.requests) {
            let spacing = i64::from(self.params.spacing_seconds) * MILLIS_PER_SECOND;
            self.next = self.next.saturating_add_millis(spacing);
        } else {
            self.day += 1;
            self.sent_today = 0;
            // A burst longer than a day must not send the next one back in time.
            self.next = self.burst_start().max(self.next);
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
        backup_method: Some("physical"),
        ..base()
    }),
    ("CB-3: BackupType=Incremental", || PlannedRequest {
        backup_type: Some("Incremental"),
        ..base()
    }),
    ("CB-4: BackupStrategy=database", || PlannedRequest {
        backup_strategy: Some("database"),
        ..base()
    }),
    ("CB-5: DBName=Sales-EU", || PlannedRequest {
        db_name: Some("Sales-EU"),
        ..base()
    }),
    ("CB-6: DBInstanceId=rm-typo", || PlannedRequest {
        target: Target::Other("rm-typo"),
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
    #[inline(always)]
    fn next_request(&mut self) -> Option<PlannedRequest> {
        if self.queue.iter().all(Option::is_none) {
            self.day += 1;
            self.plan_day();
        }
        let at = self.queue[1].take().or_else(|| self.queue[0].take())?;
        let (_, make) = MALFORMED[self.rng.below(MALFORMED.len() as u64) as usize];
        Some(PlannedRequest { at, ..make() })
    }

    #[inline(always)]
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
    #[inline(always)]
    fn drive<D: Driver>(&mut self, driver: D) -> D::Output {
        match self {
            BuiltinClient::Nightly(c) => driver.drive(c),
            BuiltinClient::Retrying(c) => driver.drive(c),
            BuiltinClient::Burst(c) => driver.drive(c),
            BuiltinClient::Malformed(c) => driver.drive(c),
        }
    }

    #[inline(always)]
    fn next_request(&mut self) -> Option<PlannedRequest> {
        match self {
            BuiltinClient::Nightly(c) => c.next_request(),
            BuiltinClient::Retrying(c) => c.next_request(),
            BuiltinClient::Burst(c) => c.next_request(),
            BuiltinClient::Malformed(c) => c.next_request(),
        }
    }

    #[inline(always)]
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

/// The mix of built-in clients: each instance gets one, drawn with these weights
/// (default: nightly 60, retrying 20, burst 12, malformed 8), with these parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultClients {
    /// `(kind, weight)`.
    pub weights: Vec<(ClientKind, u32)>,
    /// The clients' parameters.
    pub params: ClientParams,
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
            params: ClientParams::default(),
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
            ClientKind::Nightly => BuiltinClient::Nightly(NightlyScheduler::new(
                instance,
                context,
                &self.params.nightly,
            )),
            ClientKind::Retrying => BuiltinClient::Retrying(RetryingClient::new(
                instance,
                context,
                &self.params.retrying,
            )),
            ClientKind::Burst => {
                BuiltinClient::Burst(BurstClient::new(instance, context, &self.params.burst))
            }
            ClientKind::Malformed => {
                BuiltinClient::Malformed(MalformedClient::new(instance, context))
            }
        }
    }
}
