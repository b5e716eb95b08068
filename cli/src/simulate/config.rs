//! `simulate --config FILE`: the fleet described in TOML (`docs/simulate.md`, "The
//! fleet file"). Every table and key is optional and defaults to the built-in fleet's;
//! unknown keys and out-of-range values are refused with their line and column.
//! `simulate --print-config` writes the built-in fleet as a commented file.

use std::marker::PhantomData;

use anyhow::Context;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use rds_backup_sim::fleet::{
    BurstParams, ClientKind, ClientParams, CodeSet, DailyWindow, DefaultClients, FaultRates,
    FleetMix, FleetSettings, NightlyParams, PolicyChoice, Rate, RetryPolicy, RetryingParams,
};
use rds_backup_sim::settings::MAX_BACKUP_DURATION_SECONDS;
use rds_backup_sim::vocab::QuotaWindow;
use rds_backup_sim::{
    CreateBackupError, Engine, ErrorCode, InstanceKind, InstanceStatus, LockMode, StorageType,
    UtcOffset,
};

/// The whole fleet file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetConfig {
    /// `[quota]`.
    pub quota: Quota,
    /// `[jobs]`.
    pub jobs: Jobs,
    /// `[instances.*]`.
    pub instances: Instances,
    /// `[clients.*]`.
    pub clients: Clients,
    /// `[faults]`.
    pub faults: Faults,
}

/// `[quota]`: rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quota {
    /// Accepted manual backups per instance per window.
    pub daily_limit: u32,
    /// `CalendarDay` or `Rolling24h`.
    pub window: QuotaWindow,
    /// The offset of the calendar day.
    pub utc_offset: UtcOffset,
}

/// `[jobs]`: how long jobs take and how many fail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jobs {
    /// The duration of a job unless its instance is a long one.
    pub default_seconds: Seconds,
    /// The duration of a long instance's jobs.
    pub long_seconds: Seconds,
    /// Per mille of instances whose jobs are long.
    pub long_per_mille: PerMille,
    /// Per mille of accepted manual jobs made to fail halfway.
    pub failing_per_mille: PerMille,
}

/// `[faults]`: per request, the chance of each injected fault (0 to 1, the sum at most
/// 1; docs/simulate.md, "Faults").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawFaults", into = "RawFaults")]
pub struct Faults(pub FaultRates);

/// `[faults]` as written, before the sum is checked.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawFaults {
    /// 400 `Throttling.User`, the request not applied.
    pub throttling: Chance,
    /// 503 `ServiceUnavailable`, the request not applied.
    pub service_unavailable: Chance,
    /// The request applied, then 500 `InternalError` (`Phase: After`): a lost answer.
    pub internal_error_after: Chance,
}

impl TryFrom<RawFaults> for Faults {
    type Error = String;
    fn try_from(raw: RawFaults) -> Result<Self, String> {
        let (t, s, i) = (
            raw.throttling.0,
            raw.service_unavailable.0,
            raw.internal_error_after.0,
        );
        FaultRates::new(t, s, i).map(Faults).ok_or_else(|| {
            format!(
                "the fault rates add up to {}, more than 1 (throttling {}, service_unavailable {}, internal_error_after {})",
                t.get() + s.get() + i.get(),
                t.get(),
                s.get(),
                i.get()
            )
        })
    }
}

impl From<Faults> for RawFaults {
    fn from(faults: Faults) -> RawFaults {
        RawFaults {
            throttling: Chance(faults.0.throttling()),
            service_unavailable: Chance(faults.0.service_unavailable()),
            internal_error_after: Chance(faults.0.lost_answer()),
        }
    }
}

/// A probability from 0 to 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Chance(pub Rate);

impl TryFrom<f64> for Chance {
    type Error = String;
    fn try_from(p: f64) -> Result<Self, String> {
        Rate::new(p)
            .map(Chance)
            .ok_or_else(|| format!("a fault rate must be from 0 to 1, not {p}"))
    }
}

impl From<Chance> for f64 {
    fn from(value: Chance) -> f64 {
        value.0.get()
    }
}

/// `[instances.*]`: the instance mix, each a table of weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Instances {
    /// `Engine`.
    pub engines: Weights<Engine>,
    /// `DBInstanceStorageType`.
    pub storage: Weights<StorageType>,
    /// `DBInstanceType`.
    pub kinds: Weights<InstanceKind>,
    /// `DBInstanceStatus`.
    pub statuses: Weights<InstanceStatus>,
    /// `LockMode`.
    pub locks: Weights<LockMode>,
    /// How many running databases.
    pub databases: Weights<Databases>,
    /// The backup policy.
    pub policies: Weights<PolicyChoice>,
}

