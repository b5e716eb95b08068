//! The fleet's instances: a documented mix of engines, storages, kinds, statuses, lock
//! modes, databases and backup policies (`docs/simulate.md`, "The instance mix").
//!
//! Instance `i` of a run is a pure function of the run's seed and `i`
//! ([`FleetMix::spec`]), so a shard or a thread that runs instances `a..b` builds exactly
//! the instances the unsharded run builds there.

use std::sync::OnceLock;

use crate::ids::InstanceId;
use crate::instance::{Database, InstanceSpec};
use crate::policy::BackupPolicy;
use crate::vocab::{Engine, InstanceKind, InstanceStatus, LockMode, StorageType};

use super::rng::{FleetRng, Stream};

/// The backup policy an instance of the mix gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyChoice {
    /// No policy: no automatic backups.
    None,
    /// Every day, a one-hour window starting at a whole hour from 00:00Z to 05:00Z.
    Daily,
    /// Monday, Wednesday and Friday, same windows.
    ThreeDays,
}

/// How a fleet's instances are drawn: each list holds `(value, weight)`, and a value's
/// chance is its weight over the list's total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetMix {
    /// `Engine`.
    pub engines: Vec<(Engine, u32)>,
    /// `DBInstanceStorageType`; a MariaDB instance that draws `local_ssd` gets `cloud_essd`
    /// (MariaDB runs on cloud disks only).
    pub storages: Vec<(StorageType, u32)>,
    /// `DBInstanceType`.
    pub kinds: Vec<(InstanceKind, u32)>,
    /// `DBInstanceStatus`.
    pub statuses: Vec<(InstanceStatus, u32)>,
    /// `LockMode`.
    pub locks: Vec<(LockMode, u32)>,
    /// How many `Running` databases (named from [`DATABASE_NAMES`], in order).
    pub database_counts: Vec<(u8, u32)>,
    /// The backup policy.
    pub policies: Vec<(PolicyChoice, u32)>,
    /// Per mille of instances whose backups take [`FleetMix::long_backup_seconds`]
    /// instead of the simulation's default (600 s).
    pub long_backup_per_mille: u32,
    /// The duration of a long backup, in seconds.
    pub long_backup_seconds: u32,
}

/// The names of the databases the mix creates, in order.
pub const DATABASE_NAMES: [&str; 4] = ["app", "sales", "audit", "billing"];

impl Default for FleetMix {
    /// The default mix, as `docs/simulate.md` lists it.
    fn default() -> Self {
        FleetMix {
            engines: vec![
                (Engine::MySql, 50),
                (Engine::PostgreSql, 25),
                (Engine::SqlServer, 15),
                (Engine::MariaDb, 10),
            ],
            storages: vec![
                (StorageType::LocalSsd, 30),
                (StorageType::CloudEssd, 50),
                (StorageType::CloudSsd, 10),
                (StorageType::CloudEssd2, 5),
                (StorageType::GeneralEssd, 5),
            ],
            kinds: vec![
                (InstanceKind::Primary, 90),
                (InstanceKind::Readonly, 7),
                (InstanceKind::Guard, 2),
                (InstanceKind::Temp, 1),
            ],
            statuses: vec![
                (InstanceStatus::Running, 95),
                (InstanceStatus::Stopped, 3),
                (InstanceStatus::Rebooting, 1),
                (InstanceStatus::Restoring, 1),
            ],
            locks: vec![
                (LockMode::Unlock, 96),
                (LockMode::ManualLock, 2),
                (LockMode::LockByExpiration, 1),
                (LockMode::LockByDiskQuota, 1),
            ],
            database_counts: vec![(0, 10), (1, 30), (2, 40), (3, 20)],
            policies: vec![
                (PolicyChoice::Daily, 50),
                (PolicyChoice::ThreeDays, 20),
                (PolicyChoice::None, 30),
            ],
            long_backup_per_mille: 200,
            long_backup_seconds: 1_800,
        }
    }
}

fn draw<T: Copy>(rng: &mut FleetRng, list: &[(T, u32)], fallback: T) -> T {
    rng.pick_from(list).unwrap_or(fallback)
}

