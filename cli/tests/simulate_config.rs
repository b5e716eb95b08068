//! `simulate --config` and `--print-config` end to end: the built-in fleet read back,
//! the example fleets, and bad files refused with their line and column.

mod fleet_common;

use fleet_common::{counts, fails_with, faults_file, json, ok, run, run_with, temp};
use serde_json::Value;

const SMALL: [&str; 6] = ["--instances", "300", "--days", "3", "--threads", "2"];

#[test]
fn the_printed_config_gives_the_counts_of_plain_simulate() {
    let printed = ok(&run(&["simulate", "--print-config"]));
    assert!(printed.starts_with("# The fleet of `rds-backup-sim simulate`"));
    assert!(printed.contains("\n[clients.nightly.retry]\nattempts = 0\n"));
    let mut args = vec!["simulate", "--config", "-", "--json", "--quiet"];
    args.extend(SMALL);
    let from_file: Value =
        serde_json::from_str(&ok(&run_with(&args, &[], Some(printed.as_bytes())))).unwrap();
    let plain = json(&SMALL);
    assert_eq!(from_file["settings"]["config"]["path"], "-");
    assert_eq!(plain["settings"]["config"]["path"], "built-in");
    assert_eq!(
        from_file["settings"]["config"]["hash"],
        plain["settings"]["config"]["hash"]
    );
    assert_eq!(counts(from_file), counts(plain));
}

#[test]
fn a_config_changes_the_run_and_is_named_in_the_report() {
    let path = temp("limit5.toml");
    std::fs::write(&path, "[quota]\ndaily_limit = 5\n").unwrap();
    let mut args = vec!["--config", path.to_str().unwrap()];
    args.extend(SMALL);
    let five = json(&args);
    let plain = json(&SMALL);
    assert_eq!(five["settings"]["daily_backup_limit"], 5);
    assert_eq!(five["settings"]["fleet"]["quota"]["daily_limit"], 5);
    assert_eq!(five["settings"]["config"]["path"], path.to_str().unwrap());
    assert_ne!(
        five["settings"]["config"]["hash"],
        plain["settings"]["config"]["hash"]
    );
    let refused = |r: &Value| r["rejected"]["Exceeded.BackupTimes"].as_u64().unwrap();
    assert!(refused(&five) > 2 * refused(&plain), "{five}");
    let text = ok(&run(&[
        "simulate",
        "--config",
        path.to_str().unwrap(),
        "--instances",
        "50",
        "--days",
        "1",
        "--threads",
        "1",
    ]));
    let second = text.lines().nth(1).unwrap();
    assert!(
        second.starts_with(&format!("fleet {} (", path.display()))
            && second.ends_with("): 5 backups per calendar day at +00:00; clients nightly 60, retrying 20, burst 12, malformed 8"),
        "{second}"
    );
}

fn example_text(name: &str) -> String {
    let path = format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).expect("the example is in the repository")
}

/// The example `name` with `from` replaced by `to`, over 400 instances and 3 days.
fn example(name: &str, from: &str, to: &str) -> Value {
    let text = example_text(name);
    assert!(text.contains(from), "{name} has no {from:?}");
    let args = [
        "simulate",
        "--config",
        "-",
        "--json",
        "--quiet",
        "--instances",
        "400",
        "--days",
        "3",
    ];
    let out = run_with(&args, &[], Some(text.replace(from, to).as_bytes()));
    serde_json::from_str(&ok(&out)).unwrap()
}

#[test]
fn the_example_files_run_as_they_are() {
    for name in ["retry-storm.toml", "rolling-window.toml", "throttling.toml"] {
        let path = format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"));
        let report = json(&["--config", &path, "--instances", "100", "--days", "2"]);
        assert_eq!(report["settings"]["config"]["path"], path.as_str());
        assert_eq!(report["instances"], 100);
    }
}

#[test]
fn the_retry_storm_example_wastes_requests_on_busy_refusals() {
    let storm = example("retry-storm.toml", "attempts = 20", "attempts = 20");
    let calm = example("retry-storm.toml", "attempts = 20", "attempts = 0");
    let busy = |r: &Value| r["rejected"]["BackupJobExists"].as_u64().unwrap();
    let accepted = |r: &Value| r["accepted"].as_u64().unwrap();
    // Only busy refusals: every instance is a healthy MySQL primary.
    assert_eq!(storm["rejected"].as_object().unwrap().len(), 1, "{storm}");
    assert_eq!(calm["rejected"].as_object().unwrap().len(), 1, "{calm}");
    // Without retries, one request a night: 400 instances, 3 nights.
    assert_eq!(calm["requests"], 1200);
    // The retries win a few more backups for many times as many wasted requests.
    let won = accepted(&storm) - accepted(&calm);
    assert!(
        won > 0 && busy(&storm) > 10 * won,
        "{} wasted for {won} more",
        busy(&storm)
    );
    assert!(busy(&storm) > 10 * busy(&calm));
}

#[test]
fn the_rolling_window_example_refuses_more_than_calendar_days() {
    let window = "window = \"Rolling24h\"";
    let rolling = example("rolling-window.toml", window, window);
    assert_eq!(rolling["settings"]["quota_window"], "Rolling24h");
    let calendar = example("rolling-window.toml", window, "window = \"CalendarDay\"");
    assert_eq!(calendar["settings"]["quota_window"], "CalendarDay");
    let limit = |r: &Value| r["rejected"]["Exceeded.BackupTimes"].as_u64().unwrap();
    assert_eq!(rolling["requests"], calendar["requests"]);
    assert!(
        limit(&rolling) > limit(&calendar),
        "{} vs {}",
        limit(&rolling),
        limit(&calendar)
    );
    assert_eq!(
        rolling["rejected"].as_object().unwrap().len(),
        1,
        "{rolling}"
    );
}