/// `[clients.*]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Clients {
    /// Which client an instance gets.
    pub weights: Weights<ClientKind>,
    /// The nightly scheduler.
    pub nightly: Nightly,
    /// The retrying deploy hook.
    pub retrying: Retrying,
    /// The burst.
    pub burst: Burst,
}

/// `[clients.nightly]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Nightly {
    /// The window's start, `HH:MM` UTC.
    pub window_start: ClockTime,
    /// The window's length.
    pub window_minutes: DayMinutes,
    /// `[clients.nightly.retry]`.
    pub retry: Retry,
}

/// `[clients.retrying]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retrying {
    /// Requests a day.
    pub requests_per_day: Count,
    /// The window's start, `HH:MM` UTC.
    pub window_start: ClockTime,
    /// The window's length.
    pub window_minutes: DayMinutes,
    /// `[clients.retrying.retry]`.
    pub retry: Retry,
}

/// `[clients.burst]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Burst {
    /// The window's start, `HH:MM` UTC.
    pub window_start: ClockTime,
    /// The window's length.
    pub window_minutes: DayMinutes,
    /// Requests in one burst.
    pub requests: Count,
    /// Seconds between two requests of a burst.
    pub spacing_seconds: Seconds,
}

/// `[clients.*.retry]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retry {
    /// Retries per request.
    pub attempts: u8,
    /// The delay before the first retry.
    pub backoff_seconds: Seconds,
    /// Each further retry waits this many times longer.
    pub backoff_factor: Factor,
    /// The wire codes retried.
    pub codes: Vec<RetryCode>,
}

macro_rules! bounded {
    ($(#[$meta:meta])* $name:ident: $low:expr, $high:expr, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "u64", into = "u64")]
        pub struct $name(pub u32);

        impl TryFrom<u64> for $name {
            type Error = String;
            fn try_from(n: u64) -> Result<Self, String> {
                if ($low..=$high).contains(&n) {
                    // In range, and the range fits u32.
                    Ok($name(n as u32))
                } else {
                    Err(format!(concat!($what, " must be from {} to {}, not {}"), $low, $high, n))
                }
            }
        }

        impl From<$name> for u64 {
            fn from(value: $name) -> u64 {
                u64::from(value.0)
            }
        }
    };
}

bounded!(
    /// Seconds, from 1 to ten years.
    Seconds: 1, MAX_BACKUP_DURATION_SECONDS, "seconds"
);
bounded!(
    /// A share in thousandths.
    PerMille: 0, 1000, "a per-mille share"
);
bounded!(
    /// Minutes of a day.
    DayMinutes: 0, 1440, "minutes"
);
bounded!(
    /// A number of requests (at most the runner's per-day cap).
    Count: 0, 10_000, "a number of requests"
);
bounded!(
    /// A backoff multiplier.
    Factor: 1, 1000, "a backoff factor"
);

/// A time of day, `HH:MM` (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime(pub u32);

impl TryFrom<String> for ClockTime {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let parsed = text.split_once(':').and_then(|(h, m)| {
            let ok = h.len() == 2 && m.len() == 2;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (ok && h < 24 && m < 60).then_some(h * 60 + m)
        });
        parsed
            .map(ClockTime)
            .ok_or_else(|| format!("{text:?} is not a time of day HH:MM from 00:00 to 23:59"))
    }
}

impl From<ClockTime> for String {
    fn from(value: ClockTime) -> String {
        format!("{:02}:{:02}", value.0 / 60, value.0 % 60)
    }
}

/// A wire code that `CreateBackup` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RetryCode(pub String);

/// The codes a client can be answered: the rules' and the injected faults'.
fn answer_codes() -> impl Iterator<Item = ErrorCode> {
    CreateBackupError::CODES
        .iter()
        .chain(CreateBackupError::FAULT_CODES)
        .copied()
}

impl TryFrom<String> for RetryCode {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        answer_codes()
            .map(|code| code.spec().code)
            .find(|code| *code == text)
            .map(|code| RetryCode(code.to_owned()))
            .ok_or_else(|| {
                let mut codes: Vec<&str> = answer_codes().map(|c| c.spec().code).collect();
                codes.dedup();
                format!(
                    "{text:?} is not a CreateBackup error code ({})",
                    codes.join(", ")
                )
            })
    }
}

