//! Shards run as a Kubernetes Indexed Job and a Slurm job array would run them (N local
//! processes with exactly those environment variables), merged, against the unsharded
//! run; and `merge`'s text report and plot against `simulate`'s.

mod fleet_common;

use fleet_common::{counts, faults_file, json, ok, run, run_with, temp, without_wall_time};
use serde_json::Value;

const RUN: [&str; 8] = [
    "--instances",
    "500",
    "--days",
    "3",
    "--seed",
    "11",
    "--threads",
    "1",
];

/// Runs N shard processes with `env(i)`, each writing its `--json` report to a file as a
/// pod or an array task would; gives the files.
fn shards(
    tag: &str,
    n: u64,
    extra: &[&str],
    env: impl Fn(u64) -> Vec<(String, String)>,
) -> Vec<String> {
    let children: Vec<_> = (0..n)
        .map(|i| {
            let path = temp(&format!("{tag}-{i}.json"));
            let mut command = std::process::Command::new(fleet_common::BIN);
            command
                .args(["simulate", "--json", "--quiet", "--shard", "auto"])
                .args(RUN)
                .args(extra)
                .env_remove("JOB_COMPLETION_INDEX")
                .env_remove("SLURM_ARRAY_TASK_ID")
                .env_remove("SLURM_ARRAY_TASK_COUNT")
                .env_remove("SLURM_ARRAY_TASK_MIN")
                .envs(env(i))
                .stdout(std::fs::File::create(&path).unwrap());
            (path, command.spawn().expect("a shard starts"))
        })
        .collect();
    children
        .into_iter()
        .map(|(path, mut child)| {
            assert!(child.wait().unwrap().success(), "{}", path.display());
            path.display().to_string()
        })
        .collect()
}

fn merge(files: &[String], flags: &[&str]) -> String {
    let mut args = vec!["merge"];
    args.extend_from_slice(flags);
    args.extend(files.iter().map(String::as_str));
    ok(&run(&args))
}

#[test]
fn a_kubernetes_indexed_job_merges_into_the_unsharded_run() {
    let files = shards("k8s", 4, &["--shards", "4"], |i| {
        vec![("JOB_COMPLETION_INDEX".into(), i.to_string())]
    });
    let first: Value = serde_json::from_str(&std::fs::read_to_string(&files[2]).unwrap()).unwrap();
    assert_eq!(
        first["settings"]["shard"],
        serde_json::json!({"index": 2, "count": 4})
    );
    let merged: Value = serde_json::from_str(&merge(&files, &["--json"])).unwrap();
    assert_eq!(counts(merged.clone()), counts(json(&RUN)));
    assert_eq!(merged["settings"]["threads"], 4);
}

#[test]
fn a_slurm_job_array_merges_into_the_unsharded_run() {
    let files = shards("slurm", 3, &[], |i| {
        vec![
            ("SLURM_ARRAY_TASK_ID".into(), i.to_string()),
            ("SLURM_ARRAY_TASK_COUNT".into(), "3".into()),
        ]
    });
    let merged: Value = serde_json::from_str(&merge(&files, &["--json"])).unwrap();
    assert_eq!(counts(merged), counts(json(&RUN)));
}

#[test]
fn with_fault_rates_shards_and_threads_still_give_the_unsharded_counts() {
    let fleet = faults_file("faults.toml", [0.05, 0.02, 0.03]);
    let config = ["--config", fleet.to_str().unwrap()];
    let files = shards("faults", 3, &config, |i| {
        vec![
            ("SLURM_ARRAY_TASK_ID".into(), i.to_string()),
            ("SLURM_ARRAY_TASK_COUNT".into(), "3".into()),
        ]
    });
    let merged: Value = serde_json::from_str(&merge(&files, &["--json"])).unwrap();
    let mut whole = RUN.to_vec();
    whole.extend(config);
    let unsharded = json(&whole);
    assert_eq!(counts(merged), counts(unsharded.clone()));
    // RUN ends with `--threads 1`.
    let threads = |n: &'static str| {
        let mut args = RUN[..6].to_vec();
        args.extend(config);
        args.extend(["--threads", n]);
        counts(json(&args))
    };
    assert_eq!(threads("3"), counts(unsharded.clone()));
    assert!(
        unsharded["lost_answers"].as_u64().unwrap() > 0,
        "{unsharded}"
    );
    assert!(unsharded["rejected"]["Throttling.User"].as_u64().unwrap() > 0);
    assert!(
        unsharded["rejected"]["ServiceUnavailable"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn shard_auto_refuses_clearly_without_its_environment() {
    let refused = |env: &[(&str, &str)], extra: &[&str], message: &str| {
        let mut args = vec!["simulate", "--shard", "auto"];
        args.extend_from_slice(extra);
        let out = run_with(&args, env, None);
        assert_eq!(out.status.code(), Some(1), "{env:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{env:?}: {stderr}");
        assert!(out.stdout.is_empty());
    };
    refused(&[], &[], "--shard auto needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) or SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array); neither is set");
    refused(
        &[("JOB_COMPLETION_INDEX", "0")],
        &[],
        "needs --shards N, the Job's completions",
    );
    refused(
        &[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "4")],
        &[],
        "SLURM_ARRAY_TASK_ID=5 (from SLURM_ARRAY_TASK_MIN=0) of SLURM_ARRAY_TASK_COUNT=4: shard 5 of 4: I must be below N; use --array=0-3",
    );
}

#[test]
fn merge_prints_and_draws_what_the_unsharded_run_does() {
    let files = shards("text", 4, &["--shards", "4"], |i| {
        vec![("JOB_COMPLETION_INDEX".into(), i.to_string())]
    });
    let mut whole_args = vec!["simulate"];
    whole_args.extend(RUN);
    let whole_plot = temp("whole.svg");
    whole_args.extend(["--plot", whole_plot.to_str().unwrap()]);
    let whole = ok(&run(&whole_args));
    let merged_plot = temp("merged.svg");
    let merged = merge(&files, &["--plot", merged_plot.to_str().unwrap()]);
    assert_eq!(without_wall_time(&merged), without_wall_time(&whole));
    assert!(merged.contains("\nwall time "), "{merged}");
    assert!(merged.contains(" on 4 threads, "), "{merged}");
    assert_eq!(
        std::fs::read_to_string(merged_plot).unwrap(),
        std::fs::read_to_string(whole_plot).unwrap()
    );
}

#[test]
fn merge_names_the_setting_and_the_files_that_differ() {
    let with_config = temp("limit7.toml");
    std::fs::write(&with_config, "[quota]\ndaily_limit = 7\n").unwrap();
    let part = |i: u64, extra: &[&str]| {
        let path = temp(&format!("diff-{i}-{}.json", extra.len()));
        let mut args = vec![
            "simulate",
            "--json",
            "--quiet",
            "--instances",
            "60",
            "--days",
            "1",
        ];
        let spec = format!("{i}/2");
        args.extend(["--shard", &spec]);
        args.extend_from_slice(extra);
        std::fs::write(&path, ok(&run(&args))).unwrap();
        path.display().to_string()
    };
    let a = part(0, &[]);
    let b = part(1, &["--config", with_config.to_str().unwrap()]);
    let out = run(&["merge", &a, &b]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{a} and {b} are not shards of one run: setting config.hash is \"24a7b9293a0d36ba\" in the first and "
        )),
        "{stderr}"
    );
    let c = part(1, &["--seed", "4"]);
    let out = run(&["merge", &a, &c]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{a} and {c} are not shards of one run: setting seed is 0 in the first and 4 in the second")),
        "{stderr}"
    );
}
