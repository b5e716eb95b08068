//! `serve`'s options (spec/emulator.md, "Starting it"), parsed by clap in the CLI and
//! checked here into a [`ServeConfig`].

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{RealClock, SystemClock};
use crate::engine::EngineOptions;
use crate::keys::{KeyError, KeyRing};
use crate::request_log::{LogConfig, LogFormat, LogLevel};
use crate::sim_clock::ClockMode;

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
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// Durable state (write-ahead log, lock, settings); without it state lives in memory.
    #[arg(long, env = "RDS_SIM_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// real: simulation time follows the real clock plus what Sim.AdvanceTime added;
    /// manual: it moves only by Sim.AdvanceTime and At. [default: real]
    #[arg(long, env = "RDS_SIM_CLOCK", value_enum)]
    pub clock: Option<ClockMode>,
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
        default_value_t = 60
    )]
    pub idle_timeout: u64,
    /// At most this many connections are open at once; one over answers 503
    /// Sim.TooManyConnections and is closed.
    #[arg(
        long,
        env = "RDS_SIM_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 1024
    )]
    pub max_connections: usize,
    /// Seconds within which a request's headers and body must arrive, or the connection
    /// is closed.
    #[arg(
        long,
        env = "RDS_SIM_REQUEST_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 30
    )]
    pub request_timeout: u64,
    /// With --state-dir: once the log has grown by this many bytes, a snapshot of the
    /// simulation replaces it (also at every clean stop).
    #[arg(
        long,
        env = "RDS_SIM_COMPACT_LOG_AFTER",
        value_name = "BYTES",
        default_value_t = 64 << 20
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
    #[arg(long, env = "RDS_SIM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// error, warn, info (one line a request) or debug; without it, RUST_LOG, else info.
    #[arg(long, env = "RDS_SIM_LOG_LEVEL", value_enum)]
    pub log_level: Option<LogLevel>,
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

/// Why the options were refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Non-loopback without a token.
    #[error("--listen {0} is not a loopback address: --admin-token is required (the control plane must never be open beyond the machine)")]
    OpenControlPlane(String),
    /// `--accept-any-key` with a non-loopback address.
    #[error("--accept-any-key is refused with --listen {0}, which is not a loopback address (even with --admin-token): anyone who can reach it could act as any account")]
    OpenAnyKey(String),
    /// `--listen` is not HOST:PORT, or the host does not resolve.
    #[error("--listen {0:?} is not HOST:PORT with a host that resolves: {1}")]
    Listen(String, String),
    /// An empty token.
    #[error("--admin-token must not be empty")]
    EmptyToken,
    /// A bad key.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Zero idle timeout.
    #[error("--idle-timeout must be at least 1 second")]
    ZeroIdleTimeout,
    /// Zero request timeout.
    #[error("--request-timeout must be at least 1 second")]
    ZeroRequestTimeout,
    /// Zero connections.
    #[error("--max-connections must be at least 1")]
    ZeroMaxConnections,
    /// The identities file.
    #[error("cannot read --identities {0}: {1}")]
    Identities(String, std::io::Error),
}

/// Checked options.
pub struct ServeConfig {
    /// Where to listen (the first address the host resolves to, IPv4 first).
    pub listen: SocketAddr,
    /// The request log's options.
    pub log: LogConfig,
    /// `--admin-token`.
    pub admin_token: Option<String>,
    /// The AccessKeys.
    pub keys: KeyRing,
    /// `--idle-timeout`.
    pub idle_timeout: Duration,
    /// `--request-timeout`.
    pub request_timeout: Duration,
    /// `--max-connections`.
    pub max_connections: usize,
    /// What the engine starts from.
    pub engine: EngineOptions,
}

impl ServeArgs {
    /// Checks the flags (reading `--identities`) against the system clock.
    pub fn into_config(self) -> Result<ServeConfig, ConfigError> {
        self.into_config_with(Arc::new(SystemClock))
    }