impl From<RetryCode> for String {
    fn from(value: RetryCode) -> String {
        value.0
    }
}

/// How many running databases an instance has (0 to 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Databases(pub u8);

/// A value of a weight table: its key in the file, and the order in which the mix draws
/// (the built-in fleet's order first, so a file that lists the same weights in another
/// order draws the same instances).
pub trait Weighted: Copy + PartialEq + 'static {
    /// Every value, in drawing order.
    fn order() -> Vec<Self>;
    /// Its key.
    fn key(self) -> String;
}

macro_rules! weighted_wire {
    ($($name:ty: [$($first:expr),*]);* $(;)?) => {$(
        impl Weighted for $name {
            fn order() -> Vec<Self> {
                let mut order: Vec<$name> = vec![$($first),*];
                let rest: Vec<$name> =
                    <$name>::ALL.iter().copied().filter(|v| !order.contains(v)).collect();
                order.extend(rest);
                order
            }
            fn key(self) -> String {
                self.as_str().to_owned()
            }
        }
    )*};
}

weighted_wire! {
    Engine: [];
    StorageType: [StorageType::LocalSsd, StorageType::CloudEssd];
    InstanceKind: [];
    InstanceStatus: [InstanceStatus::Running, InstanceStatus::Stopped, InstanceStatus::Rebooting, InstanceStatus::Restoring];
    LockMode: [LockMode::Unlock, LockMode::ManualLock, LockMode::LockByExpiration, LockMode::LockByDiskQuota];
}

impl Weighted for Databases {
    fn order() -> Vec<Self> {
        (0..=4).map(Databases).collect()
    }
    fn key(self) -> String {
        self.0.to_string()
    }
}

impl Weighted for PolicyChoice {
    fn order() -> Vec<Self> {
        vec![
            PolicyChoice::Daily,
            PolicyChoice::ThreeDays,
            PolicyChoice::None,
        ]
    }
    fn key(self) -> String {
        match self {
            PolicyChoice::Daily => "daily",
            PolicyChoice::ThreeDays => "monday_wednesday_friday",
            PolicyChoice::None => "none",
        }
        .to_owned()
    }
}

impl Weighted for ClientKind {
    fn order() -> Vec<Self> {
        vec![
            ClientKind::Nightly,
            ClientKind::Retrying,
            ClientKind::Burst,
            ClientKind::Malformed,
        ]
    }
    fn key(self) -> String {
        match self {
            ClientKind::Nightly => "nightly",
            ClientKind::Retrying => "retrying",
            ClientKind::Burst => "burst",
            ClientKind::Malformed => "malformed",
        }
        .to_owned()
    }
}

/// A table of weights: `key = weight`; a value's chance is its weight over the total.
/// Kept in drawing order ([`Weighted::order`]); a key left out weighs 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weights<T>(pub Vec<(T, u32)>);

impl<T: Weighted> Weights<T> {
    fn sorted(mut list: Vec<(T, u32)>) -> Weights<T> {
        let order = T::order();
        list.sort_by_key(|(v, _)| order.iter().position(|o| o == v));
        Weights(list)
    }
}

impl<T: Weighted> Serialize for Weights<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (value, weight) in &self.0 {
            map.serialize_entry(&value.key(), weight)?;
        }
        map.end()
    }
}

/// A key of a weight table, refused with the accepted keys when unknown.
struct Key<T>(T);

impl<'de, T: Weighted> Deserialize<'de> for Key<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let order = T::order();
        order
            .iter()
            .find(|v| v.key() == text)
            .map(|v| Key(*v))
            .ok_or_else(|| {
                let keys: Vec<String> = order.iter().map(|v| v.key()).collect();
                de::Error::custom(format!("unknown key {text:?} (one of {})", keys.join(", ")))
            })
    }
}

impl<'de, T: Weighted> Deserialize<'de> for Weights<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Table<T>(PhantomData<T>);
        impl<'de, T: Weighted> Visitor<'de> for Table<T> {
            type Value = Weights<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of weights (key = whole number)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Weights<T>, A::Error> {
                let mut list = Vec::new();
                while let Some(Key(value)) = map.next_key::<Key<T>>()? {
                    list.push((value, map.next_value::<u32>()?));
                }
                if list.iter().all(|(_, w)| *w == 0) {
                    return Err(de::Error::custom("at least one weight must be above 0"));
                }
                Ok(Weights::sorted(list))
            }
        }
        d.deserialize_map(Table(PhantomData))
    }
}

