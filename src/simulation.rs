//! The simulation state and the machinery every transition shares: the clock (T-1), the
//! id counters, and settling an instance up to `now` (T-2, T-4, T-5).
//!
//! Instances are independent: only the id counters are shared. So the simulation does not
//! keep a global event queue; each instance is *settled* (its job ends and automatic
//! starts that fell due are applied, in time order, job ends first at equal times) when a
//! transition touches it. Advancing the clock alone is O(1), and the cost of settling is
//! proportional to the events that fell due. [`Simulation::settle_all`] settles every
//! instance, for callers that want to look at the whole state.

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

use compact_str::CompactString;

use crate::authz::Identity;
use crate::faults::{Faults, Subject};
use crate::ids::{BackupId, BackupJobId, FIRST_BACKUP_ID, FIRST_JOB_ID};
use crate::instance::{FullBackupMark, Instance};
use crate::job::{backup_size, leading, ActiveJob, JobRecord};
use crate::settings::Settings;
use crate::time::{MaybeTimestamp, Timestamp, MILLIS_PER_HOUR};
use crate::vocab::{BackupMethod, BackupMode, BackupType, Engine, SetStatus};

pub use crate::instances::InstanceMap;

/// The default start of a simulation, 2026-01-01T00:00:00Z.
pub const DEFAULT_START: Timestamp = Timestamp::clamped(1_767_225_600_000);

/// Rule T-1: a `now` earlier than the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("The time {now} is earlier than the simulation clock {clock}.")]
pub struct TimeWentBackwards {
    /// The clock.
    pub clock: Timestamp,
    /// The refused time.
    pub now: Timestamp,
}

/// The id counters: the next `BackupJobId` and `BackupId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdCounters {
    /// The next `BackupJobId`.
    pub next_job_id: u64,
    /// The next `BackupId`.
    pub next_backup_id: u64,
}

impl Default for IdCounters {
    fn default() -> Self {
        IdCounters {
            next_job_id: FIRST_JOB_ID,
            next_backup_id: FIRST_BACKUP_ID,
        }
    }
}

/// The whole simulation: settings, clock, instances with their jobs and sets, id counters.
///
/// Transitions are methods in `ops/` (one file per operation); each takes `now`, first
/// moves the clock there (refusing an earlier `now`, T-1), then checks everything, and
/// changes the domain state only when every check passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", from = "SimulationFields")]
pub struct Simulation {
    pub(crate) settings: Settings,
    pub(crate) clock: Timestamp,
    pub(crate) instances: InstanceMap,
    pub(crate) ids: IdCounters,
    /// Declared identities by `AccessKeyId` (ram.md).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) identities: IndexMap<CompactString, Identity, FxBuildHasher>,
    /// Injected faults (faults.md): declared, matched, counted and retired here.
    #[serde(default, skip_serializing_if = "Faults::is_pristine")]
    pub(crate) faults: Faults,
}

/// A simulation as its JSON holds it. Loading one counts every instance's quota summary
/// from its acceptance times under the loaded settings (`Simulation::recount_quotas`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SimulationFields {
    settings: Settings,
    clock: Timestamp,
    instances: InstanceMap,
    ids: IdCounters,
    #[serde(default)]
    identities: IndexMap<CompactString, Identity, FxBuildHasher>,
    #[serde(default)]
    faults: Faults,
}

impl From<SimulationFields> for Simulation {
    fn from(f: SimulationFields) -> Simulation {
        let mut sim = Simulation {
            settings: f.settings,
            clock: f.clock,
            instances: f.instances,
            ids: f.ids,
            identities: f.identities,
            faults: f.faults,
        };
        sim.recount_quotas();
        sim
    }
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation::new(Settings::default(), DEFAULT_START)
    }
}

impl Simulation {
    /// An empty simulation whose clock starts at `start`.
    pub fn new(settings: Settings, start: Timestamp) -> Simulation {
        Simulation {
            settings,
            clock: start,
            instances: InstanceMap::default(),
            ids: IdCounters::default(),
            identities: IndexMap::default(),
            faults: Faults::default(),
        }
    }

