//! JSON bodies for the answers hyper gives on its own (spec/emulator.md, "Limits"): a
//! request hyper cannot parse never reaches the server, and hyper answers it with a bare
//! `400 Bad Request`, `414 URI Too Long` or `431 Request Header Fields Too Large` (no body,
//! `connection: close`). hyper has no hook for them, so the connection's writer recognizes
//! exactly those heads (the server's own answers always carry a body) and sends the
//! server's JSON error instead: 400 `Sim.BadRequest`, 414 `Sim.UriTooLong`, 431
//! `Sim.HeaderTooLarge`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::response;
use super::server_error::ServerError;

/// What hyper writes after the status line of one of its own answers.
const BARE_TAIL: &[u8] = b"\r\nconnection: close\r\ncontent-length: 0\r\n";

/// The server's answer in place of hyper's bare head `head`, if it is one.
pub fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let rows: [(&[u8], ServerError); 3] = [
        (b"HTTP/1.1 400 Bad Request", ServerError::BadRequest),
        (b"HTTP/1.1 414 URI Too Long", ServerError::UriTooLong),
        (
            b"HTTP/1.1 431 Request Header Fields Too Large",
            ServerError::HeaderTooLarge,
        ),
    ];
    rows.into_iter().find_map(|(status, err)| {
        let tail = head.strip_prefix(status)?;
        tail.starts_with(BARE_TAIL).then(|| response::raw(&err))
    })
}

/// A connection's I/O whose writes of hyper's bare error heads are replaced (see the
/// module docs). Writes are not vectored, so that a head arrives in one buffer.
#[derive(Debug)]
pub struct BareErrors<T> {
    inner: T,
    /// A replacement being written, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> BareErrors<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> BareErrors<T> {
        BareErrors {
            inner,
            pending: None,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for BareErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for BareErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match replacement(buf) {
                Some(answer) => this.pending = Some((answer, 0)),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        // hyper retries the same buffer until it is taken whole: the replacement is
        // written first, then the bare head is reported written.
        while let Some((answer, written)) = this.pending.as_mut() {
            if *written == answer.len() {
                this.pending = None;
                return Poll::Ready(Ok(buf.len()));
            }
            match Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_heads_are_replaced() {
        let bare = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = String::from_utf8(replacement(bare).unwrap()).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        assert!(answer.contains(r#""Code":"Sim.BadRequest""#), "{answer}");
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 90\r\n\r\n";
        assert_eq!(replacement(ours), None);
        assert_eq!(
            replacement(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n"),
            None
        );
    }
}
