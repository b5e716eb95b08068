//! `rds-backup-sim serve`: the emulator (the `rds-backup-sim-emulator` crate does the work).

use rds_backup_sim_emulator::ServeArgs;

/// Runs the server until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    rds_backup_sim_emulator::run(args).map_err(anyhow::Error::from)
}
