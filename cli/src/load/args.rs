//! `load`'s flags.

use std::net::SocketAddr;

/// The flags of `rds-backup-sim load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub target: SocketAddr,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Instances to spread the requests over.
    #[arg(long, default_value_t = 200)]
    pub instances: usize,
    /// The AccessKey to sign with.
    #[arg(long, default_value = "testid:testsecret", value_name = "ID:SECRET")]
    pub access_key: String,
    /// The control plane's admin token, if the server has one.
    #[arg(long)]
    pub admin_token: Option<String>,
    /// Worker threads of the generator's runtime.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}
