//! Raw TCP for the tests of what no HTTP client sends: a request cut short, malformed
//! bytes, a body the server refuses before it has all been sent. Not an HTTP client: it
//! writes bytes, watches for the close and reads one answer up to the close.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::client::HttpResponse;

/// One connection that writes raw bytes.
pub struct RawConnection {
    stream: TcpStream,
}

impl RawConnection {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<RawConnection> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(RawConnection { stream })
    }

    /// Writes `bytes`.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Whether the server closed the connection (a read sees EOF or a reset within
    /// `wait`).
    pub fn is_closed_within(&mut self, wait: Duration) -> io::Result<bool> {
        self.stream.set_read_timeout(Some(wait))?;
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => Ok(true),
            Ok(_) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(true),
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes as much of `bytes` as the server takes: a server that answers early and
    /// closes (a body over the limit) makes the rest fail with a reset or a broken pipe,
    /// which is what the test expects, so those errors end the write quietly.
    pub fn send_until_closed(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.stream.write_all(bytes) {
            Err(e)
                if e.kind() == io::ErrorKind::BrokenPipe
                    || e.kind() == io::ErrorKind::ConnectionReset =>
            {
                Ok(())
            }
            other => other,
        }
    }

    /// Reads one answer the server sends before closing the connection (the refusals
    /// that end a connection say `connection: close`): the bytes up to the close, or up to
    /// a reset that follows them, parsed as an HTTP/1.1 response.
    pub fn read_answer_until_close(&mut self, wait: Duration) -> io::Result<HttpResponse> {
        self.stream.set_read_timeout(Some(wait))?;
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset && !bytes.is_empty() => break,
                Err(e) => return Err(e),
            }
        }
        parse_answer(&bytes)
    }
}

/// `bytes` (one whole answer, the connection closed after it) as a response.
fn parse_answer(bytes: &[u8]) -> io::Result<HttpResponse> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(bytes) {
        Ok(httparse::Status::Complete(head)) => head,
        Ok(httparse::Status::Partial) => return Err(invalid("the answer was cut short".into())),
        Err(e) => return Err(invalid(format!("not an HTTP answer: {e}"))),
    };
    let status = response
        .code
        .ok_or_else(|| invalid("no status code".into()))?;
    let headers = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    Ok(HttpResponse {
        status,
        headers,
        body: bytes[head..].to_vec(),
    })
}
