//! Runs `simulate`: the fleet file, the shard, the progress bar, the report and the plot.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use rds_backup_sim::fleet::{run_fleet, shard_range, DefaultClients, FleetSettings};

use super::config::{self, FleetConfig};
use super::options::{resolve_shard, SimulateArgs};
use super::report::{per_second, write_report, ConfigName, JsonReport, ReportSettings};

/// Reads the wall clock: the one place `simulate` does.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

/// Runs `simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let (fleet, name) = match &args.config {
        Some(path) => (config::read(path)?, path.clone()),
        None => (FleetConfig::default(), "built-in".to_owned()),
    };
    if args.print_config {
        let mut out = std::io::stdout().lock();
        out.write_all(fleet.commented().as_bytes())
            .and_then(|()| out.flush())
            .context("cannot write the fleet file")?;
        return Ok(());
    }
    let plot = args.plot.as_deref().map(crate::plot::check).transpose()?;
    let shard = resolve_shard(args.shard, args.shards, |name| std::env::var(name).ok())?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let mut settings = FleetSettings {
        instances: args.instances,
        days: args.days,
        seed: args.seed,
        retain_days: args.retain_days,
        ..FleetSettings::default()
    };
    let clients: DefaultClients = fleet.apply(&mut settings);
    let range = match shard {
        Some(shard) => shard_range(args.instances, shard.index, shard.count)
            .context("the shard is outside the fleet")?,
        None => 0..args.instances,
    };
    let progress = Progress::new(range.end - range.start, args.quiet);
    let started = wall_clock();
    let counts = run_fleet(&settings, &clients, range, threads, &|n| {
        progress.advance(n)
    });
    let elapsed = started.elapsed().as_secs_f64();
    progress.finish();
    let report = JsonReport {
        settings: ReportSettings {
            instances: args.instances,
            days: args.days,
            seed: args.seed,
            threads,
            shard,
            retain_days: args.retain_days,
            start: settings.start.to_rfc3339(),
            failure_per_mille: settings.failure_per_mille,
            daily_backup_limit: settings.simulation.daily_backup_limit,
            quota_window: settings.simulation.quota_window.as_str().to_owned(),
            config: ConfigName {
                path: name,
                hash: fleet.hash(),
            },
            fleet,
        },
        decisions_per_second: per_second(counts.requests, elapsed),
        counts,
        elapsed_seconds: elapsed,
    };
    if let Some(plot) = plot {
        plot.draw(&report)?;
    }
    write_report(&report, args.json, args.quiet)
}

/// The progress bar: on standard error, only when it is a terminal and not `--quiet`,
/// and only once the run has taken a second; as wide as the terminal.
struct Progress {
    bar: Option<ProgressBar>,
    shown: AtomicBool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            shown: AtomicBool::new(false),
        }
    }

    fn advance(&self, n: u64) {
        let Some(bar) = &self.bar else { return };
        bar.inc(n);
        if bar.elapsed() > Duration::from_secs(1) && !self.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