impl Default for FleetConfig {
    /// The built-in fleet.
    fn default() -> Self {
        FleetConfig::from_fleet(&FleetSettings::default(), &DefaultClients::default())
    }
}

macro_rules! default_from_fleet {
    ($($name:ident => $field:ident $(. $more:ident)*),* $(,)?) => {$(
        impl Default for $name {
            fn default() -> Self {
                FleetConfig::default().$field $(.$more)*
            }
        }
    )*};
}

default_from_fleet! {
    Quota => quota,
    Jobs => jobs,
    Instances => instances,
    Clients => clients,
    Nightly => clients.nightly,
    Retrying => clients.retrying,
    Burst => clients.burst,
    Faults => faults,
}

impl Default for Retry {
    /// Never retries (attempts 0); when turned on, retries `BackupJobExists` after 300 s.
    fn default() -> Self {
        Retry::from_policy(&RetryPolicy::NEVER)
    }
}

impl Retry {
    fn from_policy(policy: &RetryPolicy) -> Retry {
        let mut codes: Vec<RetryCode> = policy
            .codes
            .codes()
            .map(|code| RetryCode(code.spec().code.to_owned()))
            .collect();
        codes.dedup();
        Retry {
            attempts: policy.attempts,
            backoff_seconds: Seconds(policy.backoff_seconds.max(1)),
            backoff_factor: Factor(policy.backoff_factor.max(1)),
            codes,
        }
    }

    fn policy(&self) -> RetryPolicy {
        let codes = answer_codes()
            .filter(|code: &ErrorCode| self.codes.iter().any(|c| c.0 == code.spec().code));
        RetryPolicy {
            attempts: self.attempts,
            backoff_seconds: self.backoff_seconds.0,
            backoff_factor: self.backoff_factor.0,
            codes: codes.fold(CodeSet::EMPTY, CodeSet::with),
        }
    }
}

fn window(start: ClockTime, minutes: DayMinutes) -> DailyWindow {
    DailyWindow {
        start_minute: start.0,
        minutes: minutes.0,
    }
}

fn list<T: Weighted>(weights: &[(T, u32)]) -> Weights<T> {
    Weights::sorted(weights.to_vec())
}

impl FleetConfig {
    /// The file of a fleet.
    pub fn from_fleet(fleet: &FleetSettings, clients: &DefaultClients) -> FleetConfig {
        let (mix, sim, p) = (&fleet.mix, &fleet.simulation, &clients.params);
        FleetConfig {
            quota: Quota {
                daily_limit: sim.daily_backup_limit,
                window: sim.quota_window,
                utc_offset: sim.quota_utc_offset,
            },
            jobs: Jobs {
                default_seconds: Seconds(sim.backup_duration_seconds),
                long_seconds: Seconds(mix.long_backup_seconds),
                long_per_mille: PerMille(mix.long_backup_per_mille),
                failing_per_mille: PerMille(fleet.failure_per_mille),
            },
            instances: Instances {
                engines: list(&mix.engines),
                storage: list(&mix.storages),
                kinds: list(&mix.kinds),
                statuses: list(&mix.statuses),
                locks: list(&mix.locks),
                databases: Weights(
                    mix.database_counts
                        .iter()
                        .map(|(n, w)| (Databases(*n), *w))
                        .collect(),
                ),
                policies: list(&mix.policies),
            },
            clients: Clients {
                weights: list(&clients.weights),
                nightly: Nightly {
                    window_start: ClockTime(p.nightly.window.start_minute),
                    window_minutes: DayMinutes(p.nightly.window.minutes),
                    retry: Retry::from_policy(&p.nightly.retry),
                },
                retrying: Retrying {
                    requests_per_day: Count(p.retrying.requests_per_day),
                    window_start: ClockTime(p.retrying.window.start_minute),
                    window_minutes: DayMinutes(p.retrying.window.minutes),
                    retry: Retry::from_policy(&p.retrying.retry),
                },
                burst: Burst {
                    window_start: ClockTime(p.burst.window.start_minute),
                    window_minutes: DayMinutes(p.burst.window.minutes),
                    requests: Count(p.burst.requests),
                    spacing_seconds: Seconds(p.burst.spacing_seconds),
                },
            },
            faults: Faults(fleet.faults),
        }
    }

