//! The options of `simulate` and `merge`, and `--shard auto`'s reading of the Kubernetes
//! and Slurm environment.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use serde::{Deserialize, Serialize};

/// The longest run `--days` accepts (ten years).
const MAX_DAYS: u32 = 3_650;

/// Options of `simulate`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  rds-backup-sim simulate --instances 100000 --days 30 --plot fleet.svg
  rds-backup-sim simulate --config examples/retry-storm.toml --days 14")]
pub struct SimulateArgs {
    /// How many instances.
    #[arg(long, default_value_t = 10_000, value_parser = at_least_one_u64)]
    pub instances: u64,
    /// How many simulated days (1 to 3650).
    #[arg(long, default_value_t = 7, value_parser = days)]
    pub days: u32,
    /// The seed of the instance mix, the clients and the injected failures.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The fleet (quota, instance mix, clients, jobs) from this TOML file, `-` for standard
    /// input; `--print-config` writes the built-in one to start from.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<String>,
    /// Writes the fleet (the built-in one, or --config's) as a commented TOML file and
    /// exits.
    #[arg(long)]
    pub print_config: bool,
    /// Worker threads; the counts do not depend on it [default: every core].
    #[arg(long, value_parser = at_least_one_usize)]
    pub threads: Option<usize>,
    /// Prints nothing but errors (and the JSON report with --json); no progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Writes the report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Runs only shard I of N (0 <= I < N), a contiguous part of the instances; `auto`
    /// reads it from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with --shards N) or
    /// a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT). Merge the shards'
    /// --json reports with `rds-backup-sim merge`.
    #[arg(long, value_name = "I/N|auto", value_parser = parse_shard)]
    pub shard: Option<ShardArg>,
    /// The number of shards, with `--shard auto` in a Kubernetes Indexed Job (its
    /// completions).
    #[arg(long, value_name = "N", value_parser = at_least_one_u64, requires = "shard")]
    pub shards: Option<u64>,
    /// Days an ended job's set is kept before it is counted and forgotten; 0 keeps counts
    /// only.
    #[arg(long, default_value_t = 7)]
    pub retain_days: u32,
    /// Draws requests per simulated day (accepted, rejected by code, instances at the
    /// daily limit) to this SVG file; checked before the run.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// Options of `merge`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  rds-backup-sim merge shard-*.json
  rds-backup-sim merge --json --plot fleet.svg shard-*.json > fleet.json")]
pub struct MergeArgs {
    /// The shards' `simulate --json` reports, in any order.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Writes the merged report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Draws the merged run as `simulate --plot` does; checked before the files are read.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// `--shard I/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// I.
    pub index: u64,
    /// N.
    pub count: u64,
}

/// `--shard`: a shard, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardArg {
    /// `I/N`.
    Fixed(Shard),
    /// `auto`: from the environment.
    Auto,
}

fn parse_shard(text: &str) -> Result<ShardArg, String> {
    if text == "auto" {
        return Ok(ShardArg::Auto);
    }
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?} is not I/N (for example 0/4) or auto"))?;
    let index: u64 = i
        .parse()
        .map_err(|_| format!("{i:?} is not a shard number"))?;
    let count: u64 = n
        .parse()
        .map_err(|_| format!("{n:?} is not a number of shards"))?;
    shard(index, count).map(ShardArg::Fixed)
}

fn shard(index: u64, count: u64) -> Result<Shard, String> {
    if index >= count {
        return Err(format!("shard {index} of {count}: I must be below N"));
    }
    Ok(Shard { index, count })
}

