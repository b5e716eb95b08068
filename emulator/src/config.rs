//! `serve`'s options (spec/emulator.md, "Starting it"): [`ServeOptions`] as asked (the
//! program parses its flags into it), checked here into a [`ServeConfig`], which is what
//! [`crate::run`] and [`crate::RunningServer::start`] take.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{RealClock, SystemClock};
use crate::engine::EngineOptions;
use crate::keys::{KeyError, KeyRing};
use crate::request_log::{LogConfig, LogFormat, LogLevel};
use crate::sim_clock::ClockMode;

/// `--listen`'s default: loopback, port 8080.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// `--idle-timeout`'s default, seconds.
pub const DEFAULT_IDLE_TIMEOUT: u64 = 60;
/// `--max-connections`' default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// `--request-timeout`'s default, seconds.
pub const DEFAULT_REQUEST_TIMEOUT: u64 = 30;
/// `--compact-log-after`'s default, bytes (64 MiB).
pub const DEFAULT_COMPACT_LOG_AFTER: u64 = 64 << 20;

/// What the server is asked for, before any check: one field per option of
/// `rds-backup-sim serve` (spec/emulator.md, "Starting it"), with its unit. The program
/// fills it from its flags and `RDS_SIM_*` variables; [`ServeConfig::try_from`] checks it.
/// [`Default`] is every option left out.
///
/// ```
/// use rds_backup_sim_emulator::config::{ServeConfig, ServeOptions};
///
/// let options = ServeOptions { listen: "127.0.0.1:0".to_owned(), ..ServeOptions::default() };
/// let config = ServeConfig::try_from(options).expect("loopback, no token needed");
/// assert!(config.listen.ip().is_loopback());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// `--listen`: HOST:PORT, a host name or an address; a non-loopback address requires
    /// an admin token.
    pub listen: String,
    /// `--state-dir`: durable state; `None` keeps it in memory.
    pub state_dir: Option<PathBuf>,
    /// `--clock`; `None`: the state directory's, else `real`.
    pub clock: Option<ClockMode>,
    /// `--access-key`: `ID:SECRET` pairs; none: `testid:testsecret`.
    pub access_keys: Vec<String>,
    /// `--admin-token`: required of every `/_sim/` call; must not be empty.
    pub admin_token: Option<String>,
    /// `--seed`; `None`: the state directory's, else 0.
    pub seed: Option<u64>,
    /// `--idle-timeout`, seconds (at least 1).
    pub idle_timeout: u64,
    /// `--max-connections` (at least 1).
    pub max_connections: usize,
    /// `--request-timeout`, seconds (at least 1).
    pub request_timeout: u64,
    /// `--compact-log-after`, bytes.
    pub compact_log_after: u64,
    /// `--identities`: a JSON Lines file of `Sim.PutIdentity` lines.
    pub identities: Option<PathBuf>,
    /// `--accept-any-key`: any AccessKeyId, no signature check (loopback only).
    pub accept_any_key: bool,
    /// `--log-format`.
    pub log_format: LogFormat,
    /// `--log-level`; `None`: `RUST_LOG`, else `info`.
    pub log_level: Option<LogLevel>,
    /// `--quiet`: errors only (wins over `log_level`).
    pub quiet: bool,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            listen: DEFAULT_LISTEN.to_owned(),
            state_dir: None,
            clock: None,
            access_keys: Vec::new(),
            admin_token: None,
            seed: None,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            compact_log_after: DEFAULT_COMPACT_LOG_AFTER,
            identities: None,
            accept_any_key: false,
            log_format: LogFormat::Text,
            log_level: None,
            quiet: false,
        }
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

/// Checked options: every check of [`ServeOptions`] passed, the address resolved, the
/// identities file read.
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

impl TryFrom<ServeOptions> for ServeConfig {
    type Error = ConfigError;

    /// [`ServeConfig::check`] against the system clock.
    fn try_from(options: ServeOptions) -> Result<ServeConfig, ConfigError> {
        ServeConfig::check(options, Arc::new(SystemClock))
    }
}