    /// counts every instance's quota summary again from its acceptance times, under
    /// the settings at the clock (after a change of the offset, and on load).
    pub(crate) fn recount_quotas(&mut self) {
        let (settings, clock) = (&self.settings, self.clock);
        for instance in self.instances.values_mut() {
            if let Some(state) = instance.backup.existing_mut() {
                state.recount_quota(settings, clock);
            }
        }
    }

    /// Makes this simulation what `Simulation::new(settings, start)` gives, keeping the
    /// memory of its instance table for the next instances (the fleet runner's reuse).
    pub(crate) fn reset(&mut self, settings: Settings, start: Timestamp) {
        self.settings = settings;
        self.clock = start;
        self.instances.clear();
        self.ids = IdCounters::default();
        self.identities.clear();
        self.faults = Faults::default();
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The clock: the latest `now` any transition was given.
    pub fn clock(&self) -> Timestamp {
        self.clock
    }

    /// The id counters.
    pub fn id_counters(&self) -> IdCounters {
        self.ids
    }

    /// The instances, in creation order, as last settled.
    pub fn instances(&self) -> &InstanceMap {
        &self.instances
    }

    /// One instance, as last settled.
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.get(id)
    }

    /// T-1: moves the clock to `now`, or refuses an earlier `now` and changes nothing.
    /// Job ends and automatic starts that fall due are applied to each instance the next
    /// time it is touched, or by [`Simulation::settle_all`].
    pub fn advance_to(&mut self, now: Timestamp) -> Result<(), TimeWentBackwards> {
        if now < self.clock {
            return Err(TimeWentBackwards {
                clock: self.clock,
                now,
            });
        }
        self.clock = now;
        Ok(())
    }

    /// Applies every job end and automatic start due by the clock to every instance.
    pub fn settle_all(&mut self) {
        let (clock, settings) = (self.clock, &self.settings);
        for instance in self.instances.values_mut() {
            settle(instance, &mut self.ids, settings, &mut self.faults, clock);
        }
    }

    /// A copy of the instance `id` as it is at `now` (or at the clock, if later): its job
    /// ends and automatic starts due by then applied to the copy, with a copy of the id
    /// counters. Changes nothing: for read-only views such as the emulator's dashboard.
    pub fn instance_as_of(&self, id: &str, now: Timestamp) -> Option<Instance> {
        let mut instance = self.instances.get(id)?.clone();
        let (mut ids, mut faults) = (self.ids, self.faults.clone());
        let now = now.max(self.clock);
        settle(&mut instance, &mut ids, &self.settings, &mut faults, now);
        Some(instance)
    }

    /// The instance `id`, settled to the clock, if it exists for a caller of `scope`.
    pub(crate) fn settled_instance(&mut self, scope: Scope<'_>, id: &str) -> Option<&mut Instance> {
        let instance = visible(&mut self.instances, scope, id)?;
        settle(
            instance,
            &mut self.ids,
            &self.settings,
            &mut self.faults,
            self.clock,
        );
        Some(instance)
    }

    /// In debug builds, checks the invariants of the instance a transition just changed
    /// (the whole-state check is `check_invariants`, run by the property tests).
    pub(crate) fn debug_check(&self, id: &str) {
        if cfg!(debug_assertions) {
            if let Some(instance) = self.instances.get(id) {
                debug_assert_eq!(instance_invariants(instance, &self.ids), Ok(()));
            }
        }
    }

    /// Checks every invariant of the state; `Err` names the first one broken.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut job_ids = rustc_hash::FxHashSet::default();
        let mut backup_ids = rustc_hash::FxHashSet::default();
        // The map keys each instance by the id it holds, so no key can disagree with it.
        for instance in self.instances.values() {
            instance_invariants(instance, &self.ids)?;
            let state = instance.backup.get();
            let (settings, clock) = (&self.settings, self.clock);
            let counted = state.counted_quota(settings, clock);
            if state.quota.used(settings, clock) != counted.used(settings, clock) {
                return Err(format!(
                    "{}: quota summary disagrees with the acceptance times",
                    instance.id
                ));
            }
            let jobs = instance
                .history()
                .iter()
                .map(|r| (r.id, r.backup_id))
                .chain(instance.active_job().map(|j| (j.id, j.backup_id)));
            for (job, backup) in jobs {
                if !job_ids.insert(job) {
                    return Err(format!("BackupJobId {job} is used twice"));
                }
                if !backup_ids.insert(backup) {
                    return Err(format!("BackupId {backup} is used twice"));
                }
            }
        }
        Ok(())
    }
}

