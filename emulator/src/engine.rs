//! The engine: one simulation behind one lock, the nonce store, the simulation clock and
//! (with `--state-dir`) the write-ahead log.
//!
//! Linearizability: every change runs under one `Mutex` (nonce check, apply, append to the
//! log), so the answers are those of the order in which requests took the lock, and the log
//! holds that order. The lock is never held across an `.await`: a request appends under it,
//! releases it, then waits for the log to be durable past its own record. A request's record
//! comes after every record it could have observed, so no answer, not even a read, reflects
//! a change that a crash could lose.
//!
//! The same `apply` function applies a change live and on recovery, so a restart rebuilds
//! exactly the simulation that answered.
//!
//! Identities: the gateway verifies a request outside the lock, reading a declared key's
//! secret from the simulation ([`Identities`] for [`Engine`]). Under the lock, before the
//! action, [`Engine::api`] checks that the identity still has that secret; if a
//! `Sim.PutIdentity`, reset or restore changed it in between, the request is verified again
//! under the lock, so the answer is that of the simulation the action ran on.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use rds_backup_sim::ops::ApiAction;
use rds_backup_sim::scenario::{Answer, ApiRequest, ParsedLine, Refusal, Scenario};
use rds_backup_sim::simulation::DEFAULT_START;
use rds_backup_sim::{Settings, Simulation, Timestamp};

use crate::clock::RealClock;
use crate::durable::lock::{DirLock, LockError};
use crate::durable::log::{Log, Ticket};
use crate::durable::record::{
    Change, EncodeError, EncodedChange, EncodedLine, EncodedRequest, StoredNonce,
};
use crate::durable::recovery::{self, Found, RecoveryError};
use crate::durable::settings_file::{self, SettingsError, StoredSettings};
use crate::durable::snapshot::Snapshot;
use crate::gateway::{Caller, Verified};
use crate::gateway_error::GatewayError;
use crate::keys::Identities;
use crate::nonce::NonceStore;
use crate::sim_clock::{ClockMode, SimClock};

/// What the engine starts from.
pub struct EngineOptions {
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// `--clock`, if given (default `real`).
    pub clock: Option<ClockMode>,
    /// `--state-dir`, if given.
    pub state_dir: Option<PathBuf>,
    /// The lines of `--identities FILE`, applied at every start and after every reset.
    pub identities: Vec<String>,
    /// The real clock.
    pub real_clock: Arc<dyn RealClock>,
    /// `--compact-log-after`: log bytes after which a snapshot replaces the log's prefix.
    pub compact_after: u64,
}

/// Why the engine did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The state directory could not be created.
    #[error("cannot create the state directory {0}: {1}")]
    StateDir(String, std::io::Error),
    /// The lock is held or unusable.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// Stored settings contradict flags, or cannot be read.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The log is damaged.
    #[error(transparent)]
    Recovery(#[from] RecoveryError),
    /// The log writer could not start.
    #[error("cannot start the log writer: {0}")]
    Writer(std::io::Error),
    /// An `--identities` line was refused.
    #[error("--identities line {line} was refused: {answer}")]
    Identity {
        /// 1-based line number among the non-blank lines.
        line: usize,
        /// The answer, scenario form.
        answer: String,
    },
    /// The log failed while applying the identities.
    #[error("the write-ahead log failed at start: {0}")]
    Storage(Arc<str>),
}

/// Why a request to the engine was not answered by the simulation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Gateway check 9: the nonce is in its window.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The change could not be made durable (or the log had failed before).
    #[error("{0}")]
    Storage(Arc<str>),
    /// A control-plane line is not UTF-8 (refused before it applies: the log stores text).
    #[error("line {0} is not UTF-8")]
    LineNotUtf8(usize),
}

struct Core {
    scenario: Scenario,
    nonces: NonceStore,
    clock: SimClock,
}