/// The `DBInstanceId` of instance `index`: `rm-` and ten digits.
pub fn instance_id(index: u64) -> InstanceId {
    // `format!("rm-{index:010}")` without the formatting machinery: it ran once per
    // instance of a fleet, a few per cent of a run (docs/performance.md, issue 12).
    let mut text = [b'0'; 23];
    text[..3].copy_from_slice(b"rm-");
    let (mut rest, mut end) = (index, text.len());
    while rest > 0 {
        end -= 1;
        text[end] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    // At least ten digits, zero-padded; `u64::MAX` has twenty.
    let start = end.min(text.len() - 10);
    text.copy_within(start.., 3);
    let len = 3 + (text.len() - start);
    let id = std::str::from_utf8(&text[..len]).expect("\"rm-\" and ASCII digits are UTF-8");
    // The text starts with "rm-", so it is never empty.
    InstanceId::new(id).expect("an id starting with rm- is not empty")
}

impl FleetMix {
    /// Instance `index` of a run seeded with `seed`: always a valid description.
    pub fn spec(&self, seed: u64, index: u64) -> InstanceSpec {
        let mut rng = FleetRng::for_instance(seed, index, Stream::Instance);
        let engine = draw(&mut rng, &self.engines, Engine::MySql);
        let mut storage = draw(&mut rng, &self.storages, StorageType::LocalSsd);
        if engine == Engine::MariaDb && !storage.is_cloud_disk() {
            storage = StorageType::CloudEssd;
        }
        let mut spec = InstanceSpec::new(instance_id(index), engine);
        spec.storage = Some(storage);
        spec.kind = draw(&mut rng, &self.kinds, InstanceKind::Primary);
        spec.status = draw(&mut rng, &self.statuses, InstanceStatus::Running);
        spec.lock = draw(&mut rng, &self.locks, LockMode::Unlock);
        let databases = usize::from(draw(&mut rng, &self.database_counts, 0));
        spec.databases = DATABASE_NAMES
            .iter()
            .take(databases)
            .map(|name| Database::running(name))
            .collect();
        let hour = rng.below(6);
        spec.policy = match draw(&mut rng, &self.policies, PolicyChoice::None) {
            PolicyChoice::None => None,
            PolicyChoice::Daily => policy(hour, Days::All),
            PolicyChoice::ThreeDays => policy(hour, Days::Three),
        };
        if rng.chance(self.long_backup_per_mille) && self.long_backup_seconds > 0 {
            spec.backup_duration_seconds = Some(self.long_backup_seconds);
        }
        spec
    }
}

const ALL_DAYS: &str = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday";
const THREE_DAYS: &str = "Monday,Wednesday,Friday";

/// The policy of a one-hour window from `hour` (0 to 5) on `days`. The twelve a mix can
/// give are parsed once per process, not once per instance.
fn policy(hour: u64, days: Days) -> Option<BackupPolicy> {
    static POLICIES: OnceLock<[[Option<BackupPolicy>; 6]; 2]> = OnceLock::new();
    let table = POLICIES.get_or_init(|| {
        [ALL_DAYS, THREE_DAYS].map(|days| {
            std::array::from_fn(|hour| {
                let time = format!("{hour:02}:00Z-{:02}:00Z", hour + 1);
                BackupPolicy::parse(&time, days, 1).ok()
            })
        })
    });
    table[days as usize].get(hour as usize).copied().flatten()
}

/// The day sets of [`PolicyChoice`], as indexes into [`policy`]'s table.
#[derive(Clone, Copy)]
enum Days {
    All = 0,
    Three = 1,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Simulation;

    #[test]
    fn every_drawn_instance_is_valid_and_the_same_for_the_same_seed() {
        let mix = FleetMix::default();
        let mut sim = Simulation::default();
        let now = sim.clock();
        for index in 0..2_000 {
            let spec = mix.spec(0, index);
            assert_eq!(spec, mix.spec(0, index));
            assert_eq!(sim.create_instance(spec, now), Ok(()));
        }
        assert_eq!(instance_id(42).as_str(), "rm-0000000042");
    }

    #[test]
    fn instance_ids_and_policies_are_the_formatted_and_parsed_ones() {
        let edges = [
            0,
            7,
            9_999_999_999,
            10_000_000_000,
            123_456_789_012,
            u64::MAX,
        ];
        for index in edges
            .into_iter()
            .chain(0..2_000)
            .chain((1..20).map(|k| 10u64.pow(k) - 1))
        {
            assert_eq!(instance_id(index).as_str(), format!("rm-{index:010}"));
        }
        for hour in 0..6_u64 {
            for (days, text) in [(Days::All, ALL_DAYS), (Days::Three, THREE_DAYS)] {
                let time = format!("{hour:02}:00Z-{:02}:00Z", hour + 1);
                let parsed = BackupPolicy::parse(&time, text, 1).ok();
                assert!(parsed.is_some());
                assert_eq!(policy(hour, days), parsed);
            }
        }
        assert_eq!(policy(6, Days::All), None);
    }

    #[test]
    fn mariadb_never_lands_on_local_ssd_and_policies_parse() {
        let mix = FleetMix {
            engines: vec![(Engine::MariaDb, 1)],
            storages: vec![(StorageType::LocalSsd, 1)],
            policies: vec![(PolicyChoice::ThreeDays, 1)],
            ..FleetMix::default()
        };
        let spec = mix.spec(3, 9);
        assert_eq!(spec.storage, Some(StorageType::CloudEssd));
        let policy = spec.policy.expect("ThreeDays gives a policy");
        assert_eq!(policy.period_text(), "Monday,Wednesday,Friday");
    }
}