/// Which instances exist for a call. A RAM caller sees only its own account's instances
/// (ram.md: another account's instance answers as unknown); the library's own calls and
/// the simulator controls see every instance. Passed to each operation, never stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every instance, whatever its account.
    #[default]
    AllAccounts,
    /// Only the instances of this account.
    Account(&'a str),
}

impl Scope<'_> {
    /// Whether `instance` exists for a caller of this scope.
    pub fn sees(self, instance: &Instance) -> bool {
        match self {
            Scope::AllAccounts => true,
            Scope::Account(account) => instance.account_id() == account,
        }
    }
}

/// The instance `id` if it exists for a caller of `scope`.
pub(crate) fn visible<'a>(
    instances: &'a mut InstanceMap,
    scope: Scope<'_>,
    id: &str,
) -> Option<&'a mut Instance> {
    instances
        .get_mut(id)
        .filter(|instance| scope.sees(instance))
}

/// The invariants of one instance, given the counters.
pub(crate) fn instance_invariants(instance: &Instance, ids: &IdCounters) -> Result<(), String> {
    let id = &instance.id;
    let below_counters = |job: BackupJobId, backup: BackupId| {
        job.0 >= FIRST_JOB_ID
            && job.0 < ids.next_job_id
            && backup.0 >= FIRST_BACKUP_ID
            && backup.0 < ids.next_backup_id
    };
    let state = instance.backup.get();
    let history: Vec<JobRecord> = state.history().iter().collect();
    if state.oldest_ended() != history.first().map(|r| r.ended) {
        return Err(format!(
            "{id}: the oldest end kept for T-6 is not the oldest record's"
        ));
    }
    if !state.odd_records_kept() {
        return Err(format!(
            "{id}: the odd records kept beside are not those of the history"
        ));
    }
    for pair in history.windows(2) {
        if pair[1].ended < pair[0].ended || pair[1].started < pair[0].ended {
            return Err(format!("{id}: jobs overlap or ended out of order"));
        }
    }
    for record in &history {
        if !below_counters(record.id, record.backup_id) {
            return Err(format!(
                "{id}: job {} has an id the counters never gave",
                record.id
            ));
        }
        if record.ended < record.started {
            return Err(format!("{id}: job {} ended before it started", record.id));
        }
    }
    if let Some(job) = instance.active_job() {
        if !below_counters(job.id, job.backup_id) {
            return Err(format!(
                "{id}: active job {} has an id the counters never gave",
                job.id
            ));
        }
        if history.last().is_some_and(|r| r.ended > job.started) {
            return Err(format!(
                "{id}: the active job started before the last one ended"
            ));
        }
    }
    if !instance.backup.get().kept_times_in_order() {
        return Err(format!("{id}: quota ledger out of order"));
    }
    if instance.profile.policy.is_none() && instance.next_auto_start.get().is_some() {
        return Err(format!("{id}: an automatic start without a policy"));
    }
    Ok(())
}

/// T-4: applies to `instance`, in time order, every job end and automatic start due by
/// `now`; at equal times the job end comes first. Then T-6.
///
/// Inlined for its usual case, nothing due (a job still running, or none and no automatic
/// start yet, and no set expired): then it reads the instance's line and its backup state
/// once, and neither loop is entered (docs/performance.md, issue 12: the call and its loop
/// were a seventh of a refused request's instructions).
#[inline(always)]
pub(crate) fn settle(
    instance: &mut Instance,
    ids: &mut IdCounters,
    settings: &Settings,
    faults: &mut Faults,
    now: Timestamp,
) {
    let keep = instance.retention.millis();
    let state = instance.backup.get();
    let end_due = state
        .active_job
        .as_ref()
        .is_some_and(|job| job.ends_at() <= now);
    let start_due = instance.next_auto_start.get().is_some_and(|at| at <= now);
    if end_due || start_due {
        settle_due(instance, ids, settings, faults, now);
        expire_sets(instance, now);
    } else if state.oldest_expired(keep, now) {
        expire_due_sets(instance, keep, now);
    }
}

