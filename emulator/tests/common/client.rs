//! The tests' HTTP client: hyper's HTTP/1.1 client over one keep-alive connection, on a
//! runtime of its own so that a test reads like a script (each call blocks until the
//! answer is read). The emulator's tests and the program's (`cli/tests/common/`) share
//! this file. Requests are signed by the emulator's `sign_v1::Signer`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rds_backup_sim_emulator::sign_v1::Signer;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

/// How long a request may take before the test fails instead of hanging.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A response: status, headers and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The body's `Code` member, if any.
    pub fn code(&self) -> Option<String> {
        self.json()
            .get("Code")
            .and_then(|c| c.as_str())
            .map(str::to_owned)
    }
}

/// One keep-alive connection.
pub struct HttpClient {
    runtime: Runtime,
    sender: http1::SendRequest<Full<Bytes>>,
    /// Ends when the connection does (the server closed it, or an error); `None` once it
    /// has ended.
    connection: Option<JoinHandle<()>>,
    host: String,
}

fn other(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(error.to_string())
}

/// A connection the server closed before its answer is `UnexpectedEof`.
fn from_hyper(error: hyper::Error) -> io::Error {
    if error.is_incomplete_message() || error.is_closed() {
        io::Error::new(io::ErrorKind::UnexpectedEof, error.to_string())
    } else {
        other(error)
    }
}

impl HttpClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<HttpClient> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (sender, connection) = runtime.block_on(async {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(other)?;
            let connection = tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok::<_, io::Error>((sender, connection))
        })?;
        Ok(HttpClient {
            runtime,
            sender,
            connection: Some(connection),
            host: addr.to_string(),
        })
    }

    /// Sends one request (`Host` added; hyper adds `Content-Length` to a body) and reads
    /// its response.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<HttpResponse> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(target)
            .header("host", &self.host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(other)?;
        let sender = &mut self.sender;
        let exchange = async move {
            sender.ready().await.map_err(from_hyper)?;
            let response = sender.send_request(request).await.map_err(from_hyper)?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect();
            let body = response.into_body().collect().await.map_err(from_hyper)?;
            Ok(HttpResponse {
                status,
                headers,
                body: body.to_bytes().to_vec(),
            })
        };
        self.runtime
            .block_on(async { tokio::time::timeout(REQUEST_TIMEOUT, exchange).await })
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer in 30 s"))?
    }

    /// A signed V1 request: `method` with the parameters in the query string.
    pub fn v1(
        &mut self,
        signer: &Signer,
        method: &str,
        action: &str,
        params: &[(&str, &str)],
        nonce: &str,
        timestamp: &str,
    ) -> io::Result<HttpResponse> {
        let query = signer.v1_query(method, action, params, nonce, timestamp);
        self.request(method, &format!("/?{query}"), &[], b"")
    }

    /// Whether the server closed the connection within `wait`.
    pub fn is_closed_within(&mut self, wait: Duration) -> bool {
        let Some(connection) = self.connection.as_mut() else {
            return true;
        };
        let ended = self
            .runtime
            .block_on(async { tokio::time::timeout(wait, connection).await })
            .is_ok();
        if ended {
            self.connection = None;
        }
        ended
    }
}