/// See the module docs.
pub struct Engine {
    core: Mutex<Core>,
    log: Option<Log>,
    real_clock: Arc<dyn RealClock>,
    seed: u64,
    identities: Vec<String>,
    state_dir: Option<PathBuf>,
    recovered: u64,
    compact_after: u64,
    _lock: Option<DirLock>,
}

/// An empty simulation with `seed` starting at `start`.
fn fresh(seed: u64, start: Timestamp) -> Scenario {
    Scenario::from_simulation(Simulation::new(
        Settings {
            seed,
            ..Settings::default()
        },
        start,
    ))
}

fn origin(mode: ClockMode, real: DateTime<Utc>) -> Timestamp {
    match mode {
        ClockMode::Real => Timestamp::from(real),
        ClockMode::Manual => DEFAULT_START,
    }
}

/// What applying a change gave: its answer (an API call or a line), and the simulation a
/// reset or restore replaced, to be dropped once the lock is released (freeing it costs
/// time that grows with its size).
struct Applied {
    answer: Option<Answer>,
    replaced: Option<Scenario>,
}

/// Applies one change; the same code live and on recovery. The change is taken by value:
/// a restored state moves in, never cloned under the lock.
fn apply(core: &mut Core, seed: u64, change: Change) -> Applied {
    let answer = match change {
        Change::Api {
            at,
            request,
            signing_key,
        } => apply_api(core, at, &request, signing_key.as_deref()),
        Change::Line { at, line } => {
            let answer = ParsedLine::parse(line.as_bytes()).map(|l| apply_line(core, at, &l));
            return Applied {
                answer,
                replaced: None,
            };
        }
        Change::Reset { start } => return replace(core, fresh(seed, start)),
        Change::Restore { state } => return replace(core, *state),
    };
    Applied {
        answer: Some(answer),
        replaced: None,
    }
}

/// Applies an API call at `at`, live and on recovery.
fn apply_api(
    core: &mut Core,
    at: Timestamp,
    request: &ApiRequest,
    signing_key: Option<&str>,
) -> Answer {
    core.scenario.call(request, at, signing_key)
}

/// Applies a control-plane line at `at`: the clock first catches up with `at` (real mode:
/// the real time), then the line runs at `at` or its own `At`. `at` is never behind the
/// clock.
fn apply_line(core: &mut Core, at: Timestamp, line: &ParsedLine<'_>) -> Answer {
    let _ = core.scenario.simulation_mut().advance_to(at);
    core.scenario.apply_parsed(line, Some(at))
}

fn replace(core: &mut Core, scenario: Scenario) -> Applied {
    Applied {
        answer: None,
        replaced: Some(std::mem::replace(&mut core.scenario, scenario)),
    }
}

/// Applies what recovery found: the snapshot replaces the simulation, the clock offset and
/// the nonces; a record applies as it did live.
fn recover_into(core: &mut Core, seed: u64, real: DateTime<Utc>, found: Found) {
    match found {
        Found::Snapshot(snapshot) => {
            let snapshot = *snapshot;
            core.clock.set_offset_ms(snapshot.offset_ms);
            for entry in snapshot.nonce_entries() {
                core.nonces.import(entry, real);
            }
            core.scenario = snapshot.state;
        }
        Found::Record(record) => {
            let record = *record;
            apply(core, seed, record.change);
            if let Some(offset) = record.offset_ms {
                core.clock.set_offset_ms(offset);
            }
            if let Some(nonce) = record
                .nonce
                .as_ref()
                .filter(|n| n.expires > real.timestamp())
            {
                let expires = DateTime::from_timestamp(nonce.expires, 0).unwrap_or(real);
                core.nonces.insert(&nonce.value, real, expires);
            }
        }
    }
}

/// Whether the key `verified` was checked with is still what the simulation holds: always
/// for a start-up key; for a declared key, when its identity still has the same secret.
fn still_valid(sim: &Simulation, verified: &Verified) -> bool {
    match &verified.caller {
        Caller::DefaultRoot => true,
        Caller::Identity { secret } => sim
            .identity(&verified.access_key_id)
            .is_some_and(|identity| identity.access_key_secret == *secret),
    }
}