    /// Applies the file to `fleet` (its run options are left as they are) and gives the
    /// client mix.
    pub fn apply(&self, fleet: &mut FleetSettings) -> DefaultClients {
        let (i, c) = (&self.instances, &self.clients);
        fleet.simulation.daily_backup_limit = self.quota.daily_limit;
        fleet.simulation.quota_window = self.quota.window;
        fleet.simulation.quota_utc_offset = self.quota.utc_offset;
        fleet.simulation.backup_duration_seconds = self.jobs.default_seconds.0;
        fleet.failure_per_mille = self.jobs.failing_per_mille.0;
        fleet.faults = self.faults.0;
        fleet.mix = FleetMix {
            engines: i.engines.0.clone(),
            storages: i.storage.0.clone(),
            kinds: i.kinds.0.clone(),
            statuses: i.statuses.0.clone(),
            locks: i.locks.0.clone(),
            database_counts: i.databases.0.iter().map(|(n, w)| (n.0, *w)).collect(),
            policies: i.policies.0.clone(),
            long_backup_per_mille: self.jobs.long_per_mille.0,
            long_backup_seconds: self.jobs.long_seconds.0,
        };
        DefaultClients {
            weights: c.weights.0.clone(),
            params: ClientParams {
                nightly: NightlyParams {
                    window: window(c.nightly.window_start, c.nightly.window_minutes),
                    retry: c.nightly.retry.policy(),
                },
                retrying: RetryingParams {
                    requests_per_day: c.retrying.requests_per_day.0,
                    window: window(c.retrying.window_start, c.retrying.window_minutes),
                    retry: c.retrying.retry.policy(),
                },
                burst: BurstParams {
                    window: window(c.burst.window_start, c.burst.window_minutes),
                    requests: c.burst.requests.0,
                    spacing_seconds: c.burst.spacing_seconds.0,
                },
            },
        }
    }

