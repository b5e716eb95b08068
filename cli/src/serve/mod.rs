//! `rds-backup-sim serve`: the emulator. The program parses the flags ([`ServeArgs`]); the
//! `rds-backup-sim-emulator` crate checks them ([`ServeConfig::try_from`]) and serves.

mod args;

pub use args::ServeArgs;
use rds_backup_sim_emulator::{ServeConfig, ServeOptions};

/// Checks the flags, then runs the server until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = ServeConfig::try_from(ServeOptions::from(args))?;
    rds_backup_sim_emulator::run(config).map_err(anyhow::Error::from)
}