/// Whether an API call changed the simulation, so that it must be logged: a fault fired (it
/// may count down or draw from the seeded generator), or a non-`Describe…` action answered
/// 200. Every `Describe…` and every refusal changes nothing (spec/emulator.md); the time it
/// ran at is re-reached by the next logged change, which applies at a later time.
fn changed(action: ApiAction, answer: &Answer) -> bool {
    answer.fault.is_some() || (answer.http_status == 200 && !action.is_read())
}

fn is_blank_or_comment(text: &str) -> bool {
    let text = text.trim_start();
    text.is_empty() || text.starts_with('#')
}

fn storage(error: EncodeError) -> EngineError {
    EngineError::Storage(error.to_string().into())
}

fn lock(core: &Mutex<Core>) -> MutexGuard<'_, Core> {
    core.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Engine {
    /// Starts the engine: in memory, or from (and onto) the state directory.
    pub fn open(options: EngineOptions) -> Result<Engine, StartError> {
        let real = options.real_clock.now();
        let flag_mode = options.clock.unwrap_or(ClockMode::Real);
        let mut dir_lock = None;
        let flagged = StoredSettings {
            seed: options.seed.unwrap_or(0),
            clock: flag_mode,
            origin: origin(flag_mode, real),
        };
        let settings = match &options.state_dir {
            None => flagged,
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StartError::StateDir(dir.display().to_string(), e))?;
                dir_lock = Some(DirLock::take(dir)?);
                settings_file::settle(dir, options.seed, options.clock, flagged)?
            }
        };
        let mut core = Core {
            scenario: fresh(settings.seed, settings.origin),
            nonces: NonceStore::new(),
            clock: SimClock::new(settings.clock),
        };
        let mut log_file = None;
        let mut last_seq = 0;
        if let Some(dir) = &options.state_dir {
            // The snapshot, then one record at a time, through the same `apply` as live.
            let recovered = recovery::recover(dir, |found| {
                recover_into(&mut core, settings.seed, real, found)
            })?;
            if recovered.dropped_bytes > 0 {
                eprintln!(
                    "rds-backup-sim serve: dropped a torn last record ({} bytes) from the log",
                    recovered.dropped_bytes
                );
            }
            last_seq = recovered.last_seq;
            log_file = Some(recovered.file);
        }
        let log = match (log_file, &options.state_dir) {
            (Some(file), Some(dir)) => {
                Some(Log::start(file, dir.clone(), last_seq).map_err(StartError::Writer)?)
            }
            _ => None,
        };
        let engine = Engine {
            core: Mutex::new(core),
            log,
            real_clock: options.real_clock,
            seed: settings.seed,
            identities: options.identities,
            state_dir: options.state_dir,
            recovered: last_seq,
            compact_after: options.compact_after,
            _lock: dir_lock,
        };
        Ok(engine)
    }

    /// Applies the `--identities` lines (logged, like any control-plane change). Refuses
    /// the start when one is not answered 200.
    pub async fn apply_identities(&self) -> Result<(), StartError> {
        let answers = self
            .identity_lines()
            .await
            .map_err(|e| StartError::Storage(e.to_string().into()))?;
        // Comments and blank lines answer nothing; the error names the file's own line.
        let answered = self.identities.iter().enumerate().filter(|(_, text)| {
            let text = text.trim_start();
            !text.is_empty() && !text.starts_with('#')
        });
        for ((index, _), answer) in answered.zip(&answers) {
            if answer.http_status != 200 {
                return Err(StartError::Identity {
                    line: index + 1,
                    answer: answer.to_line(),
                });
            }
        }
        Ok(())
    }

    async fn identity_lines(&self) -> Result<Vec<Answer>, EngineError> {
        if self.identities.is_empty() {
            return Ok(Vec::new());
        }
        let body = self.identities.join("\n");
        self.lines(body.as_bytes()).await
    }

    /// The clock mode.
    pub fn clock_mode(&self) -> ClockMode {
        lock(&self.core).clock.mode()
    }

    /// The seed in force.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Where state lives, for the start-up line.
    pub fn describe_state(&self) -> String {
        match &self.state_dir {
            None => "state in memory".to_owned(),
            Some(dir) => format!(
                "state in {} ({} changes recovered)",
                dir.display(),
                self.recovered
            ),
        }
    }

    /// The real time, from the injected clock.
    pub fn real_now(&self) -> DateTime<Utc> {
        self.real_clock.now()
    }

    /// The simulation time as of now (real mode: following the real clock), changing
    /// nothing.
    pub fn sim_now(&self) -> Timestamp {
        let core = lock(&self.core);
        core.clock
            .now(self.real_clock.now(), core.scenario.simulation().clock())
    }

    /// Runs `view` on the simulation and its time as of now, under the lock, changing
    /// nothing (the dashboard); returns once every change it saw is durable.
    pub async fn view<R>(
        &self,
        view: impl FnOnce(&Simulation, Timestamp) -> R,
    ) -> Result<R, EngineError> {
        self.read(|core| {
            let sim = core.scenario.simulation();
            view(sim, core.clock.now(self.real_clock.now(), sim.clock()))
        })
        .await
    }

    /// A read: `look` runs under the lock, changing nothing; its result is returned once
    /// every change it could see is durable.
    async fn read<R>(&self, look: impl FnOnce(&Core) -> R) -> Result<R, EngineError> {
        let (seen, ticket) = {
            let core = lock(&self.core);
            (look(&core), self.barrier())
        };
        Self::settle(ticket).await?;
        Ok(seen)
    }

    /// A change: `step` runs under the lock on a [`Txn`] (the log had not failed), applying
    /// and logging through it; the result is returned once what it logged, or the
    /// barrier it set, is durable. Simulations it replaced are dropped after the lock.
    /// Every change to the simulation goes through here: one lock, one order, one wait.
    async fn commit<R>(
        &self,
        step: impl FnOnce(&mut Txn<'_>) -> Result<R, EngineError>,
    ) -> Result<R, EngineError> {
        let (result, ticket, replaced) = {
            let mut txn = Txn {
                engine: self,
                core: lock(&self.core),
                ticket: None,
                replaced: Vec::new(),
            };
            self.refuse_if_failed()?;
            let result = step(&mut txn)?;
            (result, txn.ticket, txn.replaced)
        };
        drop(replaced);
        Self::settle(ticket).await?;
        Ok(result)
    }

    /// Encodes `change` for the log before it applies (with a log only): a change that
    /// cannot be encoded is refused and left unapplied.
    fn encode(&self, change: &Change) -> Result<Option<EncodedChange>, EngineError> {
        if self.log.is_none() {
            return Ok(None);
        }
        EncodedChange::new(change).map(Some).map_err(storage)
    }

    /// Logs `change` (applied to `core` under the same lock), returning its ticket; when
    /// the log outgrew `--compact-log-after`, asks for a snapshot as of this change.
    fn append(
        &self,
        core: &Core,
        change: Option<&EncodedChange>,
        offset_ms: Option<i64>,
        nonce: Option<&StoredNonce>,
    ) -> Result<Option<Ticket>, EngineError> {
        let (Some(log), Some(change)) = (&self.log, change) else {
            return Ok(None);
        };
        let ticket = log
            .append(change, offset_ms, nonce)
            .map_err(EngineError::Storage)?;
        if log.outgrew(self.compact_after) {
            log.compact(self.snapshot(core, log));
        }
        Ok(Some(ticket))
    }

    /// The durable state as of the last record appended (under the lock): a clone of the
    /// simulation, the clock's offset and the unexpired nonces.
    fn snapshot(&self, core: &Core, log: &Log) -> Snapshot {
        Snapshot {
            seq: log.last_seq(),
            offset_ms: core.clock.offset_ms(),
            nonces: core
                .nonces
                .export(self.real_clock.now())
                .into_iter()
                .map(Snapshot::nonce_entry)
                .collect(),
            state: core.scenario.clone(),
        }
    }

    /// A ticket covering every change appended so far (taken under the lock, with what a
    /// read saw): waiting on it makes the read show only durable state.
    fn barrier(&self) -> Option<Ticket> {
        self.log.as_ref().map(Log::barrier)
    }

    fn refuse_if_failed(&self) -> Result<(), EngineError> {
        match self.log.as_ref().and_then(Log::failure) {
            Some(failure) => Err(EngineError::Storage(failure)),
            None => Ok(()),
        }
    }

    async fn settle(ticket: Option<Ticket>) -> Result<(), EngineError> {
        match ticket {
            Some(ticket) => ticket.durable().await.map_err(EngineError::Storage),
            None => Ok(()),
        }
    }

    /// A verified API call: gateway check 9 (the nonce), then the action, logged with its
    /// nonce; answered once durable. `reverify` runs checks 1–8 again, under the lock,
    /// against the simulation's identities, when the declared key `verified` was checked
    /// with no longer has that secret (see the module docs).
    pub async fn api(
        &self,
        mut verified: Verified,
        real: DateTime<Utc>,
        reverify: impl FnOnce(&Simulation) -> Result<Verified, GatewayError>,
    ) -> Result<Answer, EngineError> {
        // Work that grows with the request's size runs before the lock: the parameters are
        // taken, parsed into the typed request and encoded for the log here (a re-verified
        // request has the same ones).
        let params = std::mem::take(&mut verified.params).into_pairs();
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let request = ApiRequest::from_wire(verified.action.as_str(), &pairs);
        let encoded_request = match (&self.log, &request) {
            (Some(_), Ok(request)) => Some(EncodedRequest::new(request).map_err(storage)?),
            _ => None,
        };
        let call = ApiCall {
            verified,
            real,
            request,
            encoded_request,
        };
        self.commit(|txn| txn.api(call, reverify)).await
    }

    /// Applies the control-plane lines of `body` in order, as one batch (no other request
    /// runs between them); blank and `#` lines answer nothing. Refuses the whole batch,
    /// before applying any, when a line is not UTF-8.
    pub async fn lines(&self, body: &[u8]) -> Result<Vec<Answer>, EngineError> {
        let mut lines = Vec::new();
        for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let text = std::str::from_utf8(raw).map_err(|_| EngineError::LineNotUtf8(i + 1))?;
            if !is_blank_or_comment(text) {
                lines.push(text);
            }
        }
        self.apply_lines(lines).await
    }

    /// `POST /_sim/action`: the whole body is one scenario line (it may span several text
    /// lines, as pretty-printed JSON does). `None` for a blank or comment body.
    pub async fn action(&self, body: &[u8]) -> Result<Option<Answer>, EngineError> {
        let text = std::str::from_utf8(body).map_err(|_| EngineError::LineNotUtf8(1))?;
        if is_blank_or_comment(text) {
            return Ok(None);
        }
        Ok(self.apply_lines(vec![text]).await?.pop())
    }

    async fn apply_lines(&self, lines: Vec<&str>) -> Result<Vec<Answer>, EngineError> {
        // Work that grows with the body runs before the lock: each line's JSON is parsed and
        // the line encoded for the log here; under the lock it is applied and only its time
        // is added to the record.
        let mut prepared = Vec::with_capacity(lines.len());
        for line in lines {
            let Some(parsed) = ParsedLine::parse(line.as_bytes()) else {
                continue;
            };
            let encoded = match &self.log {
                Some(_) => Some(EncodedLine::new(line).map_err(storage)?),
                None => None,
            };
            prepared.push((parsed, encoded));
        }
        self.commit(|txn| {
            let mut answers = Vec::with_capacity(prepared.len());
            for (line, encoded_line) in &prepared {
                let real = self.real_clock.now();
                let at = txn.sim_now(real);
                let encoded = encoded_line
                    .as_ref()
                    .map(|l| EncodedChange::line(at, l))
                    .transpose()
                    .map_err(storage)?;
                answers.push(txn.line(real, at, line, encoded.as_ref())?);
            }
            Ok(answers)
        })
        .await
    }

    /// `PUT /_sim/state`: replaces the simulation; time resumes from its clock.
    pub async fn restore(&self, state: Scenario) -> Result<(), EngineError> {
        // The state is encoded for the log before the lock: its size is the request's.
        let change = Change::Restore {
            state: Box::new(state),
        };
        let encoded = self.encode(&change)?;
        self.commit(|txn| {
            let real = self.real_clock.now();
            txn.control(real, change, encoded.as_ref()).map(|_| ())
        })
        .await
    }

    /// `POST /_sim/reset`: an empty simulation with the start-up settings (`real`: starting
    /// now), then the `--identities` lines again.
    pub async fn reset(&self) -> Result<(), EngineError> {
        self.commit(|txn| {
            let real = self.real_clock.now();
            let change = Change::Reset {
                start: origin(txn.core.clock.mode(), real),
            };
            let encoded = self.encode(&change)?;
            txn.control(real, change, encoded.as_ref()).map(|_| ())
        })
        .await?;
        self.identity_lines().await.map(|_| ())
    }

    /// `GET /_sim/state`: the simulation's own serialization, once every change it shows
    /// is durable.
    pub async fn state_json(&self) -> Result<String, EngineError> {
        self.read(|core| {
            // A Scenario always serializes (strings, numbers, maps with string keys).
            serde_json::to_string(&core.scenario).unwrap_or_else(|_| "{}".to_owned())
        })
        .await
    }

    /// Syncs and stops the log (clean stop). Returns (records, syncs) written by this
    /// process's log, for the stop message.
    pub fn close(&self) -> Option<(u64, u64)> {
        self.log.as_ref().map(|log| {
            if log.failure().is_none() {
                // A clean stop leaves a snapshot and an empty log: the next start reads
                // the simulation, not its history.
                let core = lock(&self.core);
                log.compact(self.snapshot(&core, log));
            }
            log.close();
            (log.last_seq(), log.syncs())
        })
    }

    /// Nonces held in memory (for tests and the health answer).
    pub fn nonces_held(&self) -> usize {
        lock(&self.core).nonces.len()
    }
}

