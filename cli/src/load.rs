//! `rds-backup-sim load`: the emulator's load generator (`rds_backup_sim_emulator::load`
//! does the work; docs/performance.md, "Emulator load").

use rds_backup_sim_emulator::load::{self, LoadArgs};

/// Runs the load and prints its report on standard output; fails when a request met a
/// transport error.
pub fn run(args: LoadArgs) -> anyhow::Result<()> {
    let report = load::run_blocking(args)?;
    println!("{report}");
    if report.errors > 0 {
        anyhow::bail!("{} transport errors", report.errors);
    }
    Ok(())
}
