//! `serve`'s flags (spec/emulator.md, "Starting it"): clap options with their `RDS_SIM_*`
//! variables, turned into the emulator's [`ServeOptions`], which it checks.

use std::path::PathBuf;

use rds_backup_sim_emulator::config::{self, ServeOptions};
use rds_backup_sim_emulator::request_log::{LogFormat, LogLevel};
use rds_backup_sim_emulator::sim_clock::ClockMode;

/// The flags of `rds-backup-sim serve`. Every option can also be given by its
/// `RDS_SIM_*` environment variable (a flag wins over its variable; `--help` names each).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on, HOST:PORT (a host name such as localhost:8080 or an
    /// address); a non-loopback address requires --admin-token.
    #[arg(
        long,
        env = "RDS_SIM_LISTEN",
        value_name = "HOST:PORT",
        default_value = config::DEFAULT_LISTEN
    )]
    pub listen: String,
    /// Durable state (write-ahead log, lock, settings); without it state lives in memory.
    #[arg(long, env = "RDS_SIM_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// real: simulation time follows the real clock plus what Sim.AdvanceTime added;
    /// manual: it moves only by Sim.AdvanceTime and At. [default: real]
    #[arg(long, env = "RDS_SIM_CLOCK", value_enum)]
    pub clock: Option<Clock>,
    /// An AccessKey pair the emulator accepts (repeatable; the variable takes a comma
    /// list). [default: testid:testsecret]
    #[arg(
        long = "access-key",
        env = "RDS_SIM_ACCESS_KEY",
        value_name = "ID:SECRET",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub access_keys: Vec<String>,
    /// Required of every /_sim/ call as `Authorization: Bearer TOKEN`.
    #[arg(
        long,
        env = "RDS_SIM_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// The simulation seed. [default: 0]
    #[arg(long, env = "RDS_SIM_SEED")]
    pub seed: Option<u64>,
    /// Seconds after which an idle connection is closed.
    #[arg(
        long,
        env = "RDS_SIM_IDLE_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = config::DEFAULT_IDLE_TIMEOUT
    )]
    pub idle_timeout: u64,
    /// At most this many connections are open at once; one over answers 503
    /// Sim.TooManyConnections and is closed.
    #[arg(
        long,
        env = "RDS_SIM_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = config::DEFAULT_MAX_CONNECTIONS
    )]
    pub max_connections: usize,
    /// Seconds within which a request's headers and body must arrive, or the connection
    /// is closed.
    #[arg(
        long,
        env = "RDS_SIM_REQUEST_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = config::DEFAULT_REQUEST_TIMEOUT
    )]
    pub request_timeout: u64,
    /// With --state-dir: once the log has grown by this many bytes, a snapshot of the
    /// simulation replaces it (also at every clean stop).
    #[arg(
        long,
        env = "RDS_SIM_COMPACT_LOG_AFTER",
        value_name = "BYTES",
        default_value_t = config::DEFAULT_COMPACT_LOG_AFTER
    )]
    pub compact_log_after: u64,
    /// A JSON Lines file of Sim.PutIdentity lines (docs/scenario-format.md), applied at every
    /// start.
    #[arg(long, env = "RDS_SIM_IDENTITIES", value_name = "FILE")]
    pub identities: Option<PathBuf>,
    /// For tests that cannot hold a fixed secret: any AccessKeyId is accepted without
    /// verifying the signature (a declared one acts as its identity, any other as the
    /// default account's root). Loopback --listen only.
    #[arg(
        long,
        env = "RDS_SIM_ACCEPT_ANY_KEY",
        action = clap::ArgAction::SetTrue,
        value_parser = switch,
    )]
    pub accept_any_key: bool,
    /// The request log on standard error: text (one readable line a request) or json (one
    /// JSON object a line).
    #[arg(long, env = "RDS_SIM_LOG_FORMAT", value_enum, default_value_t = Format::Text)]
    pub log_format: Format,
    /// error, warn, info (one line a request) or debug; without it, RUST_LOG, else info.
    #[arg(long, env = "RDS_SIM_LOG_LEVEL", value_enum)]
    pub log_level: Option<Level>,
    /// Log nothing but errors.
    #[arg(
        long,
        env = "RDS_SIM_QUIET",
        action = clap::ArgAction::SetTrue,
        value_parser = switch,
    )]
    pub quiet: bool,
}

/// A switch's variable: `1`, `true`, `yes`, `on` set it; `0`, `false`, `no`, `off` or
/// empty leave it unset (any case); anything else is refused (spec/emulator.md).
pub fn switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "{value:?} is not a switch value: use 1, true, yes, on, or 0, false, no, off, empty"
        )),
    }
}

