//! `simulate` and `merge` end to end: the built program, never built by the test itself.

mod fleet_common;

use fleet_common::{counts, fails_with, json, run, temp};
use serde_json::Value;

#[test]
fn counts_are_identical_for_every_thread_count() {
    let base = ["--instances", "400", "--days", "3", "--seed", "5"];
    let with = |threads: &str| {
        let mut args = base.to_vec();
        args.extend(["--threads", threads]);
        counts(json(&args))
    };
    let one = with("1");
    assert_eq!(one, with("2"));
    assert_eq!(one, with("3"));
    assert_eq!(one["instances"], 400);
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let base = ["--instances", "350", "--days", "2", "--threads", "2"];
    let whole = counts(json(&base));
    for of in [2u32, 3] {
        let mut files = Vec::new();
        for shard in 0..of {
            let mut args = base.to_vec();
            let spec = format!("{shard}/{of}");
            args.extend(["--shard", &spec]);
            let path = temp(&format!("shard-{shard}-of-{of}.json"));
            std::fs::write(&path, serde_json::to_vec(&json(&args)).unwrap()).unwrap();
            files.push(path);
        }
        files.reverse(); // the order of the files does not matter
        let mut args = vec!["merge".to_owned(), "--json".to_owned()];
        args.extend(files.iter().map(|p| p.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(counts(merged.clone()), whole, "{of} shards");
        assert_eq!(merged["settings"]["threads"], 2 * of);
    }
}

#[test]
fn the_json_report_has_every_documented_field() {
    let report = json(&["--instances", "300", "--days", "2", "--threads", "1"]);
    for field in [
        "requests",
        "accepted",
        "rejected",
        "jobs_finished",
        "jobs_failed",
        "automatic_jobs",
        "jobs_active_at_end",
        "sets",
        "days",
        "instances",
        "clients_stopped",
        "invalid_instances",
        "elapsed_seconds",
        "decisions_per_second",
        "settings",
    ] {
        assert!(report.get(field).is_some(), "missing {field}");
    }
    let settings = &report["settings"];
    assert_eq!(settings["instances"], 300);
    assert_eq!(settings["days"], 2);
    assert_eq!(settings["seed"], 0);
    assert_eq!(settings["threads"], 1);
    assert_eq!(settings["shard"], Value::Null);
    assert_eq!(settings["retain_days"], 7);
    assert_eq!(settings["start"], "2026-01-01T00:00:00Z");
    assert_eq!(settings["daily_backup_limit"], 20);
    assert_eq!(settings["quota_window"], "CalendarDay");
    assert_eq!(settings["config"]["path"], "built-in");
    assert_eq!(settings["config"]["hash"].as_str().unwrap().len(), 16);
    assert_eq!(settings["fleet"]["quota"]["daily_limit"], 20);
    assert_eq!(settings["fleet"]["clients"]["weights"]["nightly"], 60);
    assert!(settings.get("clients").is_none());
    let rejected: u64 = report["rejected"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        report["requests"].as_u64().unwrap(),
        report["accepted"].as_u64().unwrap() + rejected
    );
    let day = &report["days"][1];
    assert_eq!(day["day"], 1);
    for field in ["accepted", "rejected", "instances_at_daily_limit"] {
        assert!(day.get(field).is_some(), "missing days[].{field}");
    }
}

#[test]
fn the_text_report_lists_every_create_backup_code() {
    let out = run(&["simulate", "--instances", "200", "--days", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "simulate: 200 instances, 1 day from 2026-01-01T00:00:00Z, seed 0, sets kept 7 days\n"
        ),
        "{text}"
    );
    for needle in [
        "requests",
        "accepted",
        "RequiredParam.NotFound",
        "InvalidBackupMethod.ValueNotSupport",
        "BackupType.NotSupport",
        "Parameters.Invalid",
        "InvalidDBName.Format",
        "InvalidDBInstanceName.NotFound",
        "ReadDBInstanceNotSupport",
        "IncorrectDBInstanceType",
        "IncorrectDBInstanceState",
        "IncorrectDBInstanceLockMode.ValueNotSupported",
        "InvalidDB.NotFound",
        "BackupJobExists",
        "Exceeded.BackupTimes",
        "jobs finished",
        "jobs failed",
        "sets by engine and method",
        "instances hitting the daily limit",
        "day    0  2026-01-01",
        "decisions/s",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Not a terminal: no progress bar on standard error.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn quiet_without_json_prints_nothing() {
    let out = run(&["simulate", "--instances", "50", "--days", "1", "--quiet"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn plot_writes_an_svg() {
    let path = temp("plot.svg");
    let out = run(&[
        "simulate",
        "--instances",
        "100",
        "--days",
        "3",
        "--quiet",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    for label in [
        "Exceeded.BackupTimes",
        "accepted",
        "instances at the daily limit",
        "2026-01-02",
    ] {
        assert!(texts.contains(&label), "no text {label:?}");
    }
}

#[test]
fn bad_options_are_refused_clearly() {
    fails_with(
        &["simulate", "--instances", "0"],
        2,
        "--instances <INSTANCES>': must be at least 1",
    );
    fails_with(
        &["simulate", "--instances", "many"],
        2,
        "\"many\" is not a whole number",
    );
    fails_with(&["simulate", "--days", "0"], 2, "must be from 1 to 3650");
    fails_with(&["simulate", "--days", "3651"], 2, "must be from 1 to 3650");
    fails_with(
        &["simulate", "--threads", "0"],
        2,
        "--threads <THREADS>': must be at least 1",
    );
    fails_with(
        &["simulate", "--shard", "2/2"],
        2,
        "shard 2 of 2: I must be below N",
    );
    fails_with(
        &["simulate", "--shard", "half"],
        2,
        "\"half\" is not I/N (for example 0/4) or auto",
    );
    fails_with(
        &["simulate", "--shard", "a/2"],
        2,
        "\"a\" is not a shard number",
    );
    fails_with(
        &["simulate", "--retain-days", "soon"],
        2,
        "invalid value 'soon' for '--retain-days <RETAIN_DAYS>'",
    );
    fails_with(&["simulate", "--bogus"], 2, "unexpected argument '--bogus'");
    fails_with(&["merge"], 2, "required");
}

#[test]
fn merge_refuses_what_is_not_one_complete_run() {
    let shard = |spec: &str, seed: &str| {
        let path = temp(&format!("m-{}-{seed}.json", spec.replace('/', "of")));
        let report = json(&[
            "--instances",
            "40",
            "--days",
            "1",
            "--seed",
            seed,
            "--shard",
            spec,
        ]);
        std::fs::write(&path, serde_json::to_vec(&report).unwrap()).unwrap();
        path.display().to_string()
    };
    let (a, b) = (shard("0/2", "0"), shard("1/2", "0"));
    let other_seed = shard("1/2", "9");
    fails_with(&["merge", &a], 1, "shard 1/2 is missing");
    fails_with(
        &["merge", &a, &a],
        1,
        &format!("shard 0/2 is given twice (again in {a})"),
    );
    fails_with(
        &["merge", &a, &other_seed],
        1,
        &format!("{a} and {other_seed} are not shards of one run: setting seed is 0 in the first and 9 in the second"),
    );
    let whole = temp("whole.json");
    let report = json(&["--instances", "40", "--days", "1"]);
    std::fs::write(&whole, serde_json::to_vec(&report).unwrap()).unwrap();
    fails_with(
        &["merge", whole.to_str().unwrap(), &b],
        1,
        &format!(
            "{} is not a shard (it was run without --shard)",
            whole.display()
        ),
    );
    let junk = temp("junk.json");
    std::fs::write(&junk, b"{}").unwrap();
    fails_with(
        &["merge", junk.to_str().unwrap()],
        1,
        "is not a `simulate --json` report",
    );
    fails_with(
        &["merge", "/nonexistent/x.json"],
        1,
        "cannot read /nonexistent/x.json",
    );
    let out = run(&["merge", &b, &a]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("simulate: 40 instances, 1 day from"),
        "{text}"
    );
}

#[test]
fn a_bad_plot_path_fails_before_the_run() {
    // A run of 10^9 instances would take minutes: these fail at once.
    let huge = ["simulate", "--instances", "1000000000", "--quiet", "--plot"];
    fn with<'a>(huge: &[&'a str], path: &'a str) -> Vec<&'a str> {
        let mut args = huge.to_vec();
        args.push(path);
        args
    }
    let png = temp("out.png");
    fails_with(
        &with(&huge, png.to_str().unwrap()),
        1,
        &format!(
            "--plot {}: the plot is SVG, so the file name must end in .svg",
            png.display()
        ),
    );
    assert!(!png.exists(), "nothing is written");
    fails_with(
        &with(&huge, "/nonexistent/x.svg"),
        1,
        "--plot /nonexistent/x.svg: the directory /nonexistent does not exist",
    );
    fails_with(
        &["merge", "--plot", "fleet.png", "/nonexistent/a.json"],
        1,
        "--plot fleet.png: the plot is SVG, so the file name must end in .svg",
    );
}

#[test]
fn a_one_day_plot_shows_a_dot_per_series_and_its_date() {
    let path = temp("one-day.svg");
    let out = run(&[
        "simulate",
        "--instances",
        "300",
        "--days",
        "1",
        "--quiet",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let report = json(&["--instances", "300", "--days", "1"]);
    let codes = report["days"][0]["rejected"].as_object().unwrap().len();
    let svg = std::fs::read_to_string(&path).unwrap();
    // One dot per series on the day (accepted, each code, at the limit), and one more
    // per series in the legend.
    assert_eq!(
        svg.matches("<circle").count(),
        2 * (codes + 2),
        "{codes} codes"
    );
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    assert!(texts.contains(&"2026-01-01"));
    assert!(texts
        .iter()
        .any(|t| t.starts_with("CreateBackup per day: fleet built-in (")
            && t.ends_with("), 300 instances, 1 day from 2026-01-01, seed 0")));
}
