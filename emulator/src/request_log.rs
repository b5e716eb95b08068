//! The request log (spec/emulator.md, "Seeing what it does"): one line per answered
//! request on standard error, through `tracing`, in text or JSON, and the last 1,000
//! requests in memory for `GET /_sim/requests` and the dashboard.
//!
//! A handler notes what it learned about the request ([`LogNote`]: action, instance,
//! AccessKeyId, error code, fault) in the response's extensions; the server adds the
//! method, path, status, times and duration ([`RequestRecord`]), keeps it in the
//! [`RequestRing`] and emits it as one `tracing` event of target [`REQUEST_TARGET`] whose
//! message is the line (text, or JSON with exactly the spec's keys), rendered once;
//! [`LineFormat`] writes it, from the log's own thread (`tracing-appender`). Secrets and signatures never reach
//! a record: only the `AccessKeyId` does.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// The `tracing` target of request lines.
pub const REQUEST_TARGET: &str = "rds_sim::request";

/// Whether request lines are JSON (`--log-format json`), set once by [`init`].
static JSON_LINES: AtomicBool = AtomicBool::new(false);

/// How many requests the ring keeps.
pub const RING_CAPACITY: usize = 1_000;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One readable line a request.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// `--log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Errors only (also `--quiet`).
    Error,
    /// Warnings and errors.
    Warn,
    /// One line a request (the default).
    Info,
    /// Everything.
    Debug,
}

impl LogLevel {
    fn directive(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

/// The log's checked options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogConfig {
    /// `--log-format`.
    pub format: LogFormat,
    /// `--log-level` (`--quiet` is `error`); `None`: `RUST_LOG`, else `info`.
    pub level: Option<LogLevel>,
}

/// Installs the global subscriber that writes the log to standard error, from a thread of
/// its own (a request never waits on the write; no line is dropped: a full buffer makes
/// the request wait instead). Keep the guard until the server stopped: dropping it flushes
/// the lines still buffered. Called once, by the program; tests that run servers
/// in-process read the ring instead.
pub fn init(config: LogConfig) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = match config.level {
        Some(level) => EnvFilter::new(level.directive()),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    JSON_LINES.store(config.format == LogFormat::Json, Ordering::Relaxed);
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("rds-sim-log")
        .finish(std::io::stderr());
    // Another subscriber already installed (an embedding program's) keeps its place.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .event_format(LineFormat {
            json: config.format == LogFormat::Json,
        })
        .try_init();
    guard
}

/// What a handler learned about the request, kept in the response's extensions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogNote {
    /// The action, when the request named one.
    pub action: Option<String>,
    /// `DBInstanceId`, when present.
    pub instance: Option<String>,
    /// The `AccessKeyId`, when present (never a secret).
    pub access_key_id: Option<String>,
    /// The error code of an answer that is not 200.
    pub code: Option<String>,
    /// The `FaultId` of an injected fault that fired (faults.md).
    pub fault_id: Option<String>,
}

/// One answered request, in the JSON shape of the log and of `GET /_sim/requests` (the
/// keys in the spec's order; absent values are `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// The real time of the answer, RFC 3339 with milliseconds.
    pub time: String,
    /// The simulation time of the answer.
    pub sim_time: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The path (without the query).
    pub path: String,
    /// The action.
    pub action: Option<String>,
    /// `DBInstanceId`.
    pub instance: Option<String>,
    /// `AccessKeyId`.
    pub access_key_id: Option<String>,
    /// The HTTP status (`null` for a connection closed without an answer).
    pub status: Option<u16>,
    /// The error code when not 200.
    pub code: Option<String>,
    /// The `FaultId` of an injected fault that fired.
    pub fault_id: Option<String>,
    /// Time spent, in microseconds.
    pub micros: u64,
}

impl RequestRecord {
    /// The record of a request answered at `time` (real) and `sim_time`.
    pub fn new(
        time: DateTime<Utc>,
        sim_time: Option<String>,
        method: &str,
        path: &str,
        status: Option<u16>,
        note: LogNote,
        micros: u64,
    ) -> RequestRecord {
        RequestRecord {
            time: time.to_rfc3339_opts(SecondsFormat::Millis, true),
            sim_time,
            method: method.to_owned(),
            path: path.to_owned(),
            action: note.action,
            instance: note.instance,
            access_key_id: note.access_key_id,
            status,
            code: note.code,
            fault_id: note.fault_id,
            micros,
        }
    }

    /// Emits the record as one `tracing` event (level info) whose message is the line in
    /// the format [`init`] chose, rendered once and only when the level is enabled.
    pub fn emit(&self) {
        if tracing::enabled!(target: REQUEST_TARGET, tracing::Level::INFO) {
            let line = if JSON_LINES.load(Ordering::Relaxed) {
                self.to_json()
            } else {
                self.to_text()
            };
            tracing::info!(target: REQUEST_TARGET, "{line}");
        }
    }