/// [`settle`]'s loop, when a job end or an automatic start is due by `now`.
#[inline(never)]
fn settle_due(
    instance: &mut Instance,
    ids: &mut IdCounters,
    settings: &Settings,
    faults: &mut Faults,
    now: Timestamp,
) {
    loop {
        let job = (instance.active_job()).map(|job| (job.ends_at(), job.fails, job.mode));
        let auto = instance.next_auto_start.get();
        match (job, auto) {
            (Some((end, fails, mode)), auto) if end <= now && auto.is_none_or(|a| end <= a) => {
                let outcome = if fails {
                    SetStatus::Failed
                } else {
                    SetStatus::Success
                };
                end_job(instance, settings, end, outcome);
                drop_expired_before_last(instance, mode, end, now);
            }
            (_, Some(start)) if start <= now => {
                start_automatic(instance, ids, settings, faults, start);
                instance.next_auto_start = MaybeTimestamp::new(
                    instance
                        .profile
                        .policy
                        .and_then(|p| p.next_start_after(start)),
                );
            }
            _ => break,
        }
    }
}

/// T-6's clock: whether a set that ended at `ended` is past a retention of `keep_millis`
/// by `now` (gone at exactly `BackupEndTime` + `BackupRetentionPeriod` days).
#[inline(always)]
pub(crate) fn retention_ran_out(ended: Timestamp, keep_millis: i64, now: Timestamp) -> bool {
    ended.saturating_add_millis(keep_millis) <= now
}

/// Whether a set of `mode` that ended at `ended` is an automatic one whose retention ran
/// out by `now` (T-6; manual sets stay).
pub(crate) fn expired(
    mode: BackupMode,
    ended: Timestamp,
    keep_millis: i64,
    now: Timestamp,
) -> bool {
    mode == BackupMode::Automated && retention_ran_out(ended, keep_millis, now)
}

/// T-6 during a long settle: when the job of `mode` that just ended at `ended` left a set
/// that has already expired, the record before it, if expired too, goes at once. A jump
/// over years then holds one expired record at a time instead of every run it skips. The
/// ended job is checked from its mode and end, so the records are read only then.
#[inline(always)]
fn drop_expired_before_last(
    instance: &mut Instance,
    mode: BackupMode,
    ended: Timestamp,
    now: Timestamp,
) {
    let keep = instance.retention.millis();
    if !expired(mode, ended, keep, now) {
        return;
    }
    let Some(state) = instance.backup.existing_mut() else {
        return;
    };
    if let [.., before, _] = state.records() {
        if expired(before.mode(), before.ended(), keep, now) {
            let at = state.records().len() - 2;
            state.remove_record(at);
        }
    }
}

/// T-6: removes the automatic sets whose retention ran out by `now`. The last ended job
/// stays, its set hidden (`set_deleted`), because CB-A3 reads whether it failed.
///
/// Inlined for its usual case: the oldest record is not due, so none is.
#[inline(always)]
pub(crate) fn expire_sets(instance: &mut Instance, now: Timestamp) {
    let keep = instance.retention.millis();
    if instance.backup.get().oldest_expired(keep, now) {
        expire_due_sets(instance, keep, now);
    }
}

/// [`expire_sets`] when the oldest record is due.
#[inline(never)]
fn expire_due_sets(instance: &mut Instance, keep: i64, now: Timestamp) {
    let Some(state) = instance.backup.existing_mut() else {
        return;
    };
    let history = state.records();
    let Some(last) = history.len().checked_sub(1) else {
        return;
    };
    // Jobs end one after another, so `ended` grows along the history.
    let due = leading(history, |r| retention_ran_out(r.ended(), keep, now));
    if due > last && history[last].mode() == BackupMode::Automated {
        state.hide_set(last);
    }
    // The records before the last that are due: their automatic ones go (the history is
    // rebuilt only when there is one).
    let removable = due.min(last);
    if state.records()[..removable]
        .iter()
        .any(|r| r.mode() == BackupMode::Automated)
    {
        state.remove_automatic_before(removable);
    }
}

