//! `settings.json`: what a state directory was created with. Written once, at the first
//! start, and then authoritative: a restart takes its seed and clock mode from it, and a
//! flag that contradicts them is refused (spec/emulator.md, `--seed`).

use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use rds_backup_sim::Timestamp;
use serde::{Deserialize, Serialize};

use crate::sim_clock::ClockMode;

/// The file's name inside the state directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// The stored settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoredSettings {
    /// The simulation seed.
    pub seed: u64,
    /// The clock mode.
    pub clock: ClockMode,
    /// The simulation's start at creation (`real`: the real time of the first start).
    pub origin: Timestamp,
}

/// Why the settings could not be settled.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A flag contradicts the stored value.
    #[error("{dir} was created with {name} {stored}; {flag} contradicts it (drop the flag or use another --state-dir)")]
    Contradicted {
        /// The directory.
        dir: String,
        /// `seed` or `clock`.
        name: &'static str,
        /// The stored value.
        stored: String,
        /// The flag as given.
        flag: String,
    },
    /// The file is unreadable or not settings.
    #[error("cannot read {0}: {1}")]
    Unreadable(String, String),
    /// The file could not be written.
    #[error("cannot write {0}: {1}")]
    Unwritable(String, std::io::Error),
}

/// The settings of `dir`: the stored ones (checked against the flags), or, on the first
/// start, `fresh` written to the directory.
pub fn settle(
    dir: &Path,
    seed_flag: Option<u64>,
    clock_flag: Option<ClockMode>,
    fresh: StoredSettings,
) -> Result<StoredSettings, SettingsError> {
    let path = dir.join(SETTINGS_FILE);
    let shown = path.display().to_string();
    match std::fs::read(&path) {
        Ok(bytes) => {
            let stored: StoredSettings = serde_json::from_slice(&bytes)
                .map_err(|e| SettingsError::Unreadable(shown.clone(), e.to_string()))?;
            let contradicted = |name, stored: String, flag: String| SettingsError::Contradicted {
                dir: dir.display().to_string(),
                name,
                stored,
                flag,
            };
            if let Some(seed) = seed_flag.filter(|s| *s != stored.seed) {
                return Err(contradicted(
                    "seed",
                    stored.seed.to_string(),
                    format!("--seed {seed}"),
                ));
            }
            if let Some(clock) = clock_flag.filter(|c| *c != stored.clock) {
                return Err(contradicted(
                    "clock",
                    stored.clock.to_string(),
                    format!("--clock {clock}"),
                ));
            }
            Ok(stored)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_durably(dir, &path, &fresh).map_err(|e| SettingsError::Unwritable(shown, e))?;
            Ok(fresh)
        }
        Err(e) => Err(SettingsError::Unreadable(shown, e.to_string())),
    }
}

/// Writes `settings` to a temporary file, syncs it, renames it into place and syncs the
/// directory, so the file is either absent or whole.
fn write_durably(dir: &Path, path: &Path, settings: &StoredSettings) -> std::io::Result<()> {
    let tmp = dir.join(format!("{SETTINGS_FILE}.tmp"));
    let mut file = File::create(&tmp)?;
    let json = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
    file.write_all(&json)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(seed: u64) -> StoredSettings {
        StoredSettings {
            seed,
            clock: ClockMode::Manual,
            origin: Timestamp::from_millis(0).unwrap(),
        }
    }

    #[test]
    fn stored_settings_win_and_a_contradicting_flag_is_refused() {
        let dir = std::env::temp_dir().join(format!("rbs-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(settle(&dir, Some(7), None, fresh(7)).unwrap(), fresh(7));
        // Later starts: no flag, or the same values, take the stored ones.
        assert_eq!(settle(&dir, None, None, fresh(0)).unwrap(), fresh(7));
        assert_eq!(
            settle(&dir, Some(7), Some(ClockMode::Manual), fresh(0)).unwrap(),
            fresh(7)
        );
        let seed = settle(&dir, Some(8), None, fresh(8)).unwrap_err();
        assert_eq!(
            seed.to_string(),
            format!(
                "{} was created with seed 7; --seed 8 contradicts it (drop the flag or use another --state-dir)",
                dir.display()
            )
        );
        let clock = settle(&dir, None, Some(ClockMode::Real), fresh(0)).unwrap_err();
        assert_eq!(
            clock.to_string(),
            format!(
                "{} was created with clock manual; --clock real contradicts it (drop the flag or use another --state-dir)",
                dir.display()
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
