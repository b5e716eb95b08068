//! `merge`: adds up the `--json` reports of the shards of one run into the report of the
//! whole run, and writes it as `simulate` would (text, `--json`, `--plot`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::Value;

use rds_backup_sim::fleet::FleetReport;

use super::options::MergeArgs;
use super::report::{per_second, write_report, JsonReport, ReportSettings};

/// Runs `merge`.
pub fn run(args: &MergeArgs) -> anyhow::Result<()> {
    let plot = args.plot.as_deref().map(crate::plot::check).transpose()?;
    let reports = args
        .files
        .iter()
        .map(|path| read_report(path).map(|report| (path.clone(), report)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = merge_reports(&reports)?;
    if let Some(plot) = plot {
        plot.draw(&merged)?;
    }
    write_report(&merged, args.json, false)
}

fn read_report(path: &Path) -> anyhow::Result<JsonReport> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a `simulate --json` report", path.display()))
}

/// The settings that must be equal in every shard of one run, as JSON: all but the
/// shard, the threads and the fleet file's path (the hash and the fleet are compared).
fn same_run(settings: &ReportSettings) -> Value {
    let mut value = serde_json::to_value(settings).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("shard");
        map.remove("threads");
        if let Some(config) = map.get_mut("config").and_then(Value::as_object_mut) {
            config.remove("path");
        }
    }
    value
}

/// The first setting in which `a` and `b` differ, as a dotted path with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<(String, String, String)> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|key| {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                first_difference(
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    &sub,
                )
            })
        }
        _ if a == b => None,
        _ => Some((path.to_owned(), a.to_string(), b.to_string())),
    }
}

/// Adds up the reports of the shards 0..N of one run (each exactly once).
pub fn merge_reports(reports: &[(PathBuf, JsonReport)]) -> anyhow::Result<JsonReport> {
    let Some((first_path, first)) = reports.first() else {
        bail!("merge needs at least one report");
    };
    let Some(count) = first.settings.shard.map(|s| s.count) else {
        bail!(
            "{} is not a shard (it was run without --shard)",
            first_path.display()
        );
    };
    let expected = same_run(&first.settings);
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
    for (path, report) in reports {
        if let Some((setting, mine, theirs)) =
            first_difference(&expected, &same_run(&report.settings), "")
        {
            bail!(
                "{} and {} are not shards of one run: setting {setting} is {mine} in the first and {theirs} in the second",
                first_path.display(),
                path.display()
            );
        }
        let Some(shard) = report.settings.shard else {
            bail!(
                "{} is not a shard (it was run without --shard)",
                path.display()
            );
        };
        if shard.count != count {
            bail!(
                "{} is shard {}/{}, not of {count} like {}",
                path.display(),
                shard.index,
                shard.count,
                first_path.display()
            );
        }
        match seen.get_mut(shard.index as usize) {
            Some(slot) if !*slot => *slot = true,
            Some(_) => bail!(
                "shard {}/{count} is given twice (again in {})",
                shard.index,
                path.display()
            ),
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
