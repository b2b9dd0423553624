//! The web server's HTTP/2 connections: the `h2` crate does framing, HPACK
//! and flow control, as in `l7 http serve` (crates/l7-net/src/http/h2.rs,
//! with the same settings), and response bodies go out through l7-http's
//! round-robin [`Interleaver`], one DATA frame of at most [`QUANTUM`]
//! bytes per stream per turn, `h2` buffering no more than that per stream.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use h2::SendStream;
use h2::server::{Connection, Handshake};
use l7_http::server::interleave::Interleaver;

use super::pipe::{Pipe, poll_now};

/// Body bytes per turn, and the most `h2` buffers for one stream.
const QUANTUM: u64 = 16 * 1024;
/// SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2).
const MAX_STREAMS: u32 = 100;

enum State {
    Handshaking(Handshake<Pipe, Bytes>),
    Open(Connection<Pipe, Bytes>),
    Closed,
}

/// One HTTP/2 connection of the server.
pub struct H2Server {
    pipe: Pipe,
    state: State,
    sending: BTreeMap<u64, SendStream<Bytes>>,
    line: Interleaver<u64>,
    next_key: u64,
}

impl std::fmt::Debug for H2Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Server")
            .field("streams", &self.sending.len())
            .finish_non_exhaustive()
    }
}

impl H2Server {
    /// A connection whose first bytes are still to come.
    pub fn new() -> Self {
        let pipe = Pipe::default();
        let handshake = h2::server::Builder::new()
            .max_concurrent_streams(MAX_STREAMS)
            .max_send_buffer_size(QUANTUM as usize)
            .handshake(pipe.clone());
        H2Server {
            pipe,
            state: State::Handshaking(handshake),
            sending: BTreeMap::new(),
            line: Interleaver::new(QUANTUM),
            next_key: 0,
        }
    }

    /// Feeds bytes from the client (`None`: it closed) and runs the
    /// connection until nothing moves; returns the bytes to send and
    /// whether the connection ended. `size_of` maps a request path to the
    /// body size to answer with (`None`: 404).
    pub fn handle(
        &mut self,
        input: Option<&[u8]>,
        size_of: &dyn Fn(&str) -> Option<u64>,
    ) -> (Vec<u8>, bool) {
        match input {
            Some(bytes) => self.pipe.deliver(bytes),
            None => self.pipe.deliver_eof(),
        }
        poll_now(|cx| while self.step(cx, size_of) {});
        (
            self.pipe.take_outbound(),
            matches!(self.state, State::Closed),
        )
    }

    /// One round: handshake or accept requests (which drives the
    /// connection's I/O), then one turn per waiting body. True if
    /// anything moved.
    fn step(&mut self, cx: &mut Context<'_>, size_of: &dyn Fn(&str) -> Option<u64>) -> bool {
        let conn = match &mut self.state {
            State::Handshaking(h) => {
                match Pin::new(h).poll(cx) {
                    Poll::Ready(Ok(conn)) => self.state = State::Open(conn),
                    Poll::Ready(Err(_)) => self.state = State::Closed,
                    Poll::Pending => return false,
                }
                return true;
            }
            State::Open(conn) => conn,
            State::Closed => return false,
        };
        let mut progressed = false;
        loop {
            match conn.poll_accept(cx) {
                Poll::Ready(Some(Ok((request, mut respond)))) => {
                    progressed = true;
                    let size = size_of(request.uri().path());
                    let status = if size.is_some() { 200 } else { 404 };
                    let len = size.unwrap_or(0);
                    let head = http::Response::builder()
                        .status(status)
                        .header(http::header::CONTENT_TYPE, "application/octet-stream")
                        .header(http::header::CONTENT_LENGTH, len)
                        .body(())
                        .unwrap_or_default();
                    if let Ok(stream) = respond.send_response(head, len == 0)
                        && len > 0
                    {
                        let key = self.next_key;
                        self.next_key += 1;
                        self.sending.insert(key, stream);
                        self.line.push(key, len);
                    }
                }
                Poll::Ready(Some(Err(_)) | None) => {
                    self.state = State::Closed;
                    return true;
                }
                Poll::Pending => break,
            }
        }
        progressed | self.send_turns(cx)
    }

    /// Gives each stream in line one turn, as `l7 http serve` does.
    fn send_turns(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        for _ in 0..self.line.len() {
            let Some(key) = self.line.front() else { break };
            let Some(s) = self.sending.get_mut(&key) else {
                self.line.remove(key);
                continue;
            };
            let gone = s.poll_reset(cx).is_ready();
            s.reserve_capacity(self.line.want() as usize);
            if gone || matches!(s.poll_capacity(cx), Poll::Ready(None | Some(Err(_)))) {
                self.line.remove(key);
                self.sending.remove(&key);
                progressed = true;
                continue;
            }
            let Some(turn) = self.line.take_turn(s.capacity() as u64) else {
                continue; // no flow-control credit: wait for WINDOW_UPDATE
            };
            progressed = true;
            let body = Bytes::from(vec![b'x'; turn.len as usize]);
            if s.send_data(body, turn.last).is_err() || turn.last {
                self.line.remove(key);
                self.sending.remove(&key);
            }
        }
        progressed
    }
}