/// T-5: the automatic job due at `at`, unless a job is active or the instance cannot be
/// backed up then (that day's automatic backup is skipped).
fn start_automatic(
    instance: &mut Instance,
    ids: &mut IdCounters,
    settings: &Settings,
    faults: &mut Faults,
    at: Timestamp,
) {
    if instance.active_job().is_some() || !instance.can_back_up() {
        return;
    }
    let method = match instance.engine {
        Engine::MySql | Engine::PostgreSql | Engine::MariaDb
            if instance.storage.is_cloud_disk() =>
        {
            BackupMethod::Snapshot
        }
        Engine::MySql | Engine::PostgreSql | Engine::MariaDb | Engine::SqlServer => {
            BackupMethod::Physical
        }
    };
    let backup_type = match instance.engine {
        Engine::SqlServer => sql_server_auto_type(instance, at),
        Engine::MySql | Engine::PostgreSql | Engine::MariaDb => BackupType::FullBackup,
    };
    let job = NewJob {
        mode: BackupMode::Automated,
        method,
        backup_type,
    };
    start_job(instance, ids, settings, faults, job, at);
}

/// CB-A3 for SQL Server `Physical` with `Auto`: `FullBackup` when there is no successful
/// full backup, or it started more than 72 hours before `now`, or a database was added
/// since it started, or the last job failed; otherwise `IncrementalBackup`.
pub(crate) fn sql_server_auto_type(instance: &Instance, now: Timestamp) -> BackupType {
    let Some(full) = instance.last_full() else {
        return BackupType::FullBackup;
    };
    let too_old = now.as_millis() - full.started.as_millis() > 72 * MILLIS_PER_HOUR;
    // The search for an added database, the costly part, last (callgrind, issue 12).
    let added = || {
        instance
            .databases()
            .iter()
            .any(|db| !full.databases.contains(&db.name))
    };
    if too_old || instance.last_job_failed() || added() {
        BackupType::FullBackup
    } else {
        BackupType::IncrementalBackup
    }
}

/// What a job that starts is: its mode and its resolved method and type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NewJob {
    pub mode: BackupMode,
    pub method: BackupMethod,
    pub backup_type: BackupType,
}

/// CB-A1 (and T-5): starts a job at `now` with the next ids; a manual one counts toward
/// the daily quota (CB-A2).
#[inline(always)]
pub(crate) fn start_job(
    instance: &mut Instance,
    ids: &mut IdCounters,
    settings: &Settings,
    faults: &mut Faults,
    job: NewJob,
    now: Timestamp,
) -> BackupJobId {
    let NewJob {
        mode,
        method,
        backup_type,
    } = job;
    let id = BackupJobId(ids.next_job_id);
    let backup_id = BackupId(ids.next_backup_id);
    ids.next_job_id += 1;
    ids.next_backup_id += 1;
    let databases_at_start = (instance.engine == Engine::SqlServer
        && backup_type == BackupType::FullBackup)
        .then(|| {
            instance
                .databases()
                .iter()
                .map(|d| d.name.clone())
                .collect()
        });
    let duration_seconds = instance
        .profile
        .backup_duration_seconds
        .unwrap_or(settings.backup_duration_seconds);
    // An injected `JobFails` fault decides now that the job will fail.
    let fails = faults
        .fire(
            &Subject {
                action: None,
                instance: Some(instance.id.as_str()),
                access_key_id: None,
            },
            settings.seed,
            now,
        )
        .is_some();
    let state = instance.backup.get_mut();
    if mode == BackupMode::Manual {
        state.quota.record(settings, now);
    }
    state.set_job_databases(databases_at_start);
    state.active_job = Some(ActiveJob {
        id,
        backup_id,
        mode,
        method,
        backup_type,
        started: now,
        duration_seconds,
        fails,
    });
    id
}