    /// The record as one JSON line (no newline).
    pub fn to_json(&self) -> String {
        // A struct of strings, integers and options always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The record as one readable line.
    pub fn to_text(&self) -> String {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        let mut line = format!(
            "{} sim={} {} {} {} instance={} key={} {}",
            self.time,
            dash(&self.sim_time),
            self.method,
            self.path,
            dash(&self.action),
            dash(&self.instance),
            dash(&self.access_key_id),
            self.status
                .map_or_else(|| "closed".to_owned(), |s| s.to_string()),
        );
        if let Some(code) = &self.code {
            line.push(' ');
            line.push_str(code);
        }
        if let Some(fault) = &self.fault_id {
            line.push_str(" fault=");
            line.push_str(fault);
        }
        line.push_str(&format!(" {}us", self.micros));
        line
    }
}

/// The last [`RING_CAPACITY`] requests, oldest first.
#[derive(Debug, Default)]
pub struct RequestRing {
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestRing {
    /// Keeps `record`, forgetting the oldest beyond the capacity.
    pub fn push(&self, record: RequestRecord) {
        let mut records = self
            .records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if records.len() == RING_CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
    }

    /// The last `n` requests (at most the capacity), newest last.
    pub fn last(&self, n: usize) -> Vec<RequestRecord> {
        let records = self
            .records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let skip = records.len().saturating_sub(n);
        records.iter().skip(skip).cloned().collect()
    }
}

/// Writes request events as they come (their message is the whole line), and any other
/// event as a plain line (`time LEVEL message`, or a JSON object with `time`, `level`,
/// `target`, `message`).
pub struct LineFormat {
    /// JSON instead of text, for the other events.
    pub json: bool,
}

/// An event's message.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            use std::fmt::Write as _;
            let _ = write!(self.0, "{value:?}");
        }
    }
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut message = Message::default();
        event.record(&mut message);
        let meta = event.metadata();
        if meta.target() == REQUEST_TARGET {
            return writeln!(writer, "{}", message.0);
        }
        let time = crate::clock::real_now().to_rfc3339_opts(SecondsFormat::Millis, true);
        if self.json {
            let line = serde_json::json!({
                "time": time,
                "level": meta.level().as_str(),
                "target": meta.target(),
                "message": message.0,
            });
            writeln!(writer, "{line}")
        } else {
            writeln!(writer, "{time} {} {}", meta.level(), message.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: Option<u16>, code: Option<&str>) -> RequestRecord {
        RequestRecord::new(
            DateTime::parse_from_rfc3339("2026-11-30T10:00:00.5Z")
                .unwrap()
                .with_timezone(&Utc),
            Some("2026-01-01T00:00:00Z".to_owned()),
            "POST",
            "/",
            status,
            LogNote {
                action: Some("CreateBackup".into()),
                instance: Some("rm-a".into()),
                access_key_id: Some("testid".into()),
                code: code.map(str::to_owned),
                fault_id: None,
            },
            153,
        )
    }

    #[test]
    fn json_lines_have_exactly_the_spec_keys_in_order_and_null_for_absent_values() {
        assert_eq!(
            record(Some(400), Some("BackupJobExists")).to_json(),
            r#"{"time":"2026-11-30T10:00:00.500Z","sim_time":"2026-01-01T00:00:00Z","method":"POST","path":"/","action":"CreateBackup","instance":"rm-a","access_key_id":"testid","status":400,"code":"BackupJobExists","fault_id":null,"micros":153}"#
        );
        let closed = record(None, Some("Sim.Timeout")).to_json();
        assert!(
            closed.contains(r#""status":null,"code":"Sim.Timeout""#),
            "{closed}"
        );
    }

    #[test]
    fn text_lines_read_at_a_glance() {
        assert_eq!(
            record(Some(200), None).to_text(),
            "2026-11-30T10:00:00.500Z sim=2026-01-01T00:00:00Z POST / CreateBackup instance=rm-a key=testid 200 153us"
        );
        assert_eq!(
            record(Some(400), Some("BackupJobExists")).to_text(),
            "2026-11-30T10:00:00.500Z sim=2026-01-01T00:00:00Z POST / CreateBackup instance=rm-a key=testid 400 BackupJobExists 153us"
        );
    }

    #[test]
    fn the_ring_keeps_the_last_thousand_newest_last() {
        let ring = RequestRing::default();
        for i in 0..1_005u64 {
            let mut r = record(Some(200), None);
            r.micros = i;
            ring.push(r);
        }
        let all = ring.last(5_000);
        assert_eq!(all.len(), RING_CAPACITY);
        assert_eq!(all[0].micros, 5);
        assert_eq!(all[999].micros, 1_004);
        let last = ring.last(2);
        assert_eq!(
            last.iter().map(|r| r.micros).collect::<Vec<_>>(),
            [1_003, 1_004]
        );
    }
}
