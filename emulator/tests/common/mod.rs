//! The in-process server every emulator test talks to over real TCP, with a test clock.
#![allow(dead_code)] // each test binary uses part of it

pub mod client;
pub mod ram;
pub mod raw;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use client::{HttpClient, HttpResponse};
use http::{HeaderMap, HeaderName, HeaderValue};
use rds_backup_sim_emulator::clock::{RealClock, TestClock};
use rds_backup_sim_emulator::params::Params;
use rds_backup_sim_emulator::request_log::LogFormat;
use rds_backup_sim_emulator::sign_v1::Signer;
use rds_backup_sim_emulator::sim_clock::ClockMode;
use rds_backup_sim_emulator::{percent, sign_v3, RunningServer, ServeConfig, ServeOptions};

/// Where the test clock starts.
pub const T0: &str = "2026-03-01T00:00:00Z";

/// A running server on its own runtime, plus what a client needs.
pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: Arc<TestClock>,
    pub signer: Signer,
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    nonce: AtomicU64,
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The options `serve` `flags` ask for (the program's flag names, each but the switches
/// followed by its value); `--listen 127.0.0.1:0` unless `flags` has one.
pub fn options(flags: &[&str]) -> ServeOptions {
    let mut o = ServeOptions {
        listen: "127.0.0.1:0".to_owned(),
        ..ServeOptions::default()
    };
    let mut flags = flags.iter().copied();
    while let Some(flag) = flags.next() {
        match flag {
            "--accept-any-key" => o.accept_any_key = true,
            "--quiet" => o.quiet = true,
            _ => {
                let value = flags
                    .next()
                    .unwrap_or_else(|| panic!("{flag} takes a value"));
                let number = || value.parse().unwrap_or_else(|_| panic!("{flag} {value}"));
                match flag {
                    "--listen" => o.listen = value.to_owned(),
                    "--state-dir" => o.state_dir = Some(value.into()),
                    "--clock" => {
                        o.clock = Some(match value {
                            "real" => ClockMode::Real,
                            "manual" => ClockMode::Manual,
                            _ => panic!("--clock {value}"),
                        })
                    }
                    "--access-key" => o.access_keys.push(value.to_owned()),
                    "--admin-token" => o.admin_token = Some(value.to_owned()),
                    "--seed" => o.seed = Some(number()),
                    "--idle-timeout" => o.idle_timeout = number(),
                    "--max-connections" => {
                        o.max_connections = value.parse().unwrap_or_else(|_| panic!("{value}"))
                    }
                    "--request-timeout" => o.request_timeout = number(),
                    "--compact-log-after" => o.compact_log_after = number(),
                    "--identities" => o.identities = Some(value.into()),
                    "--log-format" if value == "json" => o.log_format = LogFormat::Json,
                    _ => panic!("the tests do not use {flag} {value}"),
                }
            }
        }
    }
    o
}

/// Starts a server with `flags`, its real clock a test clock at [`T0`]; the error text if
/// it refuses to start.
pub fn try_start(flags: &[&str]) -> Result<TestServer, String> {
    try_start_with_clock(flags, Arc::new(TestClock::new(at(T0))))
}

pub fn try_start_with_clock(flags: &[&str], clock: Arc<TestClock>) -> Result<TestServer, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = ServeConfig::check(options(flags), clock.clone() as Arc<dyn RealClock>)
        .map_err(|e| e.to_string())?;
    let server = runtime
        .block_on(RunningServer::start(config))
        .map_err(|e| e.to_string())?;
    Ok(TestServer {
        addr: server.addr(),
        clock,
        signer: Signer::new("testid", "testsecret"),
        runtime,
        server: Some(server),
        nonce: AtomicU64::new(0),
    })
}

pub fn start(flags: &[&str]) -> TestServer {
    try_start(flags).unwrap()
}

impl TestServer {
    pub fn client(&self) -> HttpClient {
        HttpClient::connect(self.addr).unwrap()
    }

    pub fn banner(&self) -> String {
        self.server.as_ref().unwrap().banner()
    }

