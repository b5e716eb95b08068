//! `simulate`: a fleet of instances and their backup clients over simulated days, through
//! the library's fleet runner (`docs/simulate.md`); and `merge`, which adds up the
//! `--json` reports of shards.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use rds_backup_sim::fleet::{run_fleet, shard_range, DefaultClients, FleetReport, FleetSettings};
use rds_backup_sim::{CreateBackupError, Engine, Timestamp};
use serde::{Deserialize, Serialize};

/// The longest run `--days` accepts (ten years).
const MAX_DAYS: u32 = 3_650;

/// Options of `simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// How many instances.
    #[arg(long, default_value_t = 10_000, value_parser = at_least_one_u64)]
    instances: u64,
    /// How many simulated days (1 to 3650).
    #[arg(long, default_value_t = 7, value_parser = days)]
    days: u32,
    /// The seed of the instance mix, the clients and the injected failures.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (default: every core). The counts do not depend on it.
    #[arg(long, value_parser = at_least_one_usize)]
    threads: Option<usize>,
    /// Prints nothing but errors (and the JSON report with --json); no progress bar.
    #[arg(long)]
    quiet: bool,
    /// Writes the report as one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Runs only shard I of N (0 <= I < N): a contiguous part of the instances. Merge the
    /// shards' --json reports with `rds-backup-sim merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Days an ended job's set is kept before it is counted and forgotten; 0 keeps counts
    /// only.
    #[arg(long, default_value_t = 7)]
    retain_days: u32,
    /// Draws accepted and rejected requests per simulated day, by code, to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// `--shard I/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// I.
    pub index: u64,
    /// N.
    pub count: u64,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?} is not I/N (for example 0/4)"))?;
    let index: u64 = i
        .parse()
        .map_err(|_| format!("{i:?} is not a shard number"))?;
    let count: u64 = n
        .parse()
        .map_err(|_| format!("{n:?} is not a number of shards"))?;
    if index >= count {
        return Err(format!("shard {index} of {count}: I must be below N"));
    }
    Ok(Shard { index, count })
}

fn at_least_one_u64(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

fn at_least_one_usize(text: &str) -> Result<usize, String> {
    at_least_one_u64(text).and_then(|n| usize::try_from(n).map_err(|_| "too large".into()))
}

fn days(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
        Ok(_) => Err(format!("must be from 1 to {MAX_DAYS}")),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// The settings a report was made with (`settings` in the JSON report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSettings {
    /// `--instances`: the whole fleet, of which a shard runs a part.
    pub instances: u64,
    /// `--days`.
    pub days: u32,
    /// `--seed`.
    pub seed: u64,
    /// `--threads` (for a merged report: the shards' threads added up).
    pub threads: usize,
    /// `--shard`, or `null` for the whole fleet.
    pub shard: Option<Shard>,
    /// `--retain-days`.
    pub retain_days: u32,
    /// The first simulated instant.
    pub start: String,
    /// Per mille of accepted manual jobs made to fail.
    pub failure_per_mille: u32,
    /// The daily limit of manual backups.
    pub daily_backup_limit: u32,
    /// The quota window.
    pub quota_window: String,
    /// The client mix.
    pub clients: String,
}

/// The `--json` report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    /// The settings used.
    pub settings: ReportSettings,
    /// The counts.
    #[serde(flatten)]
    pub counts: FleetReport,
    /// Wall time of the run, in seconds.
    pub elapsed_seconds: f64,
    /// `requests / elapsed_seconds`.
    pub decisions_per_second: f64,
}

/// Reads the wall clock: the one place `simulate` does.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

fn per_second(requests: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        requests as f64 / seconds
    } else {
        0.0
    }
}

/// Runs `simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let settings = FleetSettings {
        instances: args.instances,
        days: args.days,
        seed: args.seed,
        retain_days: args.retain_days,
        ..FleetSettings::default()
    };
    let range = match args.shard {
        Some(shard) => shard_range(args.instances, shard.index, shard.count)
            .context("the shard is outside the fleet")?,
        None => 0..args.instances,
    };
    let progress = Progress::new(range.end - range.start, args.quiet);
    let clients = DefaultClients::default();
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
            shard: args.shard,
            retain_days: args.retain_days,
            start: settings.start.to_rfc3339(),
            failure_per_mille: settings.failure_per_mille,
            daily_backup_limit: settings.simulation.daily_backup_limit,
            quota_window: settings.simulation.quota_window.as_str().to_owned(),
            clients: "default".to_owned(),
        },
        decisions_per_second: per_second(counts.requests, elapsed),
        counts,
        elapsed_seconds: elapsed,
    };
    if let Some(path) = &args.plot {
        crate::plot::draw(path, &report)
            .with_context(|| format!("cannot draw {}", path.display()))?;
    }
    write_report(&report, args.json, args.quiet)
}

fn write_report(report: &JsonReport, json: bool, quiet: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report).context("cannot write the report")?;
        writeln!(out).context("cannot write the report")?;
    } else if !quiet {
        out.write_all(text_report(report).as_bytes())
            .context("cannot write the report")?;
    }
    out.flush().context("cannot write the report")
}

/// The progress bar: on standard error, only when it is a terminal and not `--quiet`,
/// and only once the run has taken a second.
struct Progress {
    bar: Option<ProgressBar>,
    shown: AtomicBool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} instances, {per_sec}, ETA {eta}",
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

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn day_label(start: &str, day: u32) -> String {
    Timestamp::parse_rfc3339(start)
        .map(|t| {
            t.saturating_add_millis(i64::from(day) * 86_400_000)
                .to_wire_seconds()[..10]
                .to_owned()
        })
        .unwrap_or_default()
}