/// A verified API call, its parameters parsed (or refused) and encoded before the lock.
struct ApiCall {
    verified: Verified,
    real: DateTime<Utc>,
    request: Result<ApiRequest, Refusal>,
    encoded_request: Option<EncodedRequest>,
}

/// The simulation, locked, while [`Engine::commit`] runs one step: what it applies and
/// logs through here is one change (or one batch) in the log's order.
struct Txn<'a> {
    engine: &'a Engine,
    core: MutexGuard<'a, Core>,
    /// What the answer waits for: the last record logged, or a read's barrier.
    ticket: Option<Ticket>,
    /// Simulations a reset or restore replaced, dropped after the lock.
    replaced: Vec<Scenario>,
}

impl Txn<'_> {
    /// The simulation time at real time `real`.
    fn sim_now(&self, real: DateTime<Utc>) -> Timestamp {
        self.core
            .clock
            .now(real, self.core.scenario.simulation().clock())
    }

    /// Applies `change`, keeping the answer and setting aside a replaced simulation.
    fn apply(&mut self, change: Change) -> Option<Answer> {
        let applied = apply(&mut self.core, self.engine.seed, change);
        self.replaced.extend(applied.replaced);
        applied.answer
    }

    /// Logs `encoded` (applied just before, under this lock); the answer waits for it.
    fn append(
        &mut self,
        encoded: Option<&EncodedChange>,
        offset_ms: Option<i64>,
        nonce: Option<&StoredNonce>,
    ) -> Result<(), EngineError> {
        let ticket = self.engine.append(&self.core, encoded, offset_ms, nonce)?;
        self.ticket = ticket.or(self.ticket.take());
        Ok(())
    }

    /// A control-plane line parsed before the lock, applied at `at` (real time `real`),
    /// then logged as [`Txn::control`] logs a change.
    fn line(
        &mut self,
        real: DateTime<Utc>,
        at: Timestamp,
        line: &ParsedLine<'_>,
        encoded: Option<&EncodedChange>,
    ) -> Result<Answer, EngineError> {
        let answer = apply_line(&mut self.core, at, line);
        self.logged_with_offset(real, encoded)?;
        Ok(answer)
    }

    /// After a control-plane change at real time `real`: the clock follows the
    /// simulation's, then `encoded` is logged with the clock's offset.
    fn logged_with_offset(
        &mut self,
        real: DateTime<Utc>,
        encoded: Option<&EncodedChange>,
    ) -> Result<(), EngineError> {
        let clock = self.core.scenario.simulation().clock();
        self.core.clock.follow(real, clock);
        let offset = Some(self.core.clock.offset_ms());
        self.append(encoded, offset, None)
    }

    /// A control-plane change at real time `real`: applied, the clock following the
    /// simulation's, then logged with the clock's offset.
    fn control(
        &mut self,
        real: DateTime<Utc>,
        change: Change,
        encoded: Option<&EncodedChange>,
    ) -> Result<Option<Answer>, EngineError> {
        let answer = self.apply(change);
        self.logged_with_offset(real, encoded)?;
        Ok(answer)
    }

    /// Gateway check 9 and the action of [`Engine::api`]; logged with its nonce when it
    /// changed the simulation, otherwise the answer waits for every change it could see.
    fn api(
        &mut self,
        call: ApiCall,
        reverify: impl FnOnce(&Simulation) -> Result<Verified, GatewayError>,
    ) -> Result<Answer, EngineError> {
        let ApiCall {
            verified,
            real,
            request,
            encoded_request,
        } = call;
        let verified = if still_valid(self.core.scenario.simulation(), &verified) {
            verified
        } else {
            reverify(self.core.scenario.simulation())?
        };
        let expires = verified.nonce_expires_at(real);
        self.core
            .nonces
            .check_and_insert(&verified.nonce, real, expires)
            .map_err(|_| GatewayError::SignatureNonceUsed {
                nonce: verified.nonce.clone(),
            })?;
        let request = match request {
            Ok(request) => request,
            Err(refusal) => {
                // Refused as it was parsed: nothing changed, nothing is written.
                self.ticket = self.engine.barrier();
                return Ok(self.core.scenario.refuse(&refusal));
            }
        };
        let at = self.sim_now(real);
        let Verified {
            nonce,
            caller,
            access_key_id,
            ..
        } = verified;
        // A start-up key is stripped from the parameters; faults still match it.
        let signing_key = matches!(caller, Caller::DefaultRoot).then_some(access_key_id);
        let encoded = encoded_request
            .map(|r| EncodedChange::api(at, &r, signing_key.as_deref()))
            .transpose()
            .map_err(storage)?;
        // What recovery does with the record `encoded` holds (`apply`, `Change::Api`).
        let answer = apply_api(&mut self.core, at, &request, signing_key.as_deref());
        if changed(request.action(), &answer) {
            let nonce = StoredNonce {
                value: nonce,
                expires: expires.timestamp(),
            };
            self.append(encoded.as_ref(), None, Some(&nonce))?;
        } else {
            // Nothing changed: nothing is written (its nonce stays in memory), and the
            // answer waits for every change it could see.
            self.ticket = self.engine.barrier();
        }
        Ok(answer)
    }
}

/// The identities of the current simulation; each look-up takes the lock briefly.
impl Identities for Engine {
    fn declared_secret(&self, access_key_id: &str) -> Option<Cow<'_, str>> {
        let core = lock(&self.core);
        core.scenario
            .simulation()
            .identity(access_key_id)
            .map(|identity| Cow::Owned(identity.access_key_secret.clone()))
    }
}
