//! HTTP/2 for `l7 get` (RFC 9113) over the `h2` crate's framing and HPACK:
//! after TLS negotiated `h2` by ALPN, or over cleartext with prior
//! knowledge (h2c). One [`H2Conn`] carries any number of requests as
//! streams; bodies stream to a callback with flow-control capacity released
//! as they are consumed.

use std::io;
use std::net::SocketAddr;

use l7_http::client::Request;
use l7_http::wire::ResponseHead;

use super::client::{ClientConn, GetError, Response};
use crate::NetError;

/// Fields that describe one HTTP/1.1 connection and are not allowed in
/// HTTP/2 (RFC 9113 §8.2.2); Host becomes `:authority`.
const CONNECTION_FIELDS: [&str; 6] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// An HTTP/2 connection; its frames are driven by a background task that
/// ends when this is dropped.
pub struct H2Conn {
    send: h2::client::SendRequest<bytes::Bytes>,
    driver: tokio::task::JoinHandle<()>,
    /// Who we talk to.
    pub peer: SocketAddr,
}

/// The body of an HTTP/2 response, still to be read.
pub struct H2Body(h2::RecvStream);

impl Drop for H2Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl H2Conn {
    /// Runs the HTTP/2 connection preface and settings exchange on `conn`.
    pub async fn handshake(conn: ClientConn) -> Result<H2Conn, GetError> {
        let peer = conn.peer;
        let (send, connection) = h2::client::handshake(conn.into_stream())
            .await
            .map_err(|e| fail(peer, &e))?;
        let driver = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("HTTP/2 connection ended: {e}");
            }
        });
        Ok(H2Conn { send, driver, peer })
    }

    /// Sends `request` on a new stream and waits for the response head.
    pub async fn send(&mut self, request: &Request) -> Result<(Response, H2Body), GetError> {
        let peer = self.peer;
        let head = request.head(false);
        let authority = head
            .headers
            .get_str("host")
            .map_or_else(|| request.url.authority(), str::to_string);
        let uri = format!(
            "{}://{authority}{}",
            request.url.scheme(),
            request.url.path_and_query
        );
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(uri);
        for (name, value) in head.headers.iter() {
            if !CONNECTION_FIELDS
                .iter()
                .any(|c| name.eq_ignore_ascii_case(c))
            {
                builder = builder.header(name.to_ascii_lowercase(), value);
            }
        }
        let req = builder.body(()).map_err(|e| fail(peer, &e))?;
        let mut send = self
            .send
            .clone()
            .ready()
            .await
            .map_err(|e| fail(peer, &e))?;
        let end = request.body.is_empty();
        let (response, mut stream) = send.send_request(req, end).map_err(|e| fail(peer, &e))?;
        if !end {
            stream
                .send_data(bytes::Bytes::copy_from_slice(&request.body), true)
                .map_err(|e| fail(peer, &e))?;
        }
        let response = response.await.map_err(|e| fail(peer, &e))?;
        let (parts, body) = response.into_parts();
        let mut out = ResponseHead::new(parts.status.as_u16());
        for (name, value) in &parts.headers {
            out.headers
                .append(name.as_str().to_string(), value.as_bytes().to_vec());
        }
        let response = Response {
            interim: Vec::new(),
            head: out,
            http2: true,
            reusable: true,
        };
        Ok((response, H2Body(body)))
    }

    /// Reads a response body to its end, giving each piece to `on_body`.
    pub async fn read_body(
        &self,
        mut body: H2Body,
        on_body: &mut (dyn FnMut(&[u8]) -> io::Result<()> + Send),
    ) -> Result<(), GetError> {
        while let Some(chunk) = body.0.data().await {
            let chunk = chunk.map_err(|e| fail(self.peer, &e))?;
            let _ = body.0.flow_control().release_capacity(chunk.len());
            on_body(&chunk).map_err(|e| NetError::Io {
                what: "writing the body".to_string(),
                source: e,
            })?;
        }
        Ok(())
    }
}

fn fail(peer: SocketAddr, e: &dyn std::fmt::Display) -> GetError {
    GetError::H2 {
        peer,
        reason: e.to_string(),
    }
}
