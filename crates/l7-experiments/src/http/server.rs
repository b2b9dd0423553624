//! The web server host: one l7-http [`ServerConnection`] per accepted
//! stream, answering `GET /o/<i>` with object `i`'s bytes (Content-Length
//! framing), persistent or not as the client asks; or, serving HTTP/2, one
//! [`H2Server`] per stream.

use std::collections::BTreeMap;

use l7_http::server::{ServerConfig, ServerConnection, ServerEvent};
use l7_http::wire::{Headers, ResponseHead};
use l7_sim::{Ctx, StreamId};

use super::h2_server::H2Server;

/// The port the server accepts on.
pub const HTTP_PORT: u16 = 80;

/// The server application.
#[derive(Debug)]
pub struct WebServer {
    /// Object sizes, by index (0 is the base page).
    sizes: Vec<u64>,
    http2: bool,
    conns: BTreeMap<StreamId, ServerConnection>,
    h2: BTreeMap<StreamId, H2Server>,
}

impl WebServer {
    /// Serves objects of these sizes, over HTTP/2 if `http2`.
    pub fn new(sizes: Vec<u64>, http2: bool) -> Self {
        WebServer {
            sizes,
            http2,
            conns: BTreeMap::new(),
            h2: BTreeMap::new(),
        }
    }

    /// A client connected.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if self.http2 {
            self.h2.insert(stream, H2Server::new());
        } else {
            let conn = ServerConnection::new(ctx.now(), ServerConfig::default());
            self.conns.insert(stream, conn);
        }
    }

    /// Runs an HTTP/2 connection on new input (`None`: the client closed).
    fn h2_input(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, input: Option<&[u8]>) {
        let sizes = &self.sizes;
        let size_of = |path: &str| size_of(sizes, path);
        let Some(conn) = self.h2.get_mut(&stream) else {
            return;
        };
        let (out, ended) = conn.handle(input, &size_of);
        let _ = ctx.write(stream, out);
        if ended {
            let _ = ctx.close(stream);
            self.h2.remove(&stream);
        }
    }

    /// Request bytes arrived.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        if self.http2 {
            return self.h2_input(ctx, stream, Some(data));
        }
        let now = ctx.now();
        let Some(conn) = self.conns.get_mut(&stream) else {
            return;
        };
        conn.handle_input(now, data);
        while let Some(event) = conn.poll_event() {
            let ServerEvent::Request(req) = event else {
                continue;
            };
            let size = size_of(&self.sizes, &req.head.target);
            let (status, size) = match size {
                Some(s) => (200, s),
                None => (404, 0),
            };
            let mut head = ResponseHead::new(status);
            head.headers
                .set("Content-Type", &b"application/octet-stream"[..]);
            if conn.send_response(now, head, Some(size)).unwrap_or(false) {
                let _ = conn.send_body(now, &vec![b'x'; size as usize]);
                let _ = conn.finish_body(now, &Headers::new());
            }
        }
        while let Some(bytes) = conn.poll_transmit() {
            let _ = ctx.write(stream, bytes);
        }
        if conn.is_closing() {
            let _ = ctx.close(stream);
            self.conns.remove(&stream);
        }
    }

    /// The client closed its side.
    pub fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if self.http2 {
            return self.h2_input(ctx, stream, None);
        }
        if let Some(mut conn) = self.conns.remove(&stream) {
            conn.handle_eof(ctx.now());
            while let Some(bytes) = conn.poll_transmit() {
                let _ = ctx.write(stream, bytes);
            }
        }
        let _ = ctx.close(stream);
    }
}

/// The size of the object at `path` (`/o/<i>`).
fn size_of(sizes: &[u64], path: &str) -> Option<u64> {
    path.strip_prefix("/o/")
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| sizes.get(i).copied())
}
