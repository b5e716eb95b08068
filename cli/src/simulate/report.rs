//! The report of `simulate` and `merge`: the `--json` object and the text a person reads.

pub use crate::text::{plural, thousands};
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use rds_backup_sim::fleet::FleetReport;
use rds_backup_sim::vocab::QuotaWindow;
use rds_backup_sim::{CreateBackupError, Engine, Timestamp};

use super::config::FleetConfig;
use super::options::Shard;

/// Which fleet file a run used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigName {
    /// `--config`'s path, `-` for standard input, or `built-in`.
    pub path: String,
    /// [`FleetConfig::hash`]: equal for equal fleets, however written.
    pub hash: String,
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
    /// The fleet file: its path and hash.
    pub config: ConfigName,
    /// The whole fleet, as `--print-config` writes it.
    pub fleet: FleetConfig,
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

/// `requests / seconds`, 0 for no time.
pub fn per_second(requests: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        requests as f64 / seconds
    } else {
        0.0
    }
}

/// Writes `report` to standard output: JSON, or text unless `quiet`.
pub fn write_report(report: &JsonReport, json: bool, quiet: bool) -> anyhow::Result<()> {
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

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The date of day `day` of a run that starts at `start` (RFC 3339), `YYYY-MM-DD`.
pub fn day_label(start: &str, day: u32) -> String {
    Timestamp::parse_rfc3339(start)
        .map(|t| {
            t.saturating_add_millis(i64::from(day) * 86_400_000)
                .to_wire_seconds()[..10]
                .to_owned()
        })
        .unwrap_or_default()
}

/// The fleet in one line: its file, the quota and the client weights.
pub fn fleet_line(s: &ReportSettings) -> String {
    let quota = &s.fleet.quota;
    let clients: Vec<String> = s
        .fleet
        .clients
        .weights
        .0
        .iter()
        .filter(|(_, w)| *w > 0)
        .map(|(kind, w)| format!("{} {w}", super::config::Weighted::key(*kind)))
        .collect();
    let window = match quota.window {
        QuotaWindow::CalendarDay => format!("calendar day at {}", quota.utc_offset),
        QuotaWindow::Rolling24h => "rolling 24 hours".to_owned(),
    };
    let f = &s.fleet.faults.0;
    let faults = if f.is_none() {
        String::new()
    } else {
        format!(
            "; faults per request: Throttling.User {}, ServiceUnavailable {}, InternalError after applying {}",
            f.throttling().get(),
            f.service_unavailable().get(),
            f.lost_answer().get()
        )
    };
    format!(
        "fleet {} ({}): {} backups per {window}; clients {}{faults}",
        s.config.path,
        s.config.hash,
        quota.daily_limit,
        clients.join(", ")
    )
}

/// The readable report.
pub fn text_report(report: &JsonReport) -> String {
    let mut t = String::new();
    heading(&mut t, &report.settings, report.counts.instances);
    requests_section(&mut t, &report.counts);
    jobs_section(&mut t, &report.counts);
    days_section(&mut t, &report.settings.start, &report.counts);
    let c = &report.counts;
    if c.clients_stopped > 0 {
        let _ = writeln!(
            t,
            "\nclients stopped (runaway): {}",
            thousands(c.clients_stopped)
        );
    }
    if c.invalid_instances > 0 {
        let _ = writeln!(
            t,
            "\ninstances the simulation refused to create: {}",
            thousands(c.invalid_instances)
        );
    }
    let _ = writeln!(
        t,
        "\nwall time {:.3} s on {}, {} decisions/s",
        report.elapsed_seconds,
        plural(report.settings.threads as u64, "thread", "threads"),
        thousands(report.decisions_per_second.round() as u64)
    );
    t
}

/// The run's first two lines: what ran, and the fleet.
fn heading(t: &mut String, s: &ReportSettings, instances: u64) {
    let shard = s
        .shard
        .map(|sh| {
            format!(
                ", shard {}/{} ({})",
                sh.index,
                sh.count,
                plural(instances, "instance", "instances")
            )
        })
        .unwrap_or_default();
    let kept = if s.retain_days == 0 {
        "counts only".to_owned()
    } else {
        format!(
            "sets kept {}",
            plural(u64::from(s.retain_days), "day", "days")
        )
    };
    let _ = writeln!(
        t,
        "simulate: {}{shard}, {} from {}, seed {}, {kept}",
        plural(s.instances, "instance", "instances"),
        plural(u64::from(s.days), "day", "days"),
        s.start,
        s.seed,
    );
    let _ = writeln!(t, "{}\n", fleet_line(s));
}

/// One row of the counts: a name, a number and its share of `of`.
fn row(t: &mut String, name: &str, n: u64, of: Option<u64>) {
    let share = of
        .map(|of| format!("  {:5.1} %", percent(n, of)))
        .unwrap_or_default();
    let _ = writeln!(t, "{name:<48} {:>15}{share}", thousands(n));
}

/// Requests, accepted, and rejected by code (CreateBackup's codes in check order first).
fn requests_section(t: &mut String, c: &FleetReport) {
    row(t, "requests", c.requests, None);
    row(t, "accepted", c.accepted, Some(c.requests));
    row(t, "rejected", c.rejected_total(), Some(c.requests));
    let mut listed = std::collections::BTreeSet::new();
    for code in CreateBackupError::CODES {
        let spec = code.spec();
        if listed.insert(spec.code) {
            let n = c.rejected.get(spec.code).copied().unwrap_or(0);
            row(t, &format!("  {}", spec.code), n, Some(c.requests));
        }
    }
    let faults = CreateBackupError::FAULT_CODES.iter().map(|c| c.spec().code);
    let others = faults.chain(c.rejected.keys().map(String::as_str));
    for code in others.collect::<Vec<_>>() {
        let Some(n) = c.rejected.get(code) else {
            continue;
        };
        if listed.insert(code) {
            row(t, &format!("  {code}"), *n, Some(c.requests));
        }
    }
    if c.lost_answers > 0 {
        row(
            t,
            "lost answers (applied, client saw InternalError)",
            c.lost_answers,
            Some(c.requests),
        );
    }
}

/// Jobs by outcome, and sets by engine and method.
fn jobs_section(t: &mut String, c: &FleetReport) {
    t.push('\n');
    row(
        t,
        "jobs finished (manual and automatic)",
        c.jobs_finished,
        None,
    );
    row(t, "  of which automatic", c.automatic_jobs, None);
    row(t, "jobs failed", c.jobs_failed, None);
    row(
        t,
        "jobs still active at the end",
        c.jobs_active_at_end,
        None,
    );
    let _ = writeln!(t, "\nsets by engine and method");
    let _ = writeln!(
        t,
        "  {:<12} {:>15} {:>15} {:>15}",
        "", "Logical", "Physical", "Snapshot"
    );
    for engine in Engine::ALL {
        let methods = c.sets.get(engine.as_str());
        let get = |m: &str| thousands(methods.and_then(|ms| ms.get(m)).copied().unwrap_or(0));
        let _ = writeln!(
            t,
            "  {:<12} {:>15} {:>15} {:>15}",
            engine.as_str(),
            get("Logical"),
            get("Physical"),
            get("Snapshot")
        );
    }
}

/// One line a day: accepted, rejected, and instances at the daily limit.
fn days_section(t: &mut String, start: &str, c: &FleetReport) {
    let _ = writeln!(
        t,
        "\nper day; at limit: instances hitting the daily limit (Exceeded.BackupTimes)"
    );
    let _ = writeln!(
        t,
        "  {:<10}{:<10} {:>15} {:>15} {:>12}",
        "", "date", "accepted", "rejected", "at limit"
    );
    for day in &c.days {
        let _ = writeln!(
            t,
            "  day {:>4}  {} {:>15} {:>15} {:>12}",
            day.day,
            day_label(start, day.day),
            thousands(day.accepted),
            thousands(day.rejected.values().sum()),
            thousands(day.instances_at_daily_limit)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands_and_units_agree() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(122_306_085), "122,306,085");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(plural(1, "day", "days"), "1 day");
        assert_eq!(plural(7, "day", "days"), "7 days");
        assert_eq!(plural(1_000, "thread", "threads"), "1,000 threads");
        assert_eq!(day_label("2026-01-01T00:00:00Z", 31), "2026-02-01");
    }
}