    /// The test clock's time as a V1 `Timestamp`.
    pub fn timestamp(&self) -> String {
        self.clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    pub fn next_nonce(&self) -> String {
        format!(
            "nonce-{}-{}",
            self.addr.port(),
            self.nonce.fetch_add(1, Ordering::SeqCst)
        )
    }

    /// A signed V1 POST with a fresh nonce at the test clock's time.
    pub fn v1(
        &self,
        client: &mut HttpClient,
        action: &str,
        params: &[(&str, &str)],
    ) -> HttpResponse {
        self.v1_as(client, &self.signer, action, params)
    }

    /// A request signed V1 with this server's key, with the caller's method, nonce and
    /// timestamp (for tests of the nonce and timestamp rules).
    pub fn v1_with(
        &self,
        client: &mut HttpClient,
        method: &str,
        action: &str,
        params: &[(&str, &str)],
        nonce: &str,
        timestamp: &str,
    ) -> HttpResponse {
        client
            .v1(&self.signer, method, action, params, nonce, timestamp)
            .unwrap()
    }

    /// [`TestServer::v1`] signed with `signer`'s key.
    pub fn v1_as(
        &self,
        client: &mut HttpClient,
        signer: &Signer,
        action: &str,
        params: &[(&str, &str)],
    ) -> HttpResponse {
        let nonce = self.next_nonce();
        client
            .v1(signer, "POST", action, params, &nonce, &self.timestamp())
            .unwrap()
    }

    /// A signed V3 POST (query parameters, empty body) with a fresh nonce, as `signer`.
    pub fn v3_as(
        &self,
        client: &mut HttpClient,
        signer: &Signer,
        action: &str,
        query: &[(&str, &str)],
    ) -> HttpResponse {
        let (target, headers) = v3_request_as(self, signer, action, query, &self.next_nonce());
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        client.request("POST", &target, &h, b"").unwrap()
    }

    /// [`TestServer::v3_as`] with `testid` and `secret` (a wrong one shows the string to
    /// sign).
    pub fn v3(
        &self,
        client: &mut HttpClient,
        action: &str,
        query: &[(&str, &str)],
        secret: &str,
    ) -> HttpResponse {
        self.v3_as(client, &Signer::new("testid", secret), action, query)
    }

    /// A control-plane line that must answer 200.
    pub fn sim_ok(&self, client: &mut HttpClient, line: &str) {
        let r = self.sim(client, line);
        assert_eq!(r.status, 200, "{line}: {}", text(&r));
    }

    /// One control-plane line.
    pub fn sim(&self, client: &mut HttpClient, line: &str) -> HttpResponse {
        client
            .request("POST", "/_sim/action", &[], line.as_bytes())
            .unwrap()
    }

    pub fn create_instance(&self, client: &mut HttpClient, id: &str) {
        let r = self.sim(
            client,
            &format!(
                r#"{{"Action":"Sim.CreateInstance","DBInstanceId":"{id}","Engine":"MySQL","Databases":["db1"]}}"#
            ),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }

    pub fn state(&self, client: &mut HttpClient) -> serde_json::Value {
        let r = client.request("GET", "/_sim/state", &[], b"").unwrap();
        assert_eq!(r.status, 200);
        r.json()
    }

    /// [`TestServer::state`] without the count of answers given (not domain state: it
    /// grows with every answer, a refusal's too).
    pub fn domain_state(&self, client: &mut HttpClient) -> serde_json::Value {
        let mut state = self.state(client);
        if let Some(map) = state.as_object_mut() {
            map.remove("Answers");
        }
        state
    }

    /// Stops the server (clean stop); returns the stop line.
    pub fn stop(mut self) -> String {
        let server = self.server.take().unwrap();
        self.runtime.block_on(server.stop())
    }
}

/// A V3 (`ACS3-HMAC-SHA256`) request: target and headers, signed by `signer` like the new
/// Python SDK signs (accept, host, user-agent and every x-acs-* header).
pub fn v3_request_as(
    server: &TestServer,
    signer: &Signer,
    action: &str,
    query: &[(&str, &str)],
    nonce: &str,
) -> (String, Vec<(String, String)>) {
    let mut params = Params::default();
    for (k, v) in query {
        params.insert(*k, *v);
    }
    let target = format!(
        "/?{}",
        query
            .iter()
            .map(|(k, v)| format!("{}={}", percent::encode(k), percent::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    );
    let body_hash = sign_v3::payload_hash(b"");
    let pairs: Vec<(String, String)> = vec![
        ("accept".into(), "application/json".into()),
        ("host".into(), server.addr.to_string()),
        ("user-agent".into(), "test".into()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-content-sha256".into(), body_hash.clone()),
        ("x-acs-date".into(), server.timestamp()),
        ("x-acs-signature-nonce".into(), nonce.into()),
        ("x-acs-version".into(), "2014-08-15".into()),
    ];
    let mut headers = HeaderMap::new();
    for (k, v) in &pairs {
        headers.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let names: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
    let canonical = sign_v3::canonical_request("POST", &params, &headers, &names, &body_hash);
    let signature = sign_v3::sign(&signer.secret, &sign_v3::string_to_sign(&canonical));
    let mut out: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "host").collect();
    out.push((
        "authorization".into(),
        format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}",
            signer.key_id,
            names.join(";")
        ),
    ));
    (target, out)
}

/// Starts a server on `dir`, checks that it recovered `changes` changes and serves
/// `domain` (the domain state before the stop or crash), and stops it.
pub fn assert_restarts_to(dir: &std::path::Path, changes: u64, domain: &serde_json::Value) {
    let s = start(&["--state-dir", dir.to_str().unwrap()]);
    assert!(
        s.banner()
            .contains(&format!("({changes} changes recovered)")),
        "{}",
        s.banner()
    );
    let mut c = s.client();
    assert_eq!(&s.domain_state(&mut c), domain, "{}", dir.display());
    s.stop();
}

/// A fresh empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rbs-emu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn text(r: &HttpResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}