/// T-2 and T-3: ends the active job at `at` and records its set.
#[inline(always)]
pub(crate) fn end_job(
    instance: &mut Instance,
    settings: &Settings,
    at: Timestamp,
    outcome: SetStatus,
) {
    let databases = instance.profile.databases.len();
    let Some(state) = instance.backup.existing_mut() else {
        return;
    };
    let Some(job) = state.active_job.take() else {
        return;
    };
    if let Some(names) = state.take_job_databases() {
        if outcome == SetStatus::Success && job.backup_type == BackupType::FullBackup {
            state.set_last_full(FullBackupMark {
                started: job.started,
                databases: names,
            });
        }
    }
    let size = backup_size(settings.seed, job.backup_id, databases);
    state.push_ended(&job, at, outcome, size);
}

#[cfg(test)]
mod tests {
    use crate::policy::BackupPolicy;
    use crate::{CreateBackupRequest, Engine, InstanceId, InstanceSpec, Simulation, Timestamp};

    /// T-6 during a long settle: automatic sets that expired while the clock jumped go one
    /// at a time, and only automatic ones; three manual sets taken before the jump all stay.
    #[test]
    fn t6_a_long_jump_drops_expired_automatic_sets_only() {
        let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        let mut sim = Simulation::new(Default::default(), start);
        let mut spec = InstanceSpec::new(InstanceId::new("rm-1").unwrap(), Engine::MySql);
        let every_day = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday";
        spec.policy = Some(BackupPolicy::parse("02:00Z-03:00Z", every_day, 2).unwrap());
        sim.create_instance(spec, start).unwrap();
        let request = CreateBackupRequest::for_instance("rm-1");
        for minutes in [0, 20, 40] {
            let now = start.saturating_add_millis(minutes * 60_000);
            sim.create_backup(&request, now).unwrap();
        }
        sim.advance_to(Timestamp::parse_rfc3339("2026-04-01T00:00:00Z").unwrap())
            .unwrap();
        sim.settle_all();
        let history = sim.instance("rm-1").unwrap().history();
        let manual: Vec<u64> = history
            .iter()
            .filter(|r| r.mode == crate::vocab::BackupMode::Manual && !r.set_deleted)
            .map(|r| r.id.0)
            .collect();
        assert_eq!(manual, [100_001, 100_002, 100_003]);
        // The automatic sets of the last 7 days stay (one a day, 03-25 to 03-31), and the
        // newest job is the last record.
        let automatic = history.len() - 3;
        assert_eq!(automatic, 7, "{history:?}");
        let newest = history.iter().map(|r| r.id.0).max().unwrap();
        assert_eq!(history.last().unwrap().id.0, newest);
        assert_eq!(sim.check_invariants(), Ok(()));
        // One expired record at a time: the history never held the month's 34 records
        // (its capacity would be 64), at most the manual three and the last eight days'.
        let capacity = sim
            .instance("rm-1")
            .unwrap()
            .backup
            .get()
            .records_capacity();
        assert!(capacity <= 16, "capacity {capacity}");
    }

    /// CB-A3's marks are kept for successful SQL Server full backups only: a MySQL
    /// Q-3 from the first supported instant: an acceptance then counts for the 24 hours
    /// after it (the rolling window's start is not clamped), read from the job's start.
    #[test]
    fn q3_an_acceptance_at_the_first_instant_counts_for_a_day() {
        use crate::quota::QuotaExceeded;
        use crate::{CreateBackupError, QuotaWindow};
        let settings = crate::Settings {
            daily_backup_limit: 1,
            quota_window: QuotaWindow::Rolling24h,
            ..crate::Settings::default()
        };
        let mut sim = Simulation::new(settings, Timestamp::MIN);
        let spec = InstanceSpec::new(InstanceId::new("rm-1").unwrap(), Engine::MySql);
        sim.create_instance(spec, Timestamp::MIN).unwrap();
        let request = CreateBackupRequest::for_instance("rm-1");
        assert_eq!(
            sim.create_backup(&request, Timestamp::MIN).map(|j| j.0),
            Ok(100_001)
        );
        let day = crate::time::MILLIS_PER_DAY;
        assert_eq!(
            sim.create_backup(&request, Timestamp::MIN.saturating_add_millis(day - 1)),
            Err(CreateBackupError::QuotaExceeded(QuotaExceeded {
                limit: 1,
                used: 1
            }))
        );
        let next = sim.create_backup(&request, Timestamp::MIN.saturating_add_millis(day));
        assert_eq!(next.map(|j| j.0), Ok(100_002));
        assert_eq!(sim.check_invariants(), Ok(()));
    }

