//! Plain client-server distribution, the course's baseline: every client
//! fetches the whole file from one server over its own connection, asking
//! for it a chunk at a time with a few requests in flight (as a download
//! client would with HTTP range requests), so the server's upload is shared
//! by all clients at once.

use std::cell::Cell;
use std::rc::Rc;

use l7_sim::{Ctx, Endpoint, StreamId, StreamInfo};
use l7_wire::Instant;

/// Port the server accepts on.
pub const SERVER_PORT: u16 = 80;
/// Bytes per chunk.
const CHUNK: u64 = 1 << 20;
/// Chunk requests kept in flight per client.
const DEPTH: u64 = 4;
/// A request: one byte per chunk asked for.
const REQUEST: &[u8] = b"R";

/// The server: answers each request byte with the next chunk of the file.
#[derive(Debug)]
pub struct Server {
    file_bytes: u64,
    /// Bytes already sent per client connection.
    sent: std::collections::BTreeMap<StreamId, u64>,
}

impl Server {
    /// Serves a file of `file_bytes`.
    pub fn new(file_bytes: u64) -> Self {
        Server {
            file_bytes,
            sent: Default::default(),
        }
    }

    /// Requests arrived.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        let sent = self.sent.entry(stream).or_default();
        for _ in 0..data.len() {
            let n = CHUNK.min(self.file_bytes - *sent);
            if n == 0 {
                break;
            }
            *sent += n;
            let _ = ctx.write_with_fill(stream, Vec::new(), 0, n as usize);
        }
    }
}

/// A client: fetches the file, records when the last byte arrived.
#[derive(Debug)]
pub struct Client {
    server: Endpoint,
    file_bytes: u64,
    asked: u64,
    received: u64,
    done_at: Option<Instant>,
    remaining: Rc<Cell<usize>>,
}

impl Client {
    /// A client of `server`; decrements `remaining` when done.
    pub fn new(server: Endpoint, file_bytes: u64, remaining: Rc<Cell<usize>>) -> Self {
        Client {
            server,
            file_bytes,
            asked: 0,
            received: 0,
            done_at: None,
            remaining,
        }
    }

    /// When the whole file had arrived.
    pub fn done_at(&self) -> Option<Instant> {
        self.done_at
    }

    /// Connects to the server.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx.connect(self.server);
    }

    /// Connected: the first requests go out.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, _: StreamInfo) {
        self.ask(ctx, stream);
    }

    fn ask(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let chunks = self.file_bytes.div_ceil(CHUNK);
        let done_chunks = self.received / CHUNK;
        while self.asked < chunks && self.asked < done_chunks + DEPTH {
            self.asked += 1;
            let _ = ctx.write(stream, REQUEST);
        }
    }

    /// File bytes arrived.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        self.received += data.len() as u64;
        if self.received >= self.file_bytes && self.done_at.is_none() {
            self.done_at = Some(ctx.now());
            let left = self.remaining.get().saturating_sub(1);
            self.remaining.set(left);
            if left == 0 {
                ctx.stop();
            }
            let _ = ctx.close(stream);
        } else {
            self.ask(ctx, stream);
        }
    }
}
