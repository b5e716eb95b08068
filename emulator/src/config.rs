//! `serve`'s options (spec/emulator.md, "Starting it"), parsed by clap in the CLI and
//! checked here into a [`ServeConfig`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{RealClock, SystemClock};
use crate::engine::EngineOptions;
use crate::keys::{KeyError, KeyRing};
use crate::sim_clock::ClockMode;

/// The flags of `rds-backup-sim serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on; a non-loopback address requires --admin-token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Durable state (write-ahead log, lock, settings); without it state lives in memory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// real: simulation time follows the real clock plus what Sim.AdvanceTime added;
    /// manual: it moves only by Sim.AdvanceTime and At. Default real.
    #[arg(long, value_enum)]
    pub clock: Option<ClockMode>,
    /// An AccessKey pair the emulator accepts (repeatable); default testid:testsecret.
    #[arg(long = "access-key", value_name = "ID:SECRET")]
    pub access_keys: Vec<String>,
    /// Required of every /_sim/ call as `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// The simulation seed (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seconds after which an idle connection is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub idle_timeout: u64,
    /// A JSON Lines file of Sim.PutIdentity lines (ram.md), applied at every start.
    #[arg(long, value_name = "FILE")]
    pub identities: Option<PathBuf>,
}

/// Why the options were refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Non-loopback without a token.
    #[error("--listen {0} is not a loopback address: --admin-token is required (the control plane must never be open beyond the machine)")]
    OpenControlPlane(SocketAddr),
    /// An empty token.
    #[error("--admin-token must not be empty")]
    EmptyToken,
    /// A bad key.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Zero idle timeout.
    #[error("--idle-timeout must be at least 1 second")]
    ZeroIdleTimeout,
    /// The identities file.
    #[error("cannot read --identities {0}: {1}")]
    Identities(String, std::io::Error),
}

/// Checked options.
pub struct ServeConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// `--admin-token`.
    pub admin_token: Option<String>,
    /// The AccessKeys.
    pub keys: KeyRing,
    /// `--idle-timeout`.
    pub idle_timeout: Duration,
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
        if !self.listen.ip().is_loopback() && self.admin_token.is_none() {
            return Err(ConfigError::OpenControlPlane(self.listen));
        }
        if self.idle_timeout == 0 {
            return Err(ConfigError::ZeroIdleTimeout);
        }
        let keys = KeyRing::from_flags(&self.access_keys)?;
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
            listen: self.listen,
            admin_token: self.admin_token,
            keys,
            idle_timeout: Duration::from_secs(self.idle_timeout),
            engine: EngineOptions {
                seed: self.seed,
                clock: self.clock,
                state_dir: self.state_dir,
                identities,
                real_clock,
            },
        })
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
            .unwrap()
            .serve
    }

    #[test]
    fn defaults_are_loopback_port_8080_real_clock_60_seconds() {
        let a = parse(&[]);
        assert_eq!(a.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(a.clock, None);
        assert_eq!(a.idle_timeout, 60);
        let c = a.into_config().unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(60));
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