/// `--clock`'s values (the emulator's [`ClockMode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Clock {
    /// Real time plus a forward offset.
    Real,
    /// Only `Sim.AdvanceTime` and `At` move it.
    Manual,
}

/// `--log-format`'s values (the emulator's [`LogFormat`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One readable line a request.
    Text,
    /// One JSON object a line.
    Json,
}

/// `--log-level`'s values (the emulator's [`LogLevel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// Errors only (also `--quiet`).
    Error,
    /// Warnings and errors.
    Warn,
    /// One line a request (the default).
    Info,
    /// Everything.
    Debug,
}

impl From<Clock> for ClockMode {
    fn from(clock: Clock) -> ClockMode {
        match clock {
            Clock::Real => ClockMode::Real,
            Clock::Manual => ClockMode::Manual,
        }
    }
}

impl From<Format> for LogFormat {
    fn from(format: Format) -> LogFormat {
        match format {
            Format::Text => LogFormat::Text,
            Format::Json => LogFormat::Json,
        }
    }
}

impl From<Level> for LogLevel {
    fn from(level: Level) -> LogLevel {
        match level {
            Level::Error => LogLevel::Error,
            Level::Warn => LogLevel::Warn,
            Level::Info => LogLevel::Info,
            Level::Debug => LogLevel::Debug,
        }
    }
}

impl From<ServeArgs> for ServeOptions {
    fn from(args: ServeArgs) -> ServeOptions {
        ServeOptions {
            listen: args.listen,
            state_dir: args.state_dir,
            clock: args.clock.map(ClockMode::from),
            access_keys: args.access_keys,
            admin_token: args.admin_token,
            seed: args.seed,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections,
            request_timeout: args.request_timeout,
            compact_log_after: args.compact_log_after,
            identities: args.identities,
            accept_any_key: args.accept_any_key,
            log_format: args.log_format.into(),
            log_level: args.log_level.map(LogLevel::from),
            quiet: args.quiet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> ServeArgs {
        Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .expect("the flags parse")
            .serve
    }

    #[test]
    fn no_flags_are_the_emulators_defaults() {
        assert_eq!(ServeOptions::from(parse(&[])), ServeOptions::default());
    }

    #[test]
    fn every_flag_reaches_its_option() {
        let options = ServeOptions::from(parse(&[
            "--listen",
            "127.0.0.1:0",
            "--state-dir",
            "/tmp/s",
            "--clock",
            "manual",
            "--access-key",
            "a:b",
            "--access-key",
            "c:d",
            "--admin-token",
            "t",
            "--seed",
            "7",
            "--idle-timeout",
            "5",
            "--max-connections",
            "9",
            "--request-timeout",
            "3",
            "--compact-log-after",
            "100",
            "--identities",
            "ids.jsonl",
            "--accept-any-key",
            "--log-format",
            "json",
            "--log-level",
            "debug",
            "--quiet",
        ]));
        assert_eq!(
            options,
            ServeOptions {
                listen: "127.0.0.1:0".to_owned(),
                state_dir: Some("/tmp/s".into()),
                clock: Some(ClockMode::Manual),
                access_keys: vec!["a:b".to_owned(), "c:d".to_owned()],
                admin_token: Some("t".to_owned()),
                seed: Some(7),
                idle_timeout: 5,
                max_connections: 9,
                request_timeout: 3,
                compact_log_after: 100,
                identities: Some("ids.jsonl".into()),
                accept_any_key: true,
                log_format: LogFormat::Json,
                log_level: Some(LogLevel::Debug),
                quiet: true,
            }
        );
    }

    #[test]
    fn switch_values_are_the_specs_in_any_case_and_nothing_else() {
        for set in ["1", "true", "YES", "On"] {
            assert_eq!(switch(set), Ok(true), "{set}");
        }
        for unset in ["", "0", "False", "no", "OFF"] {
            assert_eq!(switch(unset), Ok(false), "{unset}");
        }
        for bad in ["2", "y", "t", "enabled"] {
            assert_eq!(
                switch(bad),
                Err(format!("{bad:?} is not a switch value: use 1, true, yes, on, or 0, false, no, off, empty")),
            );
        }
    }

    #[test]
    fn a_value_outside_the_set_is_clap_s_invalid_value() {
        for flags in [
            ["--clock", "fast"],
            ["--log-format", "xml"],
            ["--log-level", "trace"],
        ] {
            let err = Cli::try_parse_from(std::iter::once("serve").chain(flags))
                .err()
                .expect("refused");
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::InvalidValue,
                "{flags:?}"
            );
        }
    }
}
