//! The web server host: one l7-http [`ServerConnection`] per accepted
//! stream, answering `GET /o/<i>` with object `i`'s bytes (Content-Length
//! framing), persistent or not as the client asks.

use std::collections::BTreeMap;

use l7_http::server::{ServerConfig, ServerConnection, ServerEvent};
use l7_http::wire::{Headers, ResponseHead};
use l7_sim::{Ctx, StreamId};

/// The port the server accepts on.
pub const HTTP_PORT: u16 = 80;

/// The server application.
#[derive(Debug)]
pub struct WebServer {
    /// Object sizes, by index (0 is the base page).
    sizes: Vec<u64>,
    conns: BTreeMap<StreamId, ServerConnection>,
}

impl WebServer {
    /// Serves objects of these sizes.
    pub fn new(sizes: Vec<u64>) -> Self {
        WebServer {
            sizes,
            conns: BTreeMap::new(),
        }
    }

    /// A client connected.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let conn = ServerConnection::new(ctx.now(), ServerConfig::default());
        self.conns.insert(stream, conn);
    }

    /// Request bytes arrived.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        let now = ctx.now();
        let Some(conn) = self.conns.get_mut(&stream) else {
            return;
        };
        conn.handle_input(now, data);
        while let Some(event) = conn.poll_event() {
            let ServerEvent::Request(req) = event else {
                continue;
            };
            let size = req
                .head
                .target
                .strip_prefix("/o/")
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| self.sizes.get(i).copied());
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
        if let Some(mut conn) = self.conns.remove(&stream) {
            conn.handle_eof(ctx.now());
            while let Some(bytes) = conn.poll_transmit() {
                let _ = ctx.write(stream, bytes);
            }
        }
        let _ = ctx.close(stream);
    }
}
