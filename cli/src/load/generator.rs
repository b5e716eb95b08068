//! The load generator: signed V1 `CreateBackup` and `DescribeBackupTasks` requests over
//! keep-alive connections, measuring requests per second and latency percentiles
//! (docs/performance.md, "Emulator load").
//!
//! Set-up goes through the control plane: `instances` instances are created with
//! `Sim.CreateInstance` (ids `load-<run>-<n>`). Each connection then sends, one at a
//! time, alternately `CreateBackup` and `DescribeBackupTasks` on a rotating instance; a
//! `CreateBackup` on an instance whose job is running answers `BackupJobExists`, a full
//! request all the same (gateway, signature, nonce, lock, log). Every request is signed
//! with the emulator's [`Signer`], with a fresh nonce and the current timestamp, and sent
//! with hyper's HTTP/1.1 client.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use rds_backup_sim_emulator::clock::{monotonic_now, real_now};
use rds_backup_sim_emulator::sign_v1::Signer;

use super::args::LoadArgs;

/// What a run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    /// Requests answered.
    pub requests: u64,
    /// Wall time of the measured phase, seconds.
    pub seconds: f64,
    /// Answers by HTTP status.
    pub statuses: Vec<(u16, u64)>,
    /// Latency percentiles in microseconds: p50, p99, p99.9, max.
    pub latency_us: [u64; 4],
    /// Transport errors.
    pub errors: u64,
}

impl LoadReport {
    /// Requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Bad `--access-key`.
    #[error("--access-key must be ID:SECRET")]
    AccessKey,
    /// The set-up failed.
    #[error("set-up failed: {0}")]
    Setup(String),
    /// The generator's runtime could not start.
    #[error("cannot start a runtime: {0}")]
    Runtime(std::io::Error),
}

type Sender = http1::SendRequest<Full<Bytes>>;

async fn connect(target: SocketAddr) -> Result<Sender, String> {
    let stream = TcpStream::connect(target)
        .await
        .map_err(|e| format!("connect {target}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn send(
    sender: &mut Sender,
    target: SocketAddr,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Result<(u16, Bytes), String> {
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", target.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(body))
        .map_err(|e| format!("request: {e}"))?;
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((status, body))
}

fn instance_id(run: &str, n: usize) -> String {
    format!("load-{run}-{n}")
}

async fn setup(args: &LoadArgs, run: &str) -> Result<(), LoadError> {
    let mut sender = connect(args.target).await.map_err(LoadError::Setup)?;
    let mut body = String::new();
    for n in 0..args.instances {
        body.push_str(&format!(
            "{{\"Action\":\"Sim.CreateInstance\",\"DBInstanceId\":\"{}\",\"Engine\":\"MySQL\",\"Databases\":[\"db1\"]}}\n",
            instance_id(run, n)
        ));
    }
    let bearer = args.admin_token.as_ref().map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|b| vec![("authorization", b)])
        .unwrap_or_default();
    let (status, answer) = send(
        &mut sender,
        args.target,
        "POST",
        "/_sim/replay",
        &headers,
        Bytes::from(body),
    )
    .await
    .map_err(LoadError::Setup)?;
    if status != 200
        || answer
            .split(|&b| b == b'\n')
            .any(|l| !l.is_empty() && !l.starts_with(b"{\"HttpStatus\":200"))
    {
        return Err(LoadError::Setup(format!(
            "/_sim/replay answered {status}: {}",
            String::from_utf8_lossy(&answer)
                .chars()
                .take(300)
                .collect::<String>()
        )));
    }
    Ok(())
}

struct ConnResult {
    latencies_us: Vec<u32>,
    statuses: Vec<(u16, u64)>,
    errors: u64,
}

async fn drive(
    args: LoadArgs,
    signer: Signer,
    run: String,
    conn_no: usize,
    stop_at: tokio::time::Instant,
) -> ConnResult {
    let mut out = ConnResult {
        latencies_us: Vec::with_capacity(1 << 16),
        statuses: Vec::new(),
        errors: 0,
    };
    let Ok(mut sender) = connect(args.target).await else {
        out.errors += 1;
        return out;
    };
    let mut i: usize = 0;
    while monotonic_now() < stop_at {
        let instance = instance_id(
            &run,
            (conn_no + i * args.connections) % args.instances.max(1),
        );
        let action = if i % 2 == 0 {
            "CreateBackup"
        } else {
            "DescribeBackupTasks"
        };
        let nonce = format!("{run}-{conn_no}-{i}");
        let timestamp = real_now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let query = signer.v1_query(
            "POST",
            action,
            &[("DBInstanceId", &instance)],
            &nonce,
            &timestamp,
        );
        let started = monotonic_now();
        match send(
            &mut sender,
            args.target,
            "POST",
            &format!("/?{query}"),
            &[],
            Bytes::new(),
        )
        .await
        {
            Ok((status, _)) => {
                let us = monotonic_now().duration_since(started).as_micros();
                out.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                match out.statuses.iter_mut().find(|(s, _)| *s == status) {
                    Some((_, n)) => *n += 1,
                    None => out.statuses.push((status, 1)),
                }
            }
            Err(_) => {
                out.errors += 1;
                match connect(args.target).await {
                    Ok(fresh) => sender = fresh,
                    Err(_) => return out,
                }
            }
        }
        i += 1;
    }
    out
}

fn percentile(sorted: &[u32], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    u64::from(sorted[rank.min(sorted.len() - 1)])
}

/// `rds-backup-sim load`: runs the load on a runtime of its own with `--threads` workers.
pub fn run_blocking(args: LoadArgs) -> Result<LoadReport, LoadError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)?;
    runtime.block_on(run(args))
}

/// Runs the load on the current runtime.
pub async fn run(args: LoadArgs) -> Result<LoadReport, LoadError> {
    let (id, secret) = args
        .access_key
        .split_once(':')
        .ok_or(LoadError::AccessKey)?;
    let signer = Signer::new(id, secret);
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    setup(&args, &run).await?;
    let started = monotonic_now();
    let stop_at = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for conn_no in 0..args.connections {
        tasks.push(tokio::spawn(drive(
            args.clone(),
            signer.clone(),
            run.clone(),
            conn_no,
            stop_at,
        )));
    }
    let mut latencies = Vec::new();
    let mut statuses: Vec<(u16, u64)> = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let Ok(result) = task.await else {
            errors += 1;
            continue;
        };
        latencies.extend(result.latencies_us);
        errors += result.errors;
        for (status, n) in result.statuses {
            match statuses.iter_mut().find(|(s, _)| *s == status) {
                Some((_, total)) => *total += n,
                None => statuses.push((status, n)),
            }
        }
    }
    let seconds = monotonic_now().duration_since(started).as_secs_f64();
    latencies.sort_unstable();
    statuses.sort_unstable();
    Ok(LoadReport {
        requests: latencies.len() as u64,
        seconds,
        statuses,
        latency_us: [
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0),
            percentile(&latencies, 99.9),
            latencies.last().copied().map_or(0, u64::from),
        ],
        errors,
    })
}
