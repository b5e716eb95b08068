//! The idle timeout (`--idle-timeout`, default 60 s): a connection on which nothing was read
//! or written for that long is closed (gracefully: a request in progress still gets its
//! answer). Activity is measured on tokio's clock, so tests pause and advance it.
//!
//! The request timeout (`--request-timeout`, default 30 s) starts at a request's first
//! byte: its header block must be whole by then ([`Activity::head_overdue`], the connection
//! is closed), and so must its body ([`BODY_DEADLINE`], read by `limits::read_body`). A
//! client that dribbles a byte at a time keeps the idle timer alive, never this one.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use crate::clock::monotonic_now;

/// When a connection last moved a byte.
#[derive(Debug)]
pub struct Activity {
    base: Instant,
    last_ms: AtomicU64,
    /// When the current request's first byte arrived, in ms after `base`, plus 1; 0: none.
    head_started: AtomicU64,
    /// Whether a request is in the service (its bytes start no timer).
    in_service: AtomicBool,
}

tokio::task_local! {
    /// The instant by which the request being served must have arrived whole (its body
    /// included); set around each request by the server.
    pub static BODY_DEADLINE: Instant;
}

impl Activity {
    /// Activity starting now.
    pub fn new() -> Activity {
        Activity {
            base: monotonic_now(),
            last_ms: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            in_service: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(monotonic_now().duration_since(self.base).as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last_ms.fetch_max(self.now_ms(), Ordering::Relaxed);
    }

    /// Bytes arrived: the first of a request starts its timer.
    fn read_some(&self) {
        self.touch();
        if !self.in_service.load(Ordering::Relaxed) {
            let _ = self.head_started.compare_exchange(
                0,
                self.now_ms().saturating_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    /// A request's head was parsed: returns the instant by which its body must be whole
    /// (`timeout` after its first byte) and stops the head's timer.
    pub fn request_started(&self, timeout: Duration) -> Instant {
        self.in_service.store(true, Ordering::Relaxed);
        let started = match self.head_started.swap(0, Ordering::Relaxed) {
            0 => monotonic_now(),
            ms => self.base + Duration::from_millis(ms - 1),
        };
        started + timeout
    }

    /// The request left the service: the next byte starts the next request's timer.
    pub fn request_done(&self) {
        self.head_started.store(0, Ordering::Relaxed);
        self.in_service.store(false, Ordering::Relaxed);
    }

    /// Resolves once a request's head has been arriving for `timeout` without being whole.
    pub async fn head_overdue(&self, timeout: Duration) {
        loop {
            let deadline = match self.head_started.load(Ordering::Relaxed) {
                0 => monotonic_now() + timeout,
                ms => {
                    let deadline = self.base + Duration::from_millis(ms - 1) + timeout;
                    if monotonic_now() >= deadline {
                        return;
                    }
                    deadline
                }
            };
            tokio::time::sleep_until(deadline).await;
        }
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Resolves once nothing moved for `timeout`.
    pub async fn idle_for(&self, timeout: Duration) {
        loop {
            let deadline = self.last() + timeout;
            if monotonic_now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

/// An I/O stream that records its activity.
#[derive(Debug)]
pub struct IdleIo<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> IdleIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, activity: Arc<Activity>) -> IdleIo<T> {
        IdleIo { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read_some();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