#[test]
fn the_throttling_example_wins_back_throttled_backups_and_duplicates_lost_answers() {
    let codes = "codes = [\"Throttling.User\", \"ServiceUnavailable\", \"InternalError\", \"BackupJobExists\"]";
    let accepted = |r: &Value| r["accepted"].as_u64().unwrap();
    let retried = example("throttling.toml", codes, codes);
    // 400 instances, 3 days, one backup a day wanted: 1,200.
    assert_eq!(retried["settings"]["fleet"]["faults"]["throttling"], 0.05);
    let lost = retried["lost_answers"].as_u64().unwrap();
    assert!(lost > 0, "{retried}");
    // Every throttled request is won back; retried lost answers start duplicates.
    assert!(
        accepted(&retried) > 1200 && accepted(&retried) <= 1200 + lost,
        "{retried}"
    );
    assert!(retried["rejected"]["BackupJobExists"].as_u64().unwrap() > 0);
    let no_internal = example(
        "throttling.toml",
        codes,
        "codes = [\"Throttling.User\", \"BackupJobExists\"]",
    );
    assert_eq!(accepted(&no_internal), 1200, "{no_internal}");
    assert!(no_internal["rejected"].get("BackupJobExists").is_none());
    let none = example("throttling.toml", codes, "codes = []");
    let throttled = none["rejected"]["Throttling.User"].as_u64().unwrap();
    assert_eq!(accepted(&none) + throttled, 1200, "{none}");
    assert_eq!(none["requests"], 1200);
}

#[test]
fn the_text_report_shows_the_fault_codes_and_the_lost_answers() {
    let path = faults_file("faults-text.toml", [0.25, 0.25, 0.5]);
    let args = [
        "--config",
        path.to_str().unwrap(),
        "--instances",
        "50",
        "--days",
        "1",
    ];
    let report = json(&args);
    let mut text_args = vec!["simulate"];
    text_args.extend(args);
    let text = ok(&run(&text_args));
    let second = text.lines().nth(1).unwrap();
    assert!(
        second.ends_with("; faults per request: Throttling.User 0.25, ServiceUnavailable 0.25, InternalError after applying 0.5"),
        "{second}"
    );
    let n = |v: &Value| {
        let n = v.as_u64().unwrap();
        let digits = n.to_string();
        assert!(n < 1000, "{n} would be written with a thousands separator");
        digits
    };
    for (name, value) in [
        ("  Throttling.User", &report["rejected"]["Throttling.User"]),
        (
            "  ServiceUnavailable",
            &report["rejected"]["ServiceUnavailable"],
        ),
        (
            "lost answers (applied, client saw InternalError)",
            &report["lost_answers"],
        ),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} line in\n{text}"));
        assert_eq!(
            line.split_whitespace().rev().nth(2),
            Some(n(value).as_str()),
            "{line}"
        );
    }
    let requests = report["requests"].as_u64().unwrap();
    let lost = report["lost_answers"].as_u64().unwrap();
    assert!(lost > requests / 3 && lost < 2 * requests / 3, "{report}");
    assert!(report["rejected"].get("InternalError").is_none());
    let plot = temp("faults.svg");
    let mut plot_args = text_args.clone();
    plot_args.extend(["--quiet", "--plot", plot.to_str().unwrap()]);
    ok(&run(&plot_args));
    let svg = std::fs::read_to_string(&plot).unwrap();
    for series in [
        "Throttling.User",
        "ServiceUnavailable",
        "InternalError (lost answers, applied)",
    ] {
        assert!(svg.contains(series), "the plot has no {series} series");
    }
}

#[test]
fn bad_fault_rates_are_refused_with_line_and_column() {
    let bad = temp("bad-faults.toml");
    let file = bad.to_str().unwrap();
    std::fs::write(&bad, "[faults]\nthrottling = 1.5\n").unwrap();
    fails_with(
        &["simulate", "--config", file],
        1,
        &format!("{file}, line 2, column 14: a fault rate must be from 0 to 1, not 1.5"),
    );
    std::fs::write(
        &bad,
        "[faults]\nthrottling = 0.75\nservice_unavailable = 0.5\n",
    )
    .unwrap();
    fails_with(
        &["simulate", "--config", file],
        1,
        &format!("{file}, line 1, column 1: the fault rates add up to 1.25, more than 1"),
    );
    std::fs::write(&bad, "[clients.nightly.retry]\ncodes = [\"Throttled\"]\n").unwrap();
    fails_with(
        &["simulate", "--config", file],
        1,
        "line 2, column 9: \"Throttled\" is not a CreateBackup error code (RequiredParam.NotFound,",
    );
}

#[test]
fn bad_config_files_are_refused_before_the_run() {
    let bad = temp("bad.toml");
    std::fs::write(&bad, "[clients.weights]\nnightly = 1\nweekly = 2\n").unwrap();
    fails_with(
        &["simulate", "--config", bad.to_str().unwrap()],
        1,
        &format!(
            "{}, line 3, column 1: unknown key \"weekly\" (one of nightly, retrying, burst, malformed)",
            bad.display()
        ),
    );
    std::fs::write(&bad, "[quota]\ndaily_limit = -1\n").unwrap();
    fails_with(
        &["simulate", "--config", bad.to_str().unwrap()],
        1,
        "line 2, column 15: invalid value: integer `-1`, expected u32",
    );
    std::fs::write(&bad, "[jobs\n").unwrap();
    fails_with(
        &["simulate", "--config", bad.to_str().unwrap()],
        1,
        "line 1, column 6",
    );
    fails_with(
        &["simulate", "--config", "/nonexistent/fleet.toml"],
        1,
        "cannot read /nonexistent/fleet.toml",
    );
}