    /// CB-17 after a load: the acceptance times a state lists count, those its jobs explain
    /// and those no job explains (here: none of them), in the summary counted on load.
    #[test]
    fn cb17_a_loaded_state_counts_every_listed_acceptance() {
        use crate::quota::QuotaExceeded;
        use crate::CreateBackupError;
        let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        let settings = crate::Settings {
            daily_backup_limit: 2,
            ..crate::Settings::default()
        };
        let mut sim = Simulation::new(settings, start);
        let spec = InstanceSpec::new(InstanceId::new("rm-1").unwrap(), Engine::MySql);
        sim.create_instance(spec, start).unwrap();
        let mut state = serde_json::to_value(&sim).unwrap();
        state["Instances"]["rm-1"]["Quota"] =
            serde_json::json!(["2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z"]);
        let mut loaded: Simulation = serde_json::from_value(state).unwrap();
        assert_eq!(loaded.check_invariants(), Ok(()));
        let request = CreateBackupRequest::for_instance("rm-1");
        let later = Timestamp::parse_rfc3339("2026-03-01T03:00:00Z").unwrap();
        // 02-28T23:00Z is another calendar day: one of the two counts today.
        assert_eq!(
            loaded.create_backup(&request, later).map(|j| j.0),
            Ok(100_001)
        );
        let again = Timestamp::parse_rfc3339("2026-03-01T04:00:00Z").unwrap();
        assert_eq!(
            loaded.create_backup(&request, again),
            Err(CreateBackupError::QuotaExceeded(QuotaExceeded {
                limit: 2,
                used: 2
            }))
        );
        // The checker sees a summary that disagrees with the times.
        if let Some(state) = loaded
            .instances
            .get_mut("rm-1")
            .and_then(|i| i.backup.existing_mut())
        {
            state.quota = crate::quota::QuotaSummary::NONE;
        }
        assert_eq!(
            loaded.check_invariants(),
            Err("rm-1: quota summary disagrees with the acceptance times".to_owned())
        );
    }

    /// instance's state carries neither the databases at its job's start nor a last full
    /// backup, and a SQL Server full backup that failed leaves no last full backup.
    #[test]
    fn cb_a3_marks_are_kept_for_sql_server_full_backups_only() {
        let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        let later = Timestamp::parse_rfc3339("2026-03-02T00:00:00Z").unwrap();
        let mut sim = Simulation::new(Default::default(), start);
        let instances = [
            ("rm-1", Engine::MySql),
            ("ms-1", Engine::SqlServer),
            ("ms-2", Engine::SqlServer),
        ];
        for (id, engine) in instances {
            let mut spec = InstanceSpec::new(InstanceId::new(id).unwrap(), engine);
            spec.databases = vec![crate::Database::running("app")];
            sim.create_instance(spec, start).unwrap();
            sim.create_backup(&CreateBackupRequest::for_instance(id), start)
                .unwrap();
        }
        let state = |sim: &Simulation, id: &str| serde_json::to_value(sim.instance(id)).unwrap();
        let app = serde_json::json!(["app"]);
        assert_eq!(state(&sim, "rm-1").get("ActiveJobDatabases"), None);
        assert_eq!(state(&sim, "ms-1").get("ActiveJobDatabases"), Some(&app));
        let failed_at = start.saturating_add_millis(60_000);
        sim.fail_backup_job("ms-2", failed_at).unwrap();
        sim.advance_to(later).unwrap();
        sim.settle_all();
        assert_eq!(state(&sim, "ms-2").get("LastFull"), None);
        assert_eq!(state(&sim, "rm-1").get("LastFull"), None);
        assert_eq!(state(&sim, "ms-1")["LastFull"]["Databases"], app);
        assert_eq!(
            sim.instance("rm-1").map(|i| i.history().len()),
            sim.instance("ms-1").map(|i| i.history().len())
        );
    }
}