    /// Checks the flags, with an injected real clock.
    pub fn into_config_with(
        self,
        real_clock: Arc<dyn RealClock>,
    ) -> Result<ServeConfig, ConfigError> {
        if self.admin_token.as_deref() == Some("") {
            return Err(ConfigError::EmptyToken);
        }
        let addresses = resolve(&self.listen)?;
        let loopback = addresses.iter().all(|a| a.ip().is_loopback());
        if !loopback && self.accept_any_key {
            return Err(ConfigError::OpenAnyKey(self.listen));
        }
        if !loopback && self.admin_token.is_none() {
            return Err(ConfigError::OpenControlPlane(self.listen));
        }
        // `resolve` answers at least one address.
        let listen = addresses
            .iter()
            .find(|a| a.is_ipv4())
            .copied()
            .unwrap_or(addresses[0]);
        if self.idle_timeout == 0 {
            return Err(ConfigError::ZeroIdleTimeout);
        }
        if self.request_timeout == 0 {
            return Err(ConfigError::ZeroRequestTimeout);
        }
        if self.max_connections == 0 {
            return Err(ConfigError::ZeroMaxConnections);
        }
        let mut keys = KeyRing::from_flags(&self.access_keys)?;
        if self.accept_any_key {
            keys = keys.accepting_any_key();
        }
        let identities = match &self.identities {
            None => Vec::new(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::Identities(path.display().to_string(), e))?;
                text.strip_prefix('\u{feff}')
                    .unwrap_or(&text)
                    .lines()
                    .map(str::to_owned)
                    .collect()
            }
        };
        Ok(ServeConfig {
            listen,
            log: LogConfig {
                format: self.log_format,
                level: if self.quiet {
                    Some(LogLevel::Error)
                } else {
                    self.log_level
                },
            },
            admin_token: self.admin_token,
            keys,
            idle_timeout: Duration::from_secs(self.idle_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            max_connections: self.max_connections,
            engine: EngineOptions {
                seed: self.seed,
                clock: self.clock,
                state_dir: self.state_dir,
                identities,
                real_clock,
                compact_after: self.compact_log_after,
            },
        })
    }
}

/// Every address `listen` (HOST:PORT) resolves to; at least one.
fn resolve(listen: &str) -> Result<Vec<SocketAddr>, ConfigError> {
    let error = |reason: String| ConfigError::Listen(listen.to_owned(), reason);
    let addresses: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .map_err(|e| error(e.to_string()))?
        .collect();
    if addresses.is_empty() {
        return Err(error("it resolves to no address".to_owned()));
    }
    Ok(addresses)
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
            .unwrap()
            .serve
    }

    #[test]
    fn defaults_are_loopback_port_8080_real_clock_60_seconds() {
        let a = parse(&[]);
        assert_eq!(a.listen, "127.0.0.1:8080");
        assert_eq!(a.clock, None);
        assert_eq!(a.idle_timeout, 60);
        let c = a.into_config().unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections, 1024);
        assert_eq!(c.keys.describe(), "access key testid:testsecret (default)");
    }

    #[test]
    fn a_non_loopback_address_requires_an_admin_token() {
        let err = parse(&["--listen", "0.0.0.0:8080"])
            .into_config()
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "--listen 0.0.0.0:8080 is not a loopback address: --admin-token is required (the control plane must never be open beyond the machine)"
        );
        assert!(parse(&["--listen", "0.0.0.0:8080", "--admin-token", "t"])
            .into_config()
            .is_ok());
        assert!(parse(&["--listen", "[::1]:0"]).into_config().is_ok());
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
    fn bad_values_are_refused_with_their_message() {
        let msg = |args: &[&str]| parse(args).into_config().err().unwrap().to_string();
        assert_eq!(
            msg(&["--admin-token", ""]),
            "--admin-token must not be empty"
        );
        assert_eq!(
            msg(&["--idle-timeout", "0"]),
            "--idle-timeout must be at least 1 second"
        );
        assert_eq!(
            msg(&["--request-timeout", "0"]),
            "--request-timeout must be at least 1 second"
        );
        assert_eq!(
            msg(&["--max-connections", "0"]),
            "--max-connections must be at least 1"
        );
        assert_eq!(
            msg(&["--access-key", "x"]),
            "--access-key \"x\" is not ID:SECRET (both non-empty)"
        );
        assert!(msg(&["--identities", "/nonexistent/ids.jsonl"])
            .starts_with("cannot read --identities /nonexistent/ids.jsonl: "));
        let clap_err = Cli::try_parse_from(["serve", "--clock", "fast"])
            .err()
            .unwrap();
        assert_eq!(clap_err.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
