//! `GET /_sim/ui` (spec/emulator.md, "Dashboard"): one HTML page rendered by the server
//! from the state the API reads, with `maud` (every value HTML-escaped), no asset from
//! elsewhere, refreshing itself every 2 seconds without losing the scroll position.
//!
//! The page reads the simulation under the engine's lock and changes nothing: each listed
//! instance is a copy settled to the simulation's time as of now
//! ([`rds_backup_sim::Simulation::instance_as_of`]).

use maud::{html, Markup, PreEscaped, DOCTYPE};
use rds_backup_sim::faults::Fault;
use rds_backup_sim::{Instance, JobRecord, Simulation, Timestamp};

use crate::request_log::RequestRecord;

/// At most this many instances are listed (the page says how many more there are).
pub const MAX_INSTANCES: usize = 500;
/// The requests listed.
pub const REQUESTS_SHOWN: usize = 50;

/// An injected fault as the dashboard lists it (faults.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultView {
    /// `FaultId`.
    pub id: String,
    /// What it does, in a few words.
    pub summary: String,
}

impl FaultView {
    /// The faults of `sim` still active at `now`, in declaration order.
    pub fn active(sim: &Simulation, now: Timestamp) -> Vec<FaultView> {
        sim.faults()
            .iter()
            .filter(|fault| fault.is_active(now))
            .map(|fault| FaultView {
                id: fault.fault_id(),
                summary: summary(fault),
            })
            .collect()
    }
}

/// `Throttling on CreateBackup, rm-a, key testid, Before; fired 1 of 3`, and so on.
fn summary(fault: &Fault) -> String {
    let s = &fault.spec;
    let mut out = format!(
        "{} on {}",
        s.kind.as_str(),
        s.target.as_deref().unwrap_or("jobs")
    );
    if let Some(instance) = &s.db_instance_id {
        out.push_str(&format!(", {instance}"));
    }
    if let Some(key) = &s.access_key_id {
        out.push_str(&format!(", key {key}"));
    }
    if s.kind.is_request_fault() {
        out.push_str(&format!(", {}", s.phase.as_str()));
    }
    if s.kind.takes_latency() {
        out.push_str(&format!(", {} ms", s.latency_ms()));
    }
    if let Some(p) = s.probability {
        out.push_str(&format!(", probability {}", p.get()));
    }
    out.push_str(&format!("; fired {}", fault.fired));
    if let Some(times) = s.times {
        out.push_str(&format!(" of {times}"));
    }
    if let Some(until) = s.until {
        out.push_str(&format!("; until {}", until.to_rfc3339()));
    }
    out
}

/// What the page shows besides the simulation.
pub struct PageInput<'a> {
    /// `--clock` mode and the real time, for the header.
    pub clock_mode: String,
    /// The real time of the rendering.
    pub real_now: String,
    /// The active faults ([`FaultView::active`]).
    pub faults: &'a [FaultView],
    /// The last requests, oldest first.
    pub requests: &'a [RequestRecord],
    /// `?instance=ID`: that instance's backup sets are listed.
    pub selected: Option<&'a str>,
}

