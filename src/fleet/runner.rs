//! The runner: steps each instance through the whole run on its own, then the next.
//!
//! Instances are independent (only id counters are shared, and a fleet compares counts,
//! not ids), so each instance gets its own [`Simulation`] for the run: its requests are
//! applied in time order through [`Simulation::create_backup`] (the rules used by
//! `replay` and the emulator: there is no other copy), its jobs end lazily when it is
//! next touched, and its memory is freed before the next instance starts. There is no
//! global event queue, memory does not grow with the number of instances, and the
//! counts are the same for every split of the instances into threads or shards.

use std::ops::Range;

use crate::error::ErrorCode;
use crate::error::WireError;
use crate::faults::RequestFault;
use crate::ids::BackupJobId;
use crate::ops::create_backup::CreateBackupError;
use crate::policy::RetentionDays;
use crate::settings::Settings;
use crate::simulation::{Simulation, DEFAULT_START};
use crate::time::{Timestamp, MILLIS_PER_DAY};

use super::faults::{DrawnFault, FaultRates};
use super::mix::FleetMix;
#[cfg(feature = "parallel")]
use super::report::FleetReport;
use super::report::Tally;
use super::rng::{FleetRng, Stream};
use super::workload::{ClientContext, ClientMix, Driver, Workload};

/// The most requests one client may send in one simulated day; a client that sends more
/// is stopped (and counted in [`FleetReport::clients_stopped`]), so a runaway
/// [`Workload`] cannot hang the run.
pub const MAX_REQUESTS_PER_INSTANCE_DAY: u32 = 10_000;

/// Sets kept when `retain_days` is 0, before the counted ones are forgotten.
const COUNTS_ONLY_KEEP: usize = 16;

/// The sets an instance's history has room for from its start: a burst client's (24 a
/// day) for the default retention and the week before they are forgotten.
const RESERVED_SETS: usize = 512;

/// How far past the retention the oldest set may be before the sets past it are counted
/// and forgotten: a week's in one pass instead of a day's in each of seven. Forgetting
/// moves the kept sets to the front of the history, so daily passes cost a tenth of a
/// fleet run's time (docs/performance.md); the counts do not depend on when a set is
/// counted.
const FORGET_BATCH_MILLIS: i64 = 7 * MILLIS_PER_DAY;

/// What a fleet run simulates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetSettings {
    /// How many instances (indices `0..instances`).
    pub instances: u64,
    /// How many simulated days.
    pub days: u32,
    /// The seed of the instance mix, the clients, the injected failures and the
    /// simulation's request ids and backup sizes.
    pub seed: u64,
    /// The first instant (default 2026-01-01T00:00:00Z, a Thursday).
    pub start: Timestamp,
    /// How many days ended sets are kept before they are counted and forgotten; 0 keeps
    /// counts only (and the few latest sets). Default 7.
    pub retain_days: u32,
    /// Per mille of accepted manual jobs made to fail halfway (T-3). Default 20.
    pub failure_per_mille: u32,
    /// Per-request fault rates (throttling, 503, lost answers). Default none.
    pub faults: FaultRates,
    /// The instance mix.
    pub mix: FleetMix,
    /// The rules' settings (quota limit and window, default duration); the seed is
    /// replaced by [`FleetSettings::seed`].
    pub simulation: Settings,
}

impl Default for FleetSettings {
    fn default() -> Self {
        FleetSettings {
            instances: 10_000,
            days: 7,
            seed: 0,
            start: DEFAULT_START,
            retain_days: 7,
            failure_per_mille: 20,
            faults: FaultRates::NONE,
            mix: FleetMix::default(),
            simulation: Settings::default(),
        }
    }
}

impl FleetSettings {
    /// The end of the run (exclusive).
    pub fn end(&self) -> Timestamp {
        self.start
            .saturating_add_millis(i64::from(self.days).saturating_mul(MILLIS_PER_DAY))
    }

    /// The day number of `at` (0 for the first day; earlier instants count as day 0).
    pub fn day_of(&self, at: Timestamp) -> usize {
        ((at.as_millis() - self.start.as_millis()).max(0) / MILLIS_PER_DAY) as usize
    }
}