/// The readable report.
pub fn text_report(report: &JsonReport) -> String {
    use std::fmt::Write as _;
    let (s, c) = (&report.settings, &report.counts);
    let mut t = String::new();
    let shard = s
        .shard
        .map(|sh| {
            format!(
                ", shard {}/{} ({} instances)",
                sh.index, sh.count, c.instances
            )
        })
        .unwrap_or_default();
    let kept = if s.retain_days == 0 {
        "counts only".to_owned()
    } else {
        format!("sets kept {} days", s.retain_days)
    };
    let _ = writeln!(
        t,
        "simulate: {} instances{shard}, {} days from {}, seed {}, {} threads, {kept}",
        s.instances, s.days, s.start, s.seed, s.threads
    );
    let _ = writeln!(
        t,
        "clients: nightly scheduler, retrying on BackupJobExists, burst, malformed (docs/simulate.md)\n"
    );
    let rejected = c.rejected_total();
    let _ = writeln!(t, "requests   {:>12}", c.requests);
    let _ = writeln!(
        t,
        "accepted   {:>12}  {:5.1} %",
        c.accepted,
        percent(c.accepted, c.requests)
    );
    let _ = writeln!(
        t,
        "rejected   {:>12}  {:5.1} %",
        rejected,
        percent(rejected, c.requests)
    );
    let mut listed = std::collections::BTreeSet::new();
    for code in CreateBackupError::CODES {
        let spec = code.spec();
        if listed.insert(spec.code) {
            let n = c.rejected.get(spec.code).copied().unwrap_or(0);
            let _ = writeln!(t, "  {:<46} {:>12}", spec.code, n);
        }
    }
    for (code, n) in &c.rejected {
        if listed.insert(code.as_str()) {
            let _ = writeln!(t, "  {code:<46} {n:>12}");
        }
    }
    let _ = writeln!(
        t,
        "\njobs finished {:>12}  (of all ended jobs, {} automatic)",
        c.jobs_finished, c.automatic_jobs
    );
    let _ = writeln!(t, "jobs failed   {:>12}", c.jobs_failed);
    let _ = writeln!(t, "still active  {:>12}  at the end", c.jobs_active_at_end);
    let _ = writeln!(t, "\nsets by engine and method");
    let _ = writeln!(
        t,
        "  {:<12} {:>12} {:>12} {:>12}",
        "", "Logical", "Physical", "Snapshot"
    );
    for engine in Engine::ALL {
        let methods = c.sets.get(engine.as_str());
        let get = |m: &str| methods.and_then(|ms| ms.get(m)).copied().unwrap_or(0);
        let _ = writeln!(
            t,
            "  {:<12} {:>12} {:>12} {:>12}",
            engine.as_str(),
            get("Logical"),
            get("Physical"),
            get("Snapshot")
        );
    }
    let _ = writeln!(
        t,
        "\ninstances hitting the daily limit (Exceeded.BackupTimes)"
    );
    for day in &c.days {
        let _ = writeln!(
            t,
            "  day {:>4}  {}  {:>10}",
            day.day,
            day_label(&s.start, day.day),
            day.instances_at_daily_limit
        );
    }
    if c.clients_stopped > 0 {
        let _ = writeln!(t, "\nclients stopped (runaway): {}", c.clients_stopped);
    }
    let _ = writeln!(
        t,
        "\nwall time {:.3} s, {:.0} decisions/s",
        report.elapsed_seconds, report.decisions_per_second
    );
    t
}

/// Runs `merge`: reads shard reports, checks they are the shards of one run, writes the
/// merged `--json` report to standard output.
pub fn merge(files: &[PathBuf]) -> anyhow::Result<()> {
    let reports = files
        .iter()
        .map(|path| read_report(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = merge_reports(&reports)?;
    write_report(&merged, true, false)
}

fn read_report(path: &Path) -> anyhow::Result<JsonReport> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a `simulate --json` report", path.display()))
}

/// Adds up the reports of the shards 0..N of one run (each exactly once).
pub fn merge_reports(reports: &[JsonReport]) -> anyhow::Result<JsonReport> {
    let Some(first) = reports.first() else {
        bail!("merge needs at least one report");
    };
    let Some(count) = first.settings.shard.map(|s| s.count) else {
        bail!("the first report is not a shard (it has no --shard)");
    };
    let same_run = |r: &ReportSettings| ReportSettings {
        threads: 0,
        shard: None,
        ..r.clone()
    };
    let mut seen = vec![false; usize::try_from(count).unwrap_or(usize::MAX).min(1 << 20)];
    let mut merged = JsonReport {
        settings: ReportSettings {
            threads: 0,
            shard: None,
            ..first.settings.clone()
        },
        counts: FleetReport::default(),
        elapsed_seconds: 0.0,
        decisions_per_second: 0.0,
    };
    for (i, report) in reports.iter().enumerate() {
        if same_run(&report.settings) != same_run(&first.settings) {
            bail!(
                "report {} is from another run (its settings differ from the first)",
                i + 1
            );
        }
        let Some(shard) = report.settings.shard else {
            bail!("report {} is not a shard (it has no --shard)", i + 1);
        };
        if shard.count != count {
            bail!(
                "report {} is shard {}/{}, not of {count}",
                i + 1,
                shard.index,
                shard.count
            );
        }
        match seen.get_mut(shard.index as usize) {
            Some(slot) if !*slot => *slot = true,
            Some(_) => bail!("shard {}/{count} is given twice", shard.index),
            None => bail!("too many shards to merge ({count})"),
        }
        merged.settings.threads += report.settings.threads;
        merged.counts.merge(&report.counts);
        merged.elapsed_seconds += report.elapsed_seconds;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        bail!("shard {missing}/{count} is missing");
    }
    merged.decisions_per_second = per_second(merged.counts.requests, merged.elapsed_seconds);
    Ok(merged)
}