    /// Parses a fleet file; `name` is how errors name it.
    pub fn parse(text: &str, name: &str) -> anyhow::Result<FleetConfig> {
        toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!(", line {line}, column {column}")
                })
                .unwrap_or_default();
            anyhow::anyhow!("{name}{at}: {}", e.message())
        })
    }

    /// The file's canonical text (every key, no comments): what [`FleetConfig::hash`]
    /// hashes.
    pub fn canonical(&self) -> String {
        // Every field is a plain value or table that TOML represents.
        toml::to_string(self).expect("a fleet file serializes to TOML")
    }

    /// The first 16 hex digits of the SHA-256 of [`FleetConfig::canonical`]: equal for
    /// equal fleets, however their files are written.
    pub fn hash(&self) -> String {
        Sha256::digest(self.canonical().as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The commented file `--print-config` writes.
    pub fn commented(&self) -> String {
        let table: toml::Table =
            toml::from_str(&self.canonical()).expect("the canonical text parses back as a table");
        let mut out = String::from(HEADER);
        write_table(&mut out, &table, "");
        out
    }
}

/// Reads the fleet file `path` (`-` for standard input).
pub fn read(path: &str) -> anyhow::Result<FleetConfig> {
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("cannot read the fleet file from standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?
    };
    FleetConfig::parse(&text, if path == "-" { "standard input" } else { path })
}

const HEADER: &str = "\
# The fleet of `rds-backup-sim simulate` (docs/simulate.md, \"The fleet file\").
# `simulate --config FILE` reads it; every table and key may be left out and then has
# the value written here (the built-in fleet). Unknown keys are refused.
# The run itself (--instances, --days, --seed, --shard) is given on the command line.
";

/// Comments written above each table.
const COMMENTS: &[(&str, &str)] = &[
    ("quota", "Q-1 to Q-4: accepted manual backups per instance per window; the window is\n# CalendarDay (the calendar day at utc_offset, -12:00 to +14:00) or Rolling24h."),
    ("jobs", "How long a job takes (seconds), the per-mille share of instances whose jobs\n# take long_seconds, and the per-mille share of accepted manual jobs made to fail\n# halfway (T-3). Fault rates are in [faults]."),
    ("instances", "The instance mix: each table gives weights; a value's share is its weight over\n# the table's total, and a key left out weighs 0."),
    ("instances.engines", "Engine: MySQL, PostgreSQL, SQLServer, MariaDB."),
    ("instances.storage", "DBInstanceStorageType: local_ssd, cloud_essd, cloud_ssd, cloud_essd2,\n# general_essd, cloud_essd3. MariaDB drawing local_ssd gets cloud_essd."),
    ("instances.kinds", "DBInstanceType: Primary, Readonly, Guard, Temp."),
    ("instances.statuses", "DBInstanceStatus: any wire status (only Running accepts backups)."),
    ("instances.locks", "LockMode: Unlock, ManualLock, LockByExpiration, LockByRestoration,\n# LockByDiskQuota, LockReadInstanceByDiskQuota."),
    ("instances.databases", "How many Running databases (app, sales, audit, billing in order): 0 to 4."),
    ("instances.policies", "Automatic backups: daily, monday_wednesday_friday or none, in a one-hour\n# window starting at a whole hour from 00:00Z to 05:00Z."),
    ("clients", "The clients: each instance gets one, drawn with these weights."),
    ("clients.weights", "nightly: a scheduler; retrying: a deploy hook; burst: a runaway export;\n# malformed: a client with a bug."),
    ("clients.nightly", "One request a day at its own minute of the window (HH:MM UTC and minutes),\n# Snapshot on cloud disks, Physical on local_ssd."),
    ("clients.nightly.retry", "How the nightly scheduler retries: at most `attempts` times per request, the\n# n-th retry backoff_seconds * backoff_factor^n after the refusal, only for these\n# CreateBackup codes; a retry reaching the next night is dropped."),
    ("clients.retrying", "requests_per_day requests at random minutes of the window, no BackupMethod."),
    ("clients.retrying.retry", "How the deploy hook retries (as above)."),
    ("faults", "Injected faults: per request, the chance (0 to 1, the sum at most 1) of 400\n# Throttling.User and of 503 ServiceUnavailable (neither applies the request), and of\n# 500 InternalError after the request was applied (a lost answer: the job it started\n# runs, the client sees 500). Retry policies may list these codes."),
    ("clients.burst", "Every day from a random minute of the window, `requests` requests\n# spacing_seconds apart, with a method the instance supports."),
];

fn write_table(out: &mut String, table: &toml::Table, path: &str) {
    use std::fmt::Write as _;
    let (values, tables): (Vec<_>, Vec<_>) = table.iter().partition(|(_, v)| !v.is_table());
    if !path.is_empty() {
        if let Some((_, comment)) = COMMENTS.iter().find(|(p, _)| *p == path) {
            let _ = write!(out, "\n# {comment}\n");
        } else {
            out.push('\n');
        }
        if !values.is_empty() {
            let _ = writeln!(out, "[{path}]");
        }
    }
    for (key, value) in values {
        let mut one = toml::Table::new();
        one.insert(key.clone(), value.clone());
        // A one-entry table of a plain value always serializes.
        out.push_str(&toml::to_string(&one).expect("a key and a value serialize"));
    }
    for (key, value) in tables {
        if let toml::Value::Table(sub) = value {
            let sub_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            write_table(out, sub, &sub_path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_default_reads_back_as_the_built_in_fleet() {
        let default = FleetConfig::default();
        let printed = default.commented();
        assert_eq!(FleetConfig::parse(&printed, "x").unwrap(), default);
        let mut fleet = FleetSettings::default();
        let clients = default.apply(&mut fleet);
        assert_eq!(fleet, FleetSettings::default());
        assert_eq!(clients, DefaultClients::default());
        assert_eq!(FleetConfig::parse("", "x").unwrap(), default);
    }

    #[test]
    fn a_partial_table_keeps_the_other_keys() {
        let config = FleetConfig::parse(
            "[clients.nightly.retry]\nattempts = 4\n[clients.retrying]\nrequests_per_day = 5\n",
            "x",
        )
        .unwrap();
        let clients = config.apply(&mut FleetSettings::default());
        let built_in = DefaultClients::default().params;
        assert_eq!(
            clients.params.nightly.retry,
            RetryPolicy {
                attempts: 4,
                ..built_in.nightly.retry
            }
        );
        assert_eq!(clients.params.nightly.window, built_in.nightly.window);
        assert_eq!(clients.params.retrying.requests_per_day, 5);
        assert_eq!(clients.params.retrying.retry, built_in.retrying.retry);
        assert_eq!(clients.weights, DefaultClients::default().weights);
    }

    #[test]
    fn fault_rates_and_their_codes_are_read() {
        let config = FleetConfig::parse(
            "[faults]\nthrottling = 0.05\nservice_unavailable = 0\ninternal_error_after = 1e-2\n\
             [clients.retrying.retry]\ncodes = [\"Throttling.User\", \"ServiceUnavailable\", \"InternalError\"]\n",
            "x",
        )
        .unwrap();
        let mut fleet = FleetSettings::default();
        let clients = config.apply(&mut fleet);
        assert_eq!(fleet.faults.throttling().get(), 0.05);
        assert_eq!(fleet.faults.service_unavailable().get(), 0.0);
        assert_eq!(fleet.faults.lost_answer().get(), 0.01);
        assert_eq!(
            clients
                .params
                .retrying
                .retry
                .codes
                .codes()
                .collect::<Vec<_>>(),
            [
                ErrorCode::ThrottlingUser,
                ErrorCode::ServiceUnavailable,
                ErrorCode::InternalError
            ]
        );
        assert_eq!(FleetConfig::from_fleet(&fleet, &clients), config);
        assert!(FleetConfig::default().commented().contains(
            "\n[faults]\nthrottling = 0.0\nservice_unavailable = 0.0\ninternal_error_after = 0.0\n"
        ));
    }

    #[test]
    fn keys_in_another_order_draw_the_same_fleet() {
        let config = FleetConfig::parse(
            "[instances.engines]\nMariaDB = 10\nSQLServer = 15\nPostgreSQL = 25\nMySQL = 50\n",
            "x",
        )
        .unwrap();
        assert_eq!(config.hash(), FleetConfig::default().hash());
    }

    fn refused(text: &str) -> String {
        FleetConfig::parse(text, "f.toml").unwrap_err().to_string()
    }

    #[test]
    fn bad_files_are_refused_with_line_and_column() {
        let e = refused("[quota]\ndaily_limit = 20\nwindwo = \"Rolling24h\"\n");
        assert!(
            e.starts_with("f.toml, line 3, column 1: unknown field `windwo`"),
            "{e}"
        );
        let e = refused("[instances.engines]\nMySQL = 1\nOracle = 3\n");
        assert!(
            e.starts_with(
                "f.toml, line 3, column 1: unknown key \"Oracle\" (one of MySQL, PostgreSQL"
            ),
            "{e}"
        );
        let e = refused("[jobs]\nfailing_per_mille = 1001\n");
        assert!(
            e.starts_with(
                "f.toml, line 2, column 21: a per-mille share must be from 0 to 1000, not 1001"
            ),
            "{e}"
        );
        let e = refused("[clients.nightly]\nwindow_start = \"25:00\"\n");
        assert!(
            e.contains("line 2, column 16: \"25:00\" is not a time of day HH:MM"),
            "{e}"
        );
        let e = refused("[clients.retrying.retry]\ncodes = [\"Busy\"]\n");
        assert!(e.contains("line 2, column 9: \"Busy\" is not a CreateBackup error code (RequiredParam.NotFound,"), "{e}");
        let e = refused("[clients.weights]\nnightly = 0\n");
        assert!(e.contains("at least one weight must be above 0"), "{e}");
        let e = refused("[faults]\nthrottling = 0.5\nservice_unavailable = 1.5\n");
        assert!(
            e.starts_with("f.toml, line 3, column 23: a fault rate must be from 0 to 1, not 1.5"),
            "{e}"
        );
        let e = refused("[faults]\ninternal_error_after = -0.01\n");
        assert!(
            e.starts_with("f.toml, line 2, column 24: a fault rate must be from 0 to 1, not -0.01"),
            "{e}"
        );
        let e = refused(
            "[quota]\ndaily_limit = 5\n\n[faults]\nthrottling = 0.6\ninternal_error_after = 0.5\n",
        );
        assert_eq!(
            e,
            "f.toml, line 4, column 1: the fault rates add up to 1.1, more than 1 (throttling 0.6, service_unavailable 0, internal_error_after 0.5)"
        );
        let e = refused("[faults]\nlost_answers = 0.1\n");
        assert!(
            e.starts_with("f.toml, line 2, column 1: unknown field `lost_answers`, expected one of `throttling`, `service_unavailable`, `internal_error_after`"),
            "{e}"
        );
        let e = refused("[quota]\nwindow = \"Weekly\"\n");
        assert!(
            e.contains("line 2, column 10: unknown QuotaWindow \"Weekly\""),
            "{e}"
        );
    }
}