/// The instances of shard `shard` of `of`: a contiguous range, the shards in order
/// covering `0..instances` exactly once. `None` unless `shard < of`.
pub fn shard_range(instances: u64, shard: u64, of: u64) -> Option<Range<u64>> {
    if shard >= of {
        return None;
    }
    let bound = |i: u64| ((u128::from(instances) * u128::from(i)) / u128::from(of)) as u64;
    Some(bound(shard)..bound(shard + 1))
}

/// Runs the instances `range` on `threads` threads (at least 1) of a `rayon` pool, each a
/// contiguous part of the range, and sums their counts (the same counts for every thread
/// count). `progress` is called now and then with the number of instances finished since
/// its last call. Behind the cargo feature `parallel`: the core starts no thread otherwise.
#[cfg(feature = "parallel")]
pub fn run_fleet<M: ClientMix>(
    settings: &FleetSettings,
    clients: &M,
    range: Range<u64>,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> FleetReport {
    use rayon::prelude::*;

    let threads = threads.max(1);
    let len = range.end.saturating_sub(range.start);
    let parts: Vec<Range<u64>> = (0..threads as u64)
        .filter_map(|t| shard_range(len, t, threads as u64))
        .map(|r| range.start + r.start..range.start + r.end)
        .collect();
    let run = || -> Vec<Tally> {
        parts
            .into_par_iter()
            .map(|part| run_range(settings, clients, part, progress))
            .collect()
    };
    // A pool of exactly `threads` workers; should the system refuse one, the global pool
    // runs the same parts (the counts do not depend on the threads).
    let tallies = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    let mut total = Tally::new(settings.days);
    for tally in &tallies {
        total.merge(tally);
    }
    total.report()
}

/// Runs the instances `range` one after the other on this thread.
pub fn run_range<M: ClientMix>(
    settings: &FleetSettings,
    clients: &M,
    range: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Tally {
    let mut tally = Tally::new(settings.days);
    let mut unreported = 0;
    let mut sim = Simulation::default();
    for index in range {
        run_instance_in(&mut sim, settings, clients, index, &mut tally);
        unreported += 1;
        if unreported == 1024 {
            progress(unreported);
            unreported = 0;
        }
    }
    if unreported > 0 {
        progress(unreported);
    }
    tally
}

/// Runs instance `index` through the whole run, adding its counts to `tally`.
pub fn run_instance<M: ClientMix>(
    settings: &FleetSettings,
    clients: &M,
    index: u64,
    tally: &mut Tally,
) {
    run_instance_in(&mut Simulation::default(), settings, clients, index, tally);
}

/// [`run_instance`] in `sim`, which is first made a fresh simulation of this instance
/// alone (its memory is reused from instance to instance).
pub(super) fn run_instance_in<M: ClientMix>(
    sim: &mut Simulation,
    settings: &FleetSettings,
    clients: &M,
    index: u64,
    tally: &mut Tally,
) {
    tally.instances += 1;
    let Some((id, engine)) = start_instance(sim, settings, index) else {
        tally.invalid_instances += 1;
        return;
    };
    let id = id.as_str();
    let end = settings.end();
    let context = ClientContext {
        index,
        seed: FleetRng::for_instance(settings.seed, index, Stream::Client).next_u64(),
        start: settings.start,
        end,
    };
    let Some(instance) = sim.instance(id) else {
        return;
    };
    let mut client = clients.client(instance, &context);
    client.drive(InstanceRun {
        sim,
        settings,
        tally,
        id,
        engine,
        index,
        end,
    });
}

/// One instance's run through its client: [`Workload::drive`] hands the client over as
/// its own type (a built-in client as the variant it is), so that the loop is compiled
/// for each kind of client and does not dispatch twice per request.
struct InstanceRun<'a> {
    sim: &'a mut Simulation,
    settings: &'a FleetSettings,
    tally: &'a mut Tally,
    id: &'a str,
    engine: crate::vocab::Engine,
    index: u64,
    end: Timestamp,
}

impl Driver for InstanceRun<'_> {
    type Output = ();

    fn drive<W: Workload>(self, client: &mut W) {
        let (sim, settings, tally) = (self.sim, self.settings, self.tally);
        let (id, engine, index, end) = (self.id, self.engine, self.index, self.end);
        let mut failures = FleetRng::for_instance(settings.seed, index, Stream::Failures);
        let mut pending_failure: Option<Timestamp> = None;
        let mut faults = FleetRng::for_instance(settings.seed, index, Stream::Faults);
        let mut limit_day = usize::MAX;
        let (mut day, mut sent_today) = (0usize, 0u32);
        let retain = i64::from(settings.retain_days) * MILLIS_PER_DAY;
        let mut days = DayCache::new(settings.start);
        let mut forget_at = Timestamp::MIN;
        loop {
            // Borrowed where the client wrote it: moving it out of the `Option` would copy
            // the whole request once more per decision.
            let next = client.next_request();
            let Some(request) = next.as_ref().filter(|r| r.at < end) else {
                break;
            };
            if let Some(at) = pending_failure.filter(|at| *at <= request.at) {
                // The job is active until its end, which is later than `at`.
                let _ = sim.fail_backup_job(id, at);
                pending_failure = None;
            }
            let request_day = days.day_of(settings, request.at);
            if request_day != day {
                if request.at >= forget_at {
                    forget_at = forget_counted(sim, id, engine, request.at, retain, tally);
                }
                (day, sent_today) = (request_day, 0);
            }
            sent_today += 1;
            if sent_today > MAX_REQUESTS_PER_INSTANCE_DAY {
                tally.clients_stopped += 1;
                break;
            }
            let fault = if settings.faults.is_none() {
                None
            } else {
                settings.faults.draw(&mut faults)
            };
            if let Some(DrawnFault::Before(fault)) = fault {
                tally.reject(request_day, fault.error_code(), false);
                client.on_answer(request, &Err(CreateBackupError::Injected(fault)));
                continue;
            }
            let mut outcome = sim.create_backup(&request.as_request(id), request.at);
            count(tally, request_day, &outcome, &mut limit_day);
            if outcome.is_ok() && failures.chance(settings.failure_per_mille) {
                pending_failure = halfway_through_active_job(sim, id);
            }
            if fault == Some(DrawnFault::LostAnswer) {
                tally.lose_answer(request_day);
                outcome = Err(CreateBackupError::Injected(RequestFault::InternalError));
            }
            client.on_answer(request, &outcome);
        }
        finish_instance(sim, id, engine, end, pending_failure, tally);
    }
}

