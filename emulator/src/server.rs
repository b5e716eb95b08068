//! The server: bind, announce, accept, serve each connection with hyper (HTTP/1.1,
//! keep-alive), stop cleanly on SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::config::ServeConfig;
use crate::engine::{Engine, StartError};
use crate::http::bare::BareErrors;
use crate::http::idle::BODY_DEADLINE;
use crate::http::idle::{Activity, IdleIo};
use crate::http::server_error::ServerError;
use crate::http::{limits, response, served, Context};
use crate::open_files;

/// How long a stop waits for requests in progress before it closes their connections.
const DRAIN: Duration = Duration::from_secs(10);

/// Why the server did not start, or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The engine did not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The runtime or the signal handlers could not start.
    #[error("cannot start: {0}")]
    Runtime(std::io::Error),
}

/// A server running on the current tokio runtime.
pub struct RunningServer {
    addr: SocketAddr,
    ctx: Arc<Context>,
    timeouts: Timeouts,
    max_connections: usize,
    open_files: open_files::Raised,
    stop: watch::Sender<bool>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Starts the engine (recovering state), binds, and starts accepting.
    pub async fn start(config: ServeConfig) -> Result<RunningServer, ServeError> {
        let engine = Engine::open(config.engine)?;
        engine.apply_identities().await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| ServeError::Bind(config.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ServeError::Bind(config.listen, e))?;
        let ctx = Arc::new(Context {
            engine,
            keys: config.keys,
            admin_token: config.admin_token,
            requests: Default::default(),
        });
        let open_files = open_files::raise_for(config.max_connections);
        let (stop, stop_rx) = watch::channel(false);
        let timeouts = Timeouts {
            idle: config.idle_timeout,
            request: config.request_timeout,
        };
        let accept_loop = tokio::spawn(accept_loop(
            listener,
            ctx.clone(),
            timeouts,
            Arc::new(Semaphore::new(config.max_connections)),
            stop_rx,
        ));
        Ok(RunningServer {
            addr,
            ctx,
            timeouts,
            max_connections: config.max_connections,
            open_files,
            stop,
            accept_loop,
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The start-up line.
    pub fn banner(&self) -> String {
        format!(
            "rds-backup-sim serve: listening on http://{}; clock {}; seed {}; {}; {}; idle timeout {} s; request timeout {} s; at most {} connections{}",
            self.addr,
            self.ctx.engine.clock_mode(),
            self.ctx.engine.seed(),
            self.ctx.engine.describe_state(),
            self.ctx.keys.describe(),
            self.timeouts.idle.as_secs(),
            self.timeouts.request.as_secs(),
            self.max_connections,
            self.open_files.describe(),
        )
    }

    /// Stops accepting, lets requests in progress finish (at most 10 s), then syncs and
    /// closes the log. Returns the stop line.
    pub async fn stop(self) -> String {
        let _ = self.stop.send(true);
        let _ = self.accept_loop.await;
        match self.ctx.engine.close() {
            Some((records, syncs)) => format!(
                "rds-backup-sim serve: stopped; log at record {records}, {syncs} syncs by this process"
            ),
            None => "rds-backup-sim serve: stopped".to_owned(),
        }
    }
}

/// `--idle-timeout` and `--request-timeout`.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    idle: Duration,
    request: Duration,
}

async fn accept_loop(
    listener: TcpListener,
    ctx: Arc<Context>,
    timeouts: Timeouts,
    slots: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
) {
    // Each connection holds a sender; when all are dropped, every connection is done.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        tokio::spawn(connection(stream, ctx.clone(), timeouts, stop.clone(), (alive.clone(), slot)));
                    }
                    Err(_) => {
                        tokio::spawn(refuse(stream));
                    }
                },
                // Out of file descriptors and the like: back off briefly, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    drop(alive);
    let _ = tokio::time::timeout(DRAIN, all_done.recv()).await;
}

/// One connection over `--max-connections`: 503 `Sim.TooManyConnections`, closed, without
/// reading the request (bounded by the request timeout of the connections it waits for).
async fn refuse(mut stream: TcpStream) {
    let answer = response::raw(&ServerError::TooManyConnections);
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(&answer).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

async fn connection(
    stream: TcpStream,
    ctx: Arc<Context>,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
    _held: (mpsc::Sender<()>, OwnedSemaphorePermit),
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(BareErrors::new(IdleIo::new(stream, activity.clone())));
    let in_service = activity.clone();
    let service = service_fn(move |request| {
        let ctx = ctx.clone();
        let activity = in_service.clone();
        async move {
            let deadline = activity.request_started(timeouts.request);
            let answer = BODY_DEADLINE.scope(deadline, served(&ctx, request)).await;
            activity.request_done();
            answer
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.idle)
        .keep_alive(true)
        // A client that half-closes after its request still gets its answer.
        .half_close(true)
        .max_buf_size(limits::HYPER_MAX_BUF)
        .max_headers(limits::HYPER_MAX_HEADERS);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut closing = false;
    if *stop.borrow() {
        conn.as_mut().graceful_shutdown();
        closing = true;
    }
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            () = activity.idle_for(timeouts.idle), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            // A head that does not arrive whole in time: closed at once.
            () = activity.head_overdue(timeouts.request) => break,
            _ = stop.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

/// `rds-backup-sim serve`: runs `config` (checked by [`ServeConfig::try_from`]) until
/// SIGINT or SIGTERM. Prints the start-up line and the stop line on standard output; the
/// request log goes to standard error.
pub fn run(config: ServeConfig) -> Result<(), ServeError> {
    // Held until `run` returns: dropping it flushes the log.
    let _log = crate::request_log::init(config.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(ServeError::Runtime)?;
        let server = RunningServer::start(config).await?;
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            // A closed stdout must not stop the server.
            let _ = writeln!(out, "{}", server.banner());
            let _ = out.flush();
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        let stopped = server.stop().await;
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{stopped}");
            let _ = out.flush();
        }
        Ok(())
    })
}
