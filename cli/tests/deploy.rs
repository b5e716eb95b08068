//! The shipped Kubernetes manifests and Slurm scripts, run locally as their schedulers
//! would run them (the same commands, the same environment variables, a smaller fleet),
//! merged, against the unsharded run.

mod fleet_common;

use std::path::{Path, PathBuf};
use std::process::Command;

use fleet_common::{counts, json, temp, BIN};
use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).expect("the deploy file is in the repository")
}

/// PATH with the built program first, as the image or the cluster would have it.
fn path_with_bin() -> String {
    let dir = Path::new(BIN)
        .parent()
        .expect("the program is in a directory");
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn sh(shell: &str, script: &str, dir: &Path, env: &[(&str, String)]) -> String {
    let out = Command::new(shell)
        .arg(if shell == "sh" { "-c" } else { "--" })
        .arg(script)
        .current_dir(dir)
        .env("PATH", path_with_bin())
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .env_remove("SLURM_ARRAY_TASK_MIN")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("the shell runs");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The number after `key` on its line, e.g. `completions: 8`.
fn number_after(text: &str, key: &str) -> u64 {
    let start = text.find(key).unwrap_or_else(|| panic!("no {key:?}")) + key.len();
    text[start..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {key:?}"))
}

/// The shell command of a manifest's container: its folded `args` block.
fn container_command(manifest: &str) -> String {
    let mut lines = manifest.lines().skip_while(|l| l.trim() != "- >-");
    lines.next().expect("an args block `- >-`");
    lines
        .take_while(|l| l.starts_with("              "))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

const SMALL: [&str; 6] = ["--instances", "400", "--days", "2", "--seed", "0"];

fn unsharded() -> Value {
    let mut args = SMALL.to_vec();
    args.extend(["--threads", "1"]);
    counts(json(&args))
}

#[test]
fn the_kubernetes_indexed_job_and_merge_job_give_the_unsharded_report() {
    let job = read("deploy/kubernetes/simulate-job.yaml");
    let n = number_after(&job, "completions:");
    assert_eq!(number_after(&job, "parallelism:"), n);
    assert!(job.contains("completionMode: Indexed"));
    let command = container_command(&job);
    assert_eq!(number_after(&command, "--shards"), n);
    assert!(command.contains("--shard auto"), "{command}");
    let results = temp("k8s-results");
    std::fs::create_dir_all(&results).unwrap();
    let results_dir = results.display().to_string();
    let small = command
        .replace("--instances 1000000 --days 30 --seed 0", &SMALL.join(" "))
        .replace("/results", &results_dir);
    assert_ne!(
        small,
        command.replace("/results", &results_dir),
        "the fleet is made small"
    );
    for index in 0..n {
        sh(
            "sh",
            &small,
            &results,
            &[("JOB_COMPLETION_INDEX", index.to_string())],
        );
    }
    let merge = container_command(&read("deploy/kubernetes/merge-job.yaml"))
        .replace("/results", &results_dir);
    let text = sh("sh", &merge, &results, &[]);
    assert!(
        text.starts_with("simulate: 400 instances, 2 days"),
        "{text}"
    );
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("fleet.json")).unwrap())
            .unwrap();
    assert_eq!(merged["settings"]["threads"], n);
    assert_eq!(counts(merged), unsharded());
    assert!(results.join("fleet.svg").exists());
}

#[test]
fn the_slurm_array_and_its_dependent_merge_give_the_unsharded_report() {
    let array = read("deploy/slurm/simulate.sbatch");
    let last = number_after(&array, "#SBATCH --array=0-");
    assert!(array.contains("--shard auto"));
    let submit = read("deploy/slurm/submit.sh");
    assert!(submit.contains("--dependency=\"afterok:${array}\" merge.sbatch"));
    let dir = temp("slurm");
    std::fs::create_dir_all(&dir).unwrap();
    let size = [("INSTANCES", "400".to_owned()), ("DAYS", "2".to_owned())];
    for task in 0..=last {
        let mut env = size.to_vec();
        env.push(("SLURM_ARRAY_TASK_ID", task.to_string()));
        env.push(("SLURM_ARRAY_TASK_COUNT", (last + 1).to_string()));
        sh(
            "bash",
            &repo("deploy/slurm/simulate.sbatch").display().to_string(),
            &dir,
            &env,
        );
    }
    let text = sh(
        "bash",
        &repo("deploy/slurm/merge.sbatch").display().to_string(),
        &dir,
        &[],
    );
    assert!(
        text.starts_with("simulate: 400 instances, 2 days"),
        "{text}"
    );
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results/fleet.json")).unwrap())
            .unwrap();
    assert_eq!(counts(merged), unsharded());
    assert!(dir.join("results/fleet.svg").exists());
}
