//! `rds-backup-sim`: replay scenarios, simulate fleets, serve the Alibaba RPC API and load
//! it. The only place besides the emulator that touches files and clocks.

mod load;
mod plot;
mod replay;
mod serve;
mod simulate;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc's thread-local heaps: `simulate`'s threads allocate (job histories, quota
/// ledgers, client plans) without waiting on each other, which glibc's arena locks made
/// them do (docs/performance.md, "Issue 12, third pass").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`: the option just before
/// `mi_option_use_numa_nodes`, which `libmimalloc-sys` names; it names no constant for
/// this one). `cli/tests/replay.rs`'s memory bound fails if this is the wrong option.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_use_numa_nodes - 1;

/// Memory freed goes back to the system at once, as glibc does for large blocks: with
/// mimalloc's default delay, `replay`'s line buffer kept every size it grew through and a
/// 16 MiB line peaked at 74 MB instead of under 56 (`cli/tests/replay.rs` pins the bound).
/// `simulate` measured no slower for it.
fn return_freed_memory_at_once() {
    // SAFETY: `mi_option_set` stores one integer in mimalloc's option table; it reads no
    // pointer and may be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

/// rds-backup-sim: a deterministic simulator of Alibaba Cloud RDS backup state.
///
/// It enforces the rules of the RDS CreateBackup API (daily quotas, one job at a time,
/// instance-state preconditions, the job lifecycle, automatic backups, RAM) with Alibaba's
/// exact error codes, replays JSON Lines scenarios, simulates fleets, and serves the
/// Alibaba RPC API so that the official SDKs run against it unchanged.
#[derive(Parser)]
#[command(name = "rds-backup-sim", version, about, long_about, after_help = MAIN_EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const MAIN_EXAMPLES: &str = "\
Examples:
  rds-backup-sim simulate                               a fleet of 10,000 instances over 7 days
  rds-backup-sim replay examples/quickstart.jsonl       one JSON answer per scenario line
  rds-backup-sim replay --check tests/conformance/*.jsonl
  rds-backup-sim serve --listen 127.0.0.1:8080          the Alibaba RPC API for the SDKs";

#[derive(Subcommand)]
enum Command {
    /// Applies a JSON Lines scenario to a fresh simulation; one JSON answer per operation.
    ///
    /// With --check, runs each FILE in a fresh simulation and compares every answer with
    /// its line's "Expect": prints FILE:LINE for each mismatch and "N passed, M failed"
    /// last; exits 0 when nothing failed, 1 when something did, 2 when a file cannot be
    /// read.
    #[command(after_help = "\
Examples:
  rds-backup-sim replay examples/quickstart.jsonl
  rds-backup-sim replay --check tests/conformance/*.jsonl")]
    Replay {
        /// Compare each answer with its line's \"Expect\" instead of printing the answers.
        #[arg(long)]
        check: bool,
        /// The scenario file, or `-` for standard input (with --check, one or more files).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Serves the simulation over the Alibaba Cloud RPC API, for the official SDKs.
    #[command(after_help = "\
Examples:
  rds-backup-sim serve
  rds-backup-sim serve --listen 127.0.0.1:0 --clock manual --state-dir ./sim-state")]
    Serve(serve::ServeArgs),
    /// Drives signed load against a running `serve`; reports requests per second and latency.
    ///
    /// Signed V1 CreateBackup and DescribeBackupTasks requests over keep-alive connections,
    /// spread over instances it creates through the control plane; the report is a table of
    /// requests, rate, latency percentiles and answers by HTTP status.
    #[command(after_help = "\
Examples:
  rds-backup-sim load --target 127.0.0.1:8080 --seconds 10
  rds-backup-sim load --connections 8 --instances 50 --seconds 3")]
    Load(load::LoadArgs),
    /// Simulates a fleet of instances and their backup clients over simulated days and
    /// reports what the rules answered (docs/simulate.md).
    Simulate(simulate::SimulateArgs),
    /// Merges the `simulate --json --shard I/N` reports of every shard of one run into
    /// the report of the whole run (text, --json or --plot, as simulate writes it).
    Merge(simulate::MergeArgs),
}

fn main() -> ExitCode {
    return_freed_memory_at_once();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay { check: true, files } => replay::check_files(&files),
        Command::Replay {
            check: false,
            files,
        } => match files.as_slice() {
            [file] => replay::run(file).map(|()| ExitCode::SUCCESS),
            _ => Err(anyhow::anyhow!(
                "replay takes one FILE (or `-`); give --check to check several files"
            )),
        },
        Command::Serve(args) => serve::run(args).map(|()| ExitCode::SUCCESS),
        Command::Load(args) => load::run(args).map(|()| ExitCode::SUCCESS),
        Command::Simulate(args) => simulate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Merge(args) => simulate::merge(&args).map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|error| {
        report_error(&error);
        ExitCode::FAILURE
    })
}

/// Writes the program's own error to standard error as clap writes its own: `error: …`,
/// with the causes after a colon.
pub(crate) fn report_error(error: &anyhow::Error) {
    eprintln!("error: {error:#}");
}
