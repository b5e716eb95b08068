//! `rds-backup-sim-load`: the emulator's load generator (see `rds_backup_sim_emulator::load`).

use std::process::ExitCode;

use clap::Parser as _;
use rds_backup_sim_emulator::load::{self, LoadArgs};

fn main() -> ExitCode {
    let args = LoadArgs::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rds-backup-sim-load: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(load::run(args)) {
        Ok(report) => {
            println!("{report}");
            if report.errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("rds-backup-sim-load: {e}");
            ExitCode::FAILURE
        }
    }
}
