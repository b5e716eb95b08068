//! `rds-backup-sim`: replay scenarios, simulate fleets, serve the Alibaba RPC API and load
//! it. The only place besides the emulator that touches files and clocks.

mod load;
mod plot;
mod replay;
mod serve;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A deterministic simulator of Alibaba Cloud RDS backup state and its CreateBackup rules.
#[derive(Parser)]
#[command(name = "rds-backup-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Applies a JSON Lines scenario to a fresh simulation; one JSON answer per operation.
    Replay {
        /// The scenario file, or `-` for standard input.
        file: PathBuf,
    },
    /// Serves the simulation over the Alibaba Cloud RPC API, for the official SDKs.
    Serve(rds_backup_sim_emulator::ServeArgs),
    /// Drives signed V1 CreateBackup/DescribeBackupTasks load against a running `serve`
    /// over keep-alive connections; reports requests per second and latency percentiles.
    Load(rds_backup_sim_emulator::load::LoadArgs),
    /// Simulates a fleet of instances and their backup clients over simulated days and
    /// reports what the rules answered (docs/simulate.md).
    Simulate(simulate::SimulateArgs),
    /// Merges the `simulate --json --shard I/N` reports of every shard of one run into
    /// the report of the whole run (text, --json or --plot, as simulate writes it).
    Merge(simulate::MergeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay { file } => replay::run(&file),
        Command::Serve(args) => serve::run(args),
        Command::Load(args) => load::run(args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Merge(args) => simulate::merge(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rds-backup-sim: {error:#}");
            ExitCode::FAILURE
        }
    }
}