/// The shard to run: `--shard I/N` as given, or `--shard auto` from `env` (the process
/// environment, passed in for the tests).
pub fn resolve_shard(
    arg: Option<ShardArg>,
    shards: Option<u64>,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<Shard>> {
    let number = |name: &str| -> anyhow::Result<Option<u64>> {
        match env(name) {
            None => Ok(None),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) => bail!("{name}={text:?} is not a whole number"),
            },
        }
    };
    match arg {
        None => Ok(None),
        Some(ShardArg::Fixed(fixed)) => {
            if shards.is_some() {
                bail!(
                    "--shards goes with --shard auto; --shard {}/{} already says N",
                    fixed.index,
                    fixed.count
                );
            }
            Ok(Some(fixed))
        }
        Some(ShardArg::Auto) => {
            if let Some(index) = number("JOB_COMPLETION_INDEX")? {
                let Some(count) = shards else {
                    bail!("--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX={index}) needs --shards N, the Job's completions");
                };
                return shard(index, count).map(Some).map_err(|e| {
                    anyhow::anyhow!("JOB_COMPLETION_INDEX with --shards {count}: {e}")
                });
            }
            if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
                let Some(count) = number("SLURM_ARRAY_TASK_COUNT")? else {
                    bail!("--shard auto in a Slurm job array needs SLURM_ARRAY_TASK_COUNT as well as SLURM_ARRAY_TASK_ID");
                };
                let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
                if shards.is_some_and(|n| n != count) {
                    bail!(
                        "--shards {} differs from SLURM_ARRAY_TASK_COUNT={count}",
                        shards.unwrap_or(0)
                    );
                }
                let index = id.checked_sub(min).ok_or_else(|| {
                    anyhow::anyhow!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")
                })?;
                return shard(index, count).map(Some).map_err(|e| {
                    anyhow::anyhow!("SLURM_ARRAY_TASK_ID={id} (from SLURM_ARRAY_TASK_MIN={min}) of SLURM_ARRAY_TASK_COUNT={count}: {e}; use --array=0-{}", count.saturating_sub(1))
                });
            }
            bail!("--shard auto needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) or SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array); neither is set")
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn auto(shards: Option<u64>, vars: &[(&str, &str)]) -> Result<Option<Shard>, String> {
        resolve_shard(Some(ShardArg::Auto), shards, env(vars)).map_err(|e| e.to_string())
    }

    #[test]
    fn auto_reads_kubernetes_then_slurm_and_refuses_neither() {
        let k8s = [("JOB_COMPLETION_INDEX", "2")];
        assert_eq!(auto(Some(4), &k8s), Ok(Some(Shard { index: 2, count: 4 })));
        assert_eq!(
            auto(None, &k8s),
            Err("--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX=2) needs --shards N, the Job's completions".into())
        );
        assert_eq!(
            auto(Some(2), &k8s),
            Err("JOB_COMPLETION_INDEX with --shards 2: shard 2 of 2: I must be below N".into())
        );
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(auto(None, &slurm), Ok(Some(Shard { index: 3, count: 4 })));
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ];
        assert_eq!(
            auto(None, &from_one),
            Ok(Some(Shard { index: 3, count: 4 }))
        );
        assert_eq!(
            auto(Some(3), &slurm),
            Err("--shards 3 differs from SLURM_ARRAY_TASK_COUNT=4".into())
        );
        assert_eq!(
            auto(None, &[("SLURM_ARRAY_TASK_ID", "1")]),
            Err("--shard auto in a Slurm job array needs SLURM_ARRAY_TASK_COUNT as well as SLURM_ARRAY_TASK_ID".into())
        );
        assert_eq!(
            auto(None, &[("JOB_COMPLETION_INDEX", "x")]),
            Err("JOB_COMPLETION_INDEX=\"x\" is not a whole number".into())
        );
        assert_eq!(
            auto(Some(4), &[]),
            Err("--shard auto needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) or SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array); neither is set".into())
        );
        let fixed = Some(ShardArg::Fixed(Shard { index: 0, count: 2 }));
        assert_eq!(
            resolve_shard(fixed, None, env(&k8s)).map_err(|e| e.to_string()),
            Ok(Some(Shard { index: 0, count: 2 }))
        );
        assert_eq!(
            resolve_shard(None, None, env(&k8s)).map_err(|e| e.to_string()),
            Ok(None)
        );
        assert_eq!(
            resolve_shard(fixed, Some(2), env(&k8s)).map_err(|e| e.to_string()),
            Err("--shards goes with --shard auto; --shard 0/2 already says N".into())
        );
    }
}