/// Counts one decision on `day`; a quota refusal is the day's first when `limit_day` is
/// another day (it becomes this one).
fn count(
    tally: &mut Tally,
    day: usize,
    outcome: &Result<BackupJobId, CreateBackupError>,
    limit_day: &mut usize,
) {
    match outcome {
        Ok(_) => tally.accept(day),
        Err(error) => {
            let code = error.error_code();
            let first = code == ErrorCode::ExceededBackupTimes && *limit_day != day;
            if first {
                *limit_day = day;
            }
            tally.reject(day, code, first);
        }
    }
}

/// Makes `sim` a fresh simulation holding instance `index` alone; its id and engine, or
/// `None` when the mix describes an instance the simulator refuses.
fn start_instance(
    sim: &mut Simulation,
    settings: &FleetSettings,
    index: u64,
) -> Option<(crate::ids::InstanceId, crate::vocab::Engine)> {
    let mut spec = settings.mix.spec(settings.seed, index);
    // The report counts every set that ended; it counts them as it forgets them (about a
    // day after `retain_days`), so T-6 must not remove automatic sets first: the longest
    // retention keeps them for 730 days.
    spec.retention = RetentionDays::LONGEST;
    let (id, engine) = (spec.id.clone(), spec.engine);
    sim.reset(
        Settings {
            seed: settings.seed,
            ..settings.simulation.clone()
        },
        settings.start,
    );
    sim.create_instance(spec, settings.start).ok()?;
    // Room for the sets kept between forgettings at once: grown one doubling at a time,
    // the history was reallocated up to nine times per instance, 6% of a run's time.
    let room = if settings.retain_days == 0 {
        COUNTS_ONLY_KEEP
    } else {
        RESERVED_SETS
    };
    if let Some(instance) = sim.instances.get_mut(id.as_str()) {
        instance.backup.get_mut().reserve_records(room);
    }
    Some((id, engine))
}

