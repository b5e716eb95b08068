//! A client that signs V1 requests itself: the load generator's and the tests' (it is not
//! an SDK; tests/sdk/ drives the real ones).
//!
//! - [`Signer`] builds the full query string of a signed V1 request (notes 8.2);
//! - [`HttpClient`] is a minimal blocking HTTP/1.1 client over one keep-alive connection,
//!   able to send raw bytes (hostile-input tests) and to read a response back.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::gateway::API_VERSION;
use crate::params::Params;
use crate::{percent, sign_v1};

/// Signs V1 requests with one AccessKey.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The AccessKeyId.
    pub key_id: String,
    /// The secret.
    pub secret: String,
}

impl Signer {
    /// A signer for `key_id` / `secret`.
    pub fn new(key_id: &str, secret: &str) -> Signer {
        Signer {
            key_id: key_id.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// The query string (without `?`) of `action` with `params`, signed for `method`, with
    /// the common parameters `Format=JSON`, `Version`, `SignatureMethod`,
    /// `SignatureVersion`, `SignatureNonce=nonce` and `Timestamp=timestamp`.
    pub fn v1_query(
        &self,
        method: &str,
        action: &str,
        params: &[(&str, &str)],
        nonce: &str,
        timestamp: &str,
    ) -> String {
        let mut p = Params::default();
        p.insert("Action", action);
        p.insert("Version", API_VERSION);
        p.insert("Format", "JSON");
        p.insert("AccessKeyId", self.key_id.as_str());
        p.insert("SignatureMethod", "HMAC-SHA1");
        p.insert("SignatureVersion", "1.0");
        p.insert("SignatureNonce", nonce);
        p.insert("Timestamp", timestamp);
        for (name, value) in params {
            p.insert(*name, *value);
        }
        let signature = sign_v1::sign(&self.secret, &sign_v1::string_to_sign(method, &p));
        p.insert(sign_v1::SIGNATURE_PARAM, signature);
        let mut out = String::new();
        for (i, (name, value)) in p.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&percent::encode(name));
            out.push('=');
            out.push_str(&percent::encode(value));
        }
        out
    }
}

/// A response as read off the wire.
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
#[derive(Debug)]
pub struct HttpClient {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

impl HttpClient {
    /// Connects to `addr` (reads time out after 30 s, so a broken server fails a test
    /// instead of hanging it).
    pub fn connect(addr: SocketAddr) -> io::Result<HttpClient> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(HttpClient {
            stream,
            host: addr.to_string(),
            buf: Vec::new(),
        })
    }

    /// Sends one request (`Host` and `Content-Length` added) and reads its response.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<HttpResponse> {
        let mut head = format!("{method} {target} HTTP/1.1\r\nhost: {}\r\n", self.host);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes)?;
        self.read_response()
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

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Whether the server closed the connection (reads EOF or a reset within `wait`).
    pub fn is_closed_within(&mut self, wait: Duration) -> io::Result<bool> {
        self.stream.set_read_timeout(Some(wait))?;
        let mut byte = [0u8; 1];
        let closed = match self.stream.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => true,
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                false
            }
            Err(e) => return Err(e),
        };
        self.stream
            .set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(closed)
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Reads one response (Content-Length or chunked body).
    pub fn read_response(&mut self) -> io::Result<HttpResponse> {
        let head_end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| invalid("no status line"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let body = if let Some(len) = find("content-length") {
            let len: usize = len.parse().map_err(|_| invalid("bad content-length"))?;
            while self.buf.len() < len {
                self.fill()?;
            }
            self.buf.drain(..len).collect()
        } else if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            self.read_chunked()?
        } else {
            Vec::new()
        };
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break at;
                }
                self.fill()?;
            };
            let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                self.fill()?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
            if size == 0 {
                return Ok(body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::{self, DecodedRequest};
    use http::HeaderMap;

    #[test]
    fn the_signers_query_passes_the_gateway() {
        let signer = Signer::new("testid", "testsecret");
        let query = signer.v1_query(
            "GET",
            "CreateBackup",
            &[("DBInstanceId", "rm-a"), ("DBName", "db1,db 2")],
            "n-1",
            "2026-01-01T00:00:00Z",
        );
        let headers = HeaderMap::new();
        let decoded = DecodedRequest::decode("GET", query.as_bytes(), &headers, b"").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:05:00Z")
            .unwrap()
            .to_utc();
        let keys: &[(&str, &str)] = &[("testid", "testsecret")];
        let verified = gateway::verify(&decoded, keys, now).unwrap();
        assert_eq!(verified.params.get("DBName"), Some("db1,db 2"));
        assert_eq!(verified.nonce, "n-1");
    }
}