impl ServeConfig {
    /// Checks `options` (reading `--identities`), in this order: an empty admin token,
    /// `--listen` (it must resolve; beyond loopback, `--accept-any-key` is refused and an
    /// admin token required), the zero timeouts and connection cap, the keys, the
    /// identities file. `real_clock` is the server's real clock (tests inject one).
    pub fn check(
        options: ServeOptions,
        real_clock: Arc<dyn RealClock>,
    ) -> Result<ServeConfig, ConfigError> {
        let ServeOptions {
            listen: listen_flag,
            state_dir,
            clock,
            access_keys,
            admin_token,
            seed,
            idle_timeout,
            max_connections,
            request_timeout,
            compact_log_after,
            identities,
            accept_any_key,
            log_format,
            log_level,
            quiet,
        } = options;
        if admin_token.as_deref() == Some("") {
            return Err(ConfigError::EmptyToken);
        }
        let listen = listen_address(listen_flag, accept_any_key, admin_token.is_some())?;
        if idle_timeout == 0 {
            return Err(ConfigError::ZeroIdleTimeout);
        }
        if request_timeout == 0 {
            return Err(ConfigError::ZeroRequestTimeout);
        }
        if max_connections == 0 {
            return Err(ConfigError::ZeroMaxConnections);
        }
        let mut keys = KeyRing::from_flags(&access_keys)?;
        if accept_any_key {
            keys = keys.accepting_any_key();
        }
        let identities = match &identities {
            None => Vec::new(),
            Some(path) => identity_lines(path)?,
        };
        Ok(ServeConfig {
            listen,
            log: LogConfig {
                format: log_format,
                level: if quiet {
                    Some(LogLevel::Error)
                } else {
                    log_level
                },
            },
            admin_token,
            keys,
            idle_timeout: Duration::from_secs(idle_timeout),
            request_timeout: Duration::from_secs(request_timeout),
            max_connections,
            engine: EngineOptions {
                seed,
                clock,
                state_dir,
                identities,
                real_clock,
                compact_after: compact_log_after,
            },
        })
    }
}

/// The address to bind for `--listen`: its first IPv4 address, else its first. Beyond
/// loopback, `--accept-any-key` is refused and an admin token required.
fn listen_address(
    listen: String,
    accept_any_key: bool,
    has_token: bool,
) -> Result<SocketAddr, ConfigError> {
    let addresses = resolve(&listen)?;
    let loopback = addresses.iter().all(|a| a.ip().is_loopback());
    if !loopback && accept_any_key {
        return Err(ConfigError::OpenAnyKey(listen));
    }
    if !loopback && !has_token {
        return Err(ConfigError::OpenControlPlane(listen));
    }
    // `resolve` answers at least one address.
    Ok(addresses
        .iter()
        .find(|a| a.is_ipv4())
        .copied()
        .unwrap_or(addresses[0]))
}

/// The lines of the `--identities` file, without a leading byte-order mark.
fn identity_lines(path: &std::path::Path) -> Result<Vec<String>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Identities(path.display().to_string(), e))?;
    Ok(text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .lines()
        .map(str::to_owned)
        .collect())
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

    fn check(options: ServeOptions) -> Result<ServeConfig, ConfigError> {
        ServeConfig::try_from(options)
    }

    fn with(change: impl FnOnce(&mut ServeOptions)) -> ServeOptions {
        let mut options = ServeOptions::default();
        change(&mut options);
        options
    }

    #[test]
    fn defaults_are_loopback_port_8080_real_clock_60_seconds() {
        let a = ServeOptions::default();
        assert_eq!(a.listen, "127.0.0.1:8080");
        assert_eq!(a.clock, None);
        assert_eq!(a.idle_timeout, 60);
        let c = check(a).unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections, 1024);
        assert_eq!(c.keys.describe(), "access key testid:testsecret (default)");
    }

    #[test]
    fn a_non_loopback_address_requires_an_admin_token() {
        let err = check(with(|o| o.listen = "0.0.0.0:8080".to_owned()))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "--listen 0.0.0.0:8080 is not a loopback address: --admin-token is required (the control plane must never be open beyond the machine)"
        );
        assert!(check(with(|o| {
            o.listen = "0.0.0.0:8080".to_owned();
            o.admin_token = Some("t".to_owned());
        }))
        .is_ok());
        assert!(check(with(|o| o.listen = "[::1]:0".to_owned())).is_ok());
    }

    #[test]
    fn bad_values_are_refused_with_their_message() {
        let msg = |options: ServeOptions| check(options).err().unwrap().to_string();
        assert_eq!(
            msg(with(|o| o.admin_token = Some(String::new()))),
            "--admin-token must not be empty"
        );
        assert_eq!(
            msg(with(|o| o.idle_timeout = 0)),
            "--idle-timeout must be at least 1 second"
        );
        assert_eq!(
            msg(with(|o| o.request_timeout = 0)),
            "--request-timeout must be at least 1 second"
        );
        assert_eq!(
            msg(with(|o| o.max_connections = 0)),
            "--max-connections must be at least 1"
        );
        assert_eq!(
            msg(with(|o| o.access_keys = vec!["x".to_owned()])),
            "--access-key \"x\" is not ID:SECRET (both non-empty)"
        );
        assert!(msg(with(
            |o| o.identities = Some("/nonexistent/ids.jsonl".into())
        ))
        .starts_with("cannot read --identities /nonexistent/ids.jsonl: "));
    }
}