/// When the active job of `id` is half done (the runner fails it then).
fn halfway_through_active_job(sim: &Simulation, id: &str) -> Option<Timestamp> {
    let job = sim.instance(id)?.active_job()?;
    Some(
        job.started
            .saturating_add_millis(i64::from(job.duration_seconds) * 500),
    )
}

/// The end of an instance's run: a failure still pending, the clock to `end`, and the
/// sets and active job left counted.
fn finish_instance(
    sim: &mut Simulation,
    id: &str,
    engine: crate::vocab::Engine,
    end: Timestamp,
    pending_failure: Option<Timestamp>,
    tally: &mut Tally,
) {
    if let Some(at) = pending_failure.filter(|at| *at < end) {
        let _ = sim.fail_backup_job(id, at);
    }
    if sim.advance_to(end).is_ok() {
        sim.settle_all();
    }
    if let Some(instance) = sim.instance(id) {
        for record in instance.backup.get().records() {
            tally.set(engine, record);
        }
        if instance.active_job().is_some() {
            tally.active_at_end += 1;
        }
    }
}

/// The day of the last request and its bounds: most requests fall on the same day as the
/// one before, so the division of `FleetSettings::day_of` runs about once a day.
struct DayCache {
    start: Timestamp,
    day: usize,
    from: Timestamp,
    to: Timestamp,
}

impl DayCache {
    fn new(start: Timestamp) -> DayCache {
        DayCache {
            start,
            day: 0,
            from: Timestamp::MAX,
            to: Timestamp::MIN,
        }
    }

    #[inline]
    fn day_of(&mut self, settings: &FleetSettings, at: Timestamp) -> usize {
        if self.from <= at && at < self.to {
            return self.day;
        }
        self.day = settings.day_of(at);
        let from = self
            .start
            .saturating_add_millis(self.day as i64 * MILLIS_PER_DAY);
        // Instants before the start count as day 0 but lie outside its bounds, so they are
        // recomputed each time.
        (self.from, self.to) = (from, from.saturating_add_millis(MILLIS_PER_DAY));
        self.day
    }
}

/// Counts and forgets the sets that ended more than the retention before `now`, once
/// the oldest is [`FORGET_BATCH_MILLIS`] older than that (so this forgets about once a
/// week per instance); with a retention of 0, once more than a few sets are kept.
/// Returns the first instant at which it can have anything to do again: the oldest set
/// kept can only be followed by newer ones, and a set removed otherwise (T-6) only makes
/// the oldest newer, so before that instant the check would find nothing.
pub(super) fn forget_counted(
    sim: &mut Simulation,
    id: &str,
    engine: crate::vocab::Engine,
    now: Timestamp,
    retain: i64,
    tally: &mut Tally,
) -> Timestamp {
    let Some(state) = sim.instance(id).map(|i| i.backup.get()) else {
        return now;
    };
    let cutoff = if retain == 0 {
        if state.records().len() < COUNTS_ONLY_KEEP {
            return now;
        }
        Timestamp::MAX
    } else {
        let cutoff = now.saturating_add_millis(-retain);
        match state.oldest_ended() {
            Some(first) if first < cutoff.saturating_add_millis(-FORGET_BATCH_MILLIS) => cutoff,
            Some(first) => return forget_due(first, retain),
            None => return now,
        }
    };
    sim.forget_records_before(id, cutoff, |record| tally.set(engine, record));
    match sim.instance(id).and_then(|i| i.backup.get().oldest_ended()) {
        Some(first) if retain > 0 => forget_due(first, retain),
        _ => now,
    }
}

/// The first instant at which a set that ended at `oldest` is [`FORGET_BATCH_MILLIS`]
/// past a retention of `retain` milliseconds.
fn forget_due(oldest: Timestamp, retain: i64) -> Timestamp {
    oldest.saturating_add_millis(retain + FORGET_BATCH_MILLIS + 1)
}