const STYLE: &str = r#"
:root { --fg:#1d2330; --muted:#5f6b7d; --line:#d9dee7; --bg:#f6f7f9; --ok:#1f7a3d; --warn:#a35c00; --bad:#b3261e; --accent:#2459b8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0 12px 0 0; }
header .kv { color: #c9d1de; } header .kv b { color: #fff; font-weight: 600; }
main { padding: 12px 20px 28px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 0 0 16px; }
section h2 { font-size: 15px; margin: 0; padding: 8px 12px; border-bottom: 1px solid var(--line); display: flex; justify-content: space-between; }
section h2 small { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eef0f4; vertical-align: top; white-space: nowrap; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #fafbfc; }
tr:last-child td { border-bottom: 0; }
td.tags { white-space: normal; max-width: 260px; }
td.num { text-align: right; }
td.wrap { white-space: normal; min-width: 170px; }
.nobr { white-space: nowrap; }
th { white-space: normal; }
.small { font-size: 12px; }
section { overflow-x: auto; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.tag { display: inline-block; background: #eef2f8; border-radius: 3px; padding: 0 5px; margin: 1px 3px 1px 0; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.ok { color: var(--ok); } .warn { color: var(--warn); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; } .muted { color: var(--muted); }
.bar { display: inline-block; width: 80px; height: 8px; background: #e6e9ef; border-radius: 4px; vertical-align: middle; margin-right: 6px; overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--accent); }
.empty { padding: 10px 12px; color: var(--muted); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
"#;

/// Keeps the page current: every 2 seconds the live part is fetched again and swapped in
/// place, so the scroll position stays where it is.
const REFRESH: &str = r#"
setInterval(function () {
  fetch(location.href, { credentials: 'same-origin', cache: 'no-store' })
    .then(function (r) { return r.ok ? r.text() : null; })
    .then(function (text) {
      if (!text) return;
      var next = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
      var live = document.getElementById('live');
      if (next && live) live.replaceWith(next);
    })
    .catch(function () {});
}, 2000);
"#;

/// The whole page.
pub fn render(sim: &Simulation, now: Timestamp, input: &PageInput<'_>) -> String {
    let settings = sim.settings();
    let total = sim.instances().len();
    let instances: Vec<Instance> = sim
        .instances()
        .keys()
        .take(MAX_INSTANCES)
        .filter_map(|id| sim.instance_as_of(id.as_str(), now))
        .collect();
    let active = instances
        .iter()
        .filter(|i| i.active_job().is_some())
        .count();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No favicon request: the page asks for nothing but itself.
                link rel="icon" href="data:,";
                title { "rds-backup-sim dashboard" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                div id="live" {
                    header {
                        h1 { "rds-backup-sim" }
                        span.kv { "simulation time " b #sim-time { (now.to_wire_seconds()) } }
                        span.kv { "clock " b { (input.clock_mode) } }
                        span.kv { "real time " b { (input.real_now) } }
                        span.kv { "seed " b { (settings.seed) } }
                        span.kv { "daily backup limit " b #limit { (settings.daily_backup_limit) } }
                        span.kv { "quota window " b { (settings.quota_window.as_str()) " " (settings.quota_utc_offset) } }
                        span.kv { "backup duration " b { (settings.backup_duration_seconds) " s" } }
                    }
                    main {
                        (instances_section(sim, &instances, total, active, now))
                        @if let Some(id) = input.selected {
                            (backups_section(sim, id, now))
                        }
                        (faults_section(input.faults))
                        (requests_section(input.requests))
                    }
                }
                script { (PreEscaped(REFRESH)) }
            }
        }
    };
    page.into_string()
}

fn instances_section(
    sim: &Simulation,
    instances: &[Instance],
    total: usize,
    active: usize,
    now: Timestamp,
) -> Markup {
    let settings = sim.settings();
    let limit = settings.daily_backup_limit as usize;
    let rows = instances
        .iter()
        .map(|instance| {
            let id = instance.id().as_str();
            let used = instance.quota().used(settings, now);
            html! {
                tr data-instance=(id) {
                    td.mono { a href=(format!("/_sim/ui?instance={}", crate::percent::encode(id))) { (id) } }
                    td { (instance.engine().as_str()) " " br; span.muted.small { (instance.engine_version()) " · " (instance.storage().as_str()) } }
                    td { (instance.kind().as_str()) }
                    td {
                        span class=(if instance.status().as_str() == "Running" { "ok" } else { "warn" }) { (instance.status().as_str()) }
                        " " br;
                        @let unlocked = instance.lock().as_str() == "Unlock";
                        span.small.muted[unlocked].warn[!unlocked] { (instance.lock().as_str()) }
                    }
                    td.tags {
                        @for (key, value) in instance.tags() {
                            span.tag { (key.as_str()) "=" (value.as_str()) } " "
                        }
                    }
                    td.job {
                        @if let Some(job) = instance.active_job() {
                            @let process = job.process_at(now);
                            span.bar { i style=(format!("width:{process}%")) {} }
                            (job.mode.as_str()) " " (job.status_at(now).as_str()) " " (process) "%"
                        } @else {
                            span.muted { "none" }
                        }
                    }
                    td.quota.bad[used >= limit] {
                        (used) " / " (limit)
                        @if used >= limit { " at limit" }
                    }
                    td.mono { (instance.next_auto_start().map(|t| t.to_wire_seconds()).unwrap_or_else(|| "-".to_owned())) }
                    td.wrap { (newest_set(instance)) }
                }
            }
        })
        .collect();
    html! {
        section #instances {
            h2 {
                "Instances"
                small { (total) " instances, " (active) " with an active job"
                    @if total > instances.len() { " (the first " (instances.len()) " shown)" } }
            }
            (table(
                html! { "No instances yet: create one with Sim.CreateInstance on POST /_sim/action." },
                &["Instance", "Engine", "Type", "Status / lock", "Tags", "Active job",
                  "Backups / limit", "Next automatic", "Newest set"],
                rows,
            ))
        }
    }
}

/// A table with its column names, or `empty` when there are no rows.
fn table(empty: Markup, columns: &[&str], rows: Vec<Markup>) -> Markup {
    html! {
        @if rows.is_empty() {
            p.empty { (empty) }
        } @else {
            table {
                thead { tr { @for column in columns { th { (column) } } } }
                tbody { @for row in rows { (row) } }
            }
        }
    }
}

fn newest_set(instance: &Instance) -> Markup {
    match instance.history().iter().rev().find(|set| !set.set_deleted) {
        None => html! { span.muted { "none" } },
        Some(set) => html! {
            span class=(if set.outcome.as_str() == "Success" { "ok" } else { "bad" }) { (set.outcome.as_str()) }
            " " (set.method.as_str()) " " (set.backup_type.as_str()) " "
            br;
            span.mono.muted.small.nobr { "ended " (set.ended.to_wire_seconds()) }
        },
    }
}

fn backups_section(sim: &Simulation, id: &str, now: Timestamp) -> Markup {
    let body = match sim.instance_as_of(id, now) {
        None => html! { p.empty { "No instance " span.mono { (id) } "." } },
        Some(instance) => {
            let mut sets: Vec<JobRecord> = instance
                .history()
                .iter()
                .filter(|s| !s.set_deleted)
                .collect();
            sets.sort_by(JobRecord::newest_first);
            let rows = sets
                .into_iter()
                .map(|set| {
                    html! {
                        tr {
                            td.mono { (set.backup_id.to_string()) }
                            td class=(if set.outcome.as_str() == "Success" { "ok" } else { "bad" }) { (set.outcome.as_str()) }
                            td { (set.mode.as_str()) }
                            td { (set.method.as_str()) }
                            td { (set.backup_type.as_str()) }
                            td.mono { (set.started.to_wire_seconds()) }
                            td.mono { (set.ended.to_wire_seconds()) }
                            td.mono { (set.size) }
                        }
                    }
                })
                .collect();
            table(
                html! { "No backup sets yet." },
                &[
                    "BackupId",
                    "Status",
                    "Mode",
                    "Method",
                    "Type",
                    "Start",
                    "End",
                    "Size (bytes)",
                ],
                rows,
            )
        }
    };
    html! {
        section #backups {
            h2 { span { "Backup sets of " span.mono { (id) } } small { a href="/_sim/ui" { "close" } } }
            (body)
        }
    }
}

fn faults_section(faults: &[FaultView]) -> Markup {
    let rows = faults
        .iter()
        .map(|fault| html! { tr { td.mono { (fault.id) } td { (fault.summary) } } })
        .collect();
    html! {
        section #faults {
            h2 { "Active faults" small { (faults.len()) } }
            (table(html! { "No faults injected." }, &["FaultId", "Fault"], rows))
        }
    }
}

/// Whether `r` is the dashboard reading itself (hidden from its own table; listed by
/// `GET /_sim/requests`).
fn is_dashboard_view(r: &RequestRecord) -> bool {
    r.method == "GET" && r.path == super::control::UI_PATH
}

fn requests_section(requests: &[RequestRecord]) -> Markup {
    let rows = requests
        .iter()
        .rev()
        .filter(|r| !is_dashboard_view(r))
        .take(REQUESTS_SHOWN)
        .map(|r| {
            // The time of day; the whole time in the tooltip.
            let clock = r.time.split_once('T').map_or(r.time.as_str(), |(_, t)| t);
            html! {
                tr {
                    td.mono title=(r.time) { (clock) }
                    td { (r.method) }
                    td.mono { (r.path) }
                    td { (r.action.as_deref().unwrap_or("-")) }
                    td.mono { (r.instance.as_deref().unwrap_or("-")) }
                    td class=(match r.status { Some(200) => "ok", Some(_) => "bad", None => "warn" }) {
                        (r.status.map_or_else(|| "closed".to_owned(), |s| s.to_string()))
                    }
                    td { (r.code.as_deref().unwrap_or("")) }
                    td.mono { (r.fault_id.as_deref().unwrap_or("")) }
                    td.mono.num { (r.micros) " µs" }
                }
            }
        })
        .collect();
    html! {
        section #requests {
            h2 { "Last requests" small { "newest first, at most " (REQUESTS_SHOWN) ", without this page's own views" } }
            (table(
                html! { "No requests yet." },
                &["Time (UTC)", "Method", "Path", "Action", "Instance", "Status", "Code", "FaultId", "Took"],
                rows,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rds_backup_sim::scenario::Scenario;

    fn page(lines: &[&str], selected: Option<&str>) -> String {
        page_with(lines, selected, None)
    }

    fn page_with(lines: &[&str], selected: Option<&str>, fault_id: Option<&str>) -> String {
        let mut scenario = Scenario::new();
        for line in lines {
            let answer = scenario.apply_line(line.as_bytes()).expect("a line");
            assert_eq!(answer.http_status, 200, "{line}: {}", answer.body_text());
        }
        let sim = scenario.simulation();
        let requests = [RequestRecord::new(
            chrono::DateTime::UNIX_EPOCH,
            None,
            "POST",
            "/",
            Some(400),
            crate::request_log::LogNote {
                action: Some("<b>Create</b>".into()),
                instance: Some("rm-<i>".into()),
                code: Some("BackupJobExists".into()),
                fault_id: fault_id.map(str::to_owned),
                ..Default::default()
            },
            7,
        )];
        render(
            sim,
            sim.clock(),
            &PageInput {
                clock_mode: "manual".into(),
                real_now: "now".into(),
                faults: &FaultView::active(sim, sim.clock()),
                requests: &requests,
                selected,
            },
        )
    }

    #[test]
    fn every_value_is_html_escaped_a_script_tag_shows_as_text() {
        let html = page(
            &[
                r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-x","Engine":"MySQL","Tags":{"note":"<script>alert(1)</script>","q":"\"&'"}}"#,
            ],
            Some("<img src=x onerror=alert(2)>"),
        );
        assert!(
            html.contains("note=&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>alert(1)"), "{html}");
        assert!(html.contains("q=&quot;&amp;'"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;Create&lt;/b&gt;"), "{html}");
        assert!(html.contains("rm-&lt;i&gt;"), "{html}");
        // The only scripts are the page's own refresh.
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn rows_show_the_job_the_quota_at_its_limit_and_the_newest_set() {
        let html = page(
            &[
                r#"{"Action":"Sim.Configure","Start":"2026-03-02T00:00:00Z","DailyBackupLimit":1,"BackupDurationSeconds":600}"#,
                r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-busy","Engine":"MySQL"}"#,
                r#"{"Action":"Sim.CreateInstance","DBInstanceId":"rm-idle","Engine":"PostgreSQL","DBInstanceStatus":"Stopped"}"#,
                r#"{"Action":"CreateBackup","DBInstanceId":"rm-busy"}"#,
                r#"{"Action":"Sim.AdvanceTime","Seconds":300}"#,
            ],
            Some("rm-busy"),
        );
        assert!(html.contains("2026-03-02T00:05:00Z"), "the simulation time");
        assert!(html.contains(r#"data-instance="rm-busy""#));
        assert!(html.contains("Manual "), "{html}");
        assert!(html.contains("50%"), "{html}");
        assert!(html.contains("1 / 1 at limit"), "{html}");
        assert!(html.contains("0 / 1"), "{html}");
        assert!(html.contains("Stopped"));
        assert!(html.contains("No faults injected."));
        assert!(html.contains("No backup sets yet."));
        assert!(html.contains("2 instances, 1 with an active job"));
    }

    #[test]
    fn active_faults_are_listed_and_a_request_row_names_its_fault() {
        let html = page_with(
            &[
                r#"{"Action":"Sim.InjectFault","Fault":"Timeout","Target":"CreateBackup","DBInstanceId":"rm-a","AccessKeyId":"testid","Phase":"After","LatencyMs":250,"Times":2}"#,
                r#"{"Action":"Sim.InjectFault","Fault":"JobFails","Probability":0.5,"Until":"2026-01-02T00:00:00Z"}"#,
                r#"{"Action":"Sim.InjectFault","Fault":"Throttling","Target":"*","Times":1,"Until":"2020-01-01T00:00:00Z"}"#,
            ],
            None,
            Some("f-1"),
        );
        assert!(html.contains("Active faults<small>2</small>"), "{html}");
        assert!(
            html.contains(
                "<td class=\"mono\">f-1</td><td>Timeout on CreateBackup, rm-a, key testid, After, 250 ms; fired 0 of 2</td>"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                "<td class=\"mono\">f-2</td><td>JobFails on jobs, probability 0.5; fired 0; until 2026-01-02T00:00:00Z</td>"
            ),
            "{html}"
        );
        // f-3 retired (past its `Until`): not listed.
        assert!(!html.contains(">f-3<"), "{html}");
        assert!(!html.contains("No faults injected."), "{html}");
        // The request row's FaultId cell.
        // The request row's FaultId cell: f-1 shows twice, its fault row and that cell.
        assert_eq!(html.matches(">f-1<").count(), 2, "{html}");
    }
}
