//! [`ServerConnection`]: one HTTP/1.1 connection seen from the server.
//!
//! Requests are handled one at a time: the next pipelined request is parsed
//! only after the current response is complete, so responses leave in
//! request order (RFC 9112 §9.3.2) and unread input stays bounded. Every
//! limit error is answered with its status and the connection closes.

use std::collections::VecDeque;

use l7_wire::Instant;

use super::response_writer::{BodyWriter, RequestFacts, start_response};
use super::{ApiError, Request, ServerConfig, ServerEvent};
use crate::wire::chunked::{Chunk, ChunkedDecoder};
use crate::wire::framing::{BodyFraming, keeps_alive, request_framing};
use crate::wire::limits::MAX_HEAD_BYTES;
use crate::wire::{Headers, HttpError, RequestHead, ResponseHead};

/// How far the current request's body has been read.
#[derive(Debug)]
enum BodyReader {
    /// Fully read (or there was none).
    Complete,
    /// Content-Length bytes still expected.
    Length(u64),
    /// A chunked body, with the bytes decoded so far.
    Chunked(ChunkedDecoder, u64),
}

/// Where the connection is in its request/response cycle.
#[derive(Debug)]
enum Phase {
    /// Waiting for (more of) a request head; `deadline` is when it must be
    /// complete, `idle` says no byte of it has arrived yet. Between requests
    /// on a persistent connection `deadline` is the idle timeout, replaced
    /// by the header timeout when the first byte arrives (`keep_alive`); on a
    /// new connection the header timeout runs from the accept.
    Head {
        deadline: Instant,
        idle: bool,
        keep_alive: bool,
    },
    /// A request was delivered; its body is being read and/or its response
    /// written.
    Exchange(Exchange),
    /// Nothing more will be read; the connection ends once output is sent.
    Closing,
}

#[derive(Debug)]
struct Exchange {
    facts: RequestFacts,
    body: BodyReader,
    /// When the last body byte arrived (for the body timeout).
    last_body_input: Instant,
    awaiting_continue: bool,
    response: Option<(BodyWriter, bool)>,
}

/// The server side of one HTTP/1.1 connection.
#[derive(Debug)]
pub struct ServerConnection {
    config: ServerConfig,
    phase: Phase,
    input: Vec<u8>,
    /// Input length at which the next head parse is attempted even without
    /// an end-of-head marker (so oversized heads are refused early).
    next_parse_at: usize,
    /// How much of `input` has been searched for the end of the head.
    scanned: usize,
    events: VecDeque<ServerEvent>,
    output: Vec<u8>,
    peer_closed: bool,
}

impl ServerConnection {
    /// A connection accepted at `now`.
    pub fn new(now: Instant, config: ServerConfig) -> Self {
        let deadline = now + config.header_timeout;
        ServerConnection {
            config,
            phase: Phase::Head {
                deadline,
                idle: true,
                keep_alive: false,
            },
            input: Vec::new(),
            next_parse_at: 1,
            scanned: 0,
            events: VecDeque::new(),
            output: Vec::new(),
            peer_closed: false,
        }
    }

    /// Takes bytes received from the peer at `now`.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if matches!(self.phase, Phase::Closing) || bytes.is_empty() {
            return;
        }
        if self.input.len() + bytes.len() > self.config.max_buffered_input + MAX_HEAD_BYTES {
            // The driver ignored `wants_input`; refuse to buffer more.
            self.phase = Phase::Closing;
            return;
        }
        self.input.extend_from_slice(bytes);
        if let Phase::Exchange(ex) = &mut self.phase {
            ex.last_body_input = now;
        }
        self.process(now);
    }

    /// The peer closed its sending side at `now`.
    pub fn handle_eof(&mut self, now: Instant) {
        self.peer_closed = true;
        match &mut self.phase {
            Phase::Exchange(ex) if !matches!(ex.body, BodyReader::Complete) => {
                self.events.push_back(ServerEvent::BodyAborted);
                self.phase = Phase::Closing;
            }
            // A complete request still gets its response; then we close.
            Phase::Exchange(_) => {}
            _ => self.phase = Phase::Closing,
        }
        self.process(now);
    }

    /// When [`Self::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Head { deadline, .. } => Some(*deadline),
            Phase::Exchange(ex)
                if !matches!(ex.body, BodyReader::Complete) && !ex.awaiting_continue =>
            {
                Some(ex.last_body_input + self.config.body_timeout)
            }
            _ => None,
        }
    }

    /// Applies the read timeouts at `now`: an incomplete head gets 408, an
    /// idle connection is closed quietly, a stalled body aborts the request.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_none_or(|t| now < t) {
            return;
        }
        match &self.phase {
            Phase::Head { idle: true, .. } => self.phase = Phase::Closing,
            Phase::Head { idle: false, .. } => self.fail(408),
            Phase::Exchange(ex) => {
                let started = ex.response.is_some();
                self.events.push_back(ServerEvent::BodyAborted);
                if started {
                    self.phase = Phase::Closing;
                } else {
                    self.fail(408);
                }
            }
            Phase::Closing => {}
        }
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// Bytes to send to the peer, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.output.is_empty()).then(|| std::mem::take(&mut self.output))
    }

    /// Moves pending output into `buf` (cleared first) and keeps `buf`'s old
    /// allocation for later output, so a driver that writes from one buffer
    /// per connection allocates nothing per response. False when there was
    /// nothing to send.
    pub fn transmit_into(&mut self, buf: &mut Vec<u8>) -> bool {
        buf.clear();
        std::mem::swap(&mut self.output, buf);
        !buf.is_empty()
    }

    /// True while the driver should keep reading from the socket.
    pub fn wants_input(&self) -> bool {
        !matches!(self.phase, Phase::Closing) && self.input.len() < self.config.max_buffered_input
    }

    /// True when the connection is over: close it once every byte from
    /// [`Self::poll_transmit`] has been written.
    pub fn is_closing(&self) -> bool {
        matches!(self.phase, Phase::Closing)
    }

    /// Lets a client that sent `Expect: 100-continue` send its body: sends
    /// `100 Continue` unless a response was already started (RFC 9110 §10.1.1).
    pub fn want_body(&mut self) {
        if let Phase::Exchange(ex) = &mut self.phase
            && ex.awaiting_continue
        {
            ex.awaiting_continue = false;
            if ex.response.is_none() {
                self.output
                    .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
        }
    }

    /// Starts the response to the current request. `body_len` is the exact
    /// body length, or `None` to stream it (chunked, or until close for an
    /// HTTP/1.0 client). The connection sets Content-Length,
    /// Transfer-Encoding and Connection itself. A 1xx head (other than 101)
    /// is sent as an interim response. Returns whether body bytes should
    /// follow: false when the response is already complete (HEAD, 204, 304,
    /// zero length, interim).
    pub fn send_response(
        &mut self,
        now: Instant,
        head: ResponseHead<'_>,
        body_len: Option<u64>,
    ) -> Result<bool, ApiError> {
        let Phase::Exchange(ex) = &mut self.phase else {
            return Err(ApiError::NoRequest);
        };
        if ex.response.is_some() {
            return Err(ApiError::AlreadyStarted);
        }
        if head.is_informational() && head.status != 101 {
            head.emit(&mut self.output);
            return Ok(false);
        }
        let unread_body = !matches!(ex.body, BodyReader::Complete);
        let force_close = unread_body || self.peer_closed;
        let started = start_response(head, body_len, ex.facts, force_close, &mut self.output);
        let wants_body = !started.0.is_done();
        ex.response = Some(started);
        self.after_write(now);
        Ok(wants_body)
    }

    /// Sends body bytes of the current response.
    pub fn send_body(&mut self, now: Instant, data: &[u8]) -> Result<(), ApiError> {
        let Phase::Exchange(Exchange {
            response: Some((writer, _)),
            ..
        }) = &mut self.phase
        else {
            return Err(ApiError::NotStarted);
        };
        writer.write(data, &mut self.output)?;
        self.after_write(now);
        Ok(())
    }

    /// Sends `len` body bytes of the current response that the driver
    /// writes itself, so it can write a body it holds in memory together
    /// with the head (one vectored write, no copy). Take the pending output
    /// ([`Self::transmit_into`]) first, write it and then the body bytes,
    /// before any output produced after this call. Refused for a chunked
    /// body ([`ApiError::ChunkedBody`]: use [`Self::send_body`]).
    pub fn send_body_direct(&mut self, now: Instant, len: u64) -> Result<(), ApiError> {
        let Phase::Exchange(Exchange {
            response: Some((writer, _)),
            ..
        }) = &mut self.phase
        else {
            return Err(ApiError::NotStarted);
        };
        writer.pass(len)?;
        self.after_write(now);
        Ok(())
    }

    /// Ends a streamed response body, with trailer fields if chunked.
    pub fn finish_body(&mut self, now: Instant, trailers: &Headers<'_>) -> Result<(), ApiError> {
        let Phase::Exchange(Exchange {
            response: Some((writer, _)),
            ..
        }) = &mut self.phase
        else {
            return Err(ApiError::NotStarted);
        };
        writer.finish(trailers, &mut self.output)?;
        self.after_write(now);
        Ok(())
    }

    /// After response bytes were written: when the response is complete,
    /// either close or get ready for the next request at `now`.
    fn after_write(&mut self, now: Instant) {
        let Phase::Exchange(ex) = &self.phase else {
            return;
        };
        let Some((writer, close)) = &ex.response else {
            return;
        };
        if !writer.is_done() {
            return;
        }
        if *close || self.peer_closed {
            self.phase = Phase::Closing;
            return;
        }
        let idle = self.input.is_empty();
        let timeout = if idle {
            self.config.idle_timeout
        } else {
            self.config.header_timeout
        };
        self.phase = Phase::Head {
            deadline: now + timeout,
            idle,
            keep_alive: true,
        };
        self.next_parse_at = 1;
        self.scanned = 0;
        self.process(now);
    }

    /// Moves as far as the buffered input allows.
    fn process(&mut self, now: Instant) {
        loop {
            match &mut self.phase {
                Phase::Head {
                    deadline,
                    idle,
                    keep_alive,
                } => {
                    if self.input.is_empty() {
                        if self.peer_closed {
                            self.phase = Phase::Closing;
                        }
                        return;
                    }
                    if *idle {
                        *idle = false;
                        if *keep_alive {
                            // The first byte of a later head starts its deadline.
                            *deadline = now + self.config.header_timeout;
                        }
                    }
                    if !self.read_head(now) {
                        if self.peer_closed && matches!(self.phase, Phase::Head { .. }) {
                            self.phase = Phase::Closing;
                        }
                        return;
                    }
                }
                Phase::Exchange(ex) => {
                    if matches!(ex.body, BodyReader::Complete) || self.input.is_empty() {
                        return;
                    }
                    if let Err(e) = self.read_body() {
                        self.events.push_back(ServerEvent::BodyAborted);
                        self.fail(e.status());
                        return;
                    }
                }
                Phase::Closing => return,
            }
        }
    }

    /// Tries to parse a request head; true when one was taken.
    fn read_head(&mut self, now: Instant) -> bool {
        let ended = has_head_end(&self.input[self.scanned.saturating_sub(2)..]);
        self.scanned = self.input.len();
        if !ended && self.input.len() < self.next_parse_at {
            return false;
        }
        let (request, used) = match RequestHead::parse(&self.input) {
            Err(HttpError::Incomplete) => {
                self.next_parse_at = self.input.len() + 1024;
                return false;
            }
            Err(e) => {
                self.fail(e.status());
                return false;
            }
            Ok((head, used)) => match accept_request(&head, &self.config) {
                Ok((framing, expects_continue)) => (
                    Request {
                        head: head.into_owned(),
                        framing,
                        expects_continue,
                    },
                    used,
                ),
                Err(status) => {
                    self.fail(status);
                    return false;
                }
            },
        };
        self.input.drain(..used);
        self.scanned = 0;
        let facts = RequestFacts {
            is_head: request.head.is_head(),
            version: request.head.version,
            keep_alive: keeps_alive(request.head.version, &request.head.headers),
        };
        let body = match request.framing {
            BodyFraming::Length(n) => BodyReader::Length(n),
            BodyFraming::Chunked => BodyReader::Chunked(ChunkedDecoder::new(), 0),
            BodyFraming::Empty | BodyFraming::UntilClose => BodyReader::Complete,
        };
        let body_complete = matches!(body, BodyReader::Complete);
        self.phase = Phase::Exchange(Exchange {
            facts,
            body,
            last_body_input: now,
            awaiting_continue: request.expects_continue,
            response: None,
        });
        self.events.push_back(ServerEvent::Request(request));
        if body_complete {
            self.events.push_back(ServerEvent::BodyEnd(Headers::new()));
        }
        true
    }

    /// Turns buffered input into body events.
    fn read_body(&mut self) -> Result<(), HttpError> {
        let Phase::Exchange(ex) = &mut self.phase else {
            return Ok(());
        };
        match &mut ex.body {
            BodyReader::Complete => {}
            BodyReader::Length(left) => {
                let take = (*left).min(self.input.len() as u64) as usize;
                self.events
                    .push_back(ServerEvent::Body(self.input.drain(..take).collect()));
                *left -= take as u64;
                if *left == 0 {
                    ex.body = BodyReader::Complete;
                    self.events.push_back(ServerEvent::BodyEnd(Headers::new()));
                }
            }
            BodyReader::Chunked(decoder, total) => {
                let mut at = 0;
                loop {
                    let (used, chunk) = decoder.decode(&self.input[at..])?;
                    at += used;
                    match chunk {
                        Some(Chunk::Data(data)) => {
                            *total += data.len() as u64;
                            if *total > self.config.max_body {
                                return Err(HttpError::BodyTooLarge);
                            }
                            self.events.push_back(ServerEvent::Body(data.to_vec()));
                        }
                        Some(Chunk::End(trailers)) => {
                            ex.body = BodyReader::Complete;
                            self.events.push_back(ServerEvent::BodyEnd(trailers));
                            break;
                        }
                        None => break,
                    }
                }
                self.input.drain(..at);
            }
        }
        Ok(())
    }

    /// Answers a peer error with `status` (when no response has started)
    /// and closes.
    fn fail(&mut self, status: u16) {
        let started = matches!(
            &self.phase,
            Phase::Exchange(Exchange {
                response: Some(_),
                ..
            })
        );
        if !started {
            let body = format!("{status} {}\n", crate::wire::reason_phrase(status));
            let mut head = ResponseHead::new(status);
            head.headers
                .append("Content-Type", &b"text/plain; charset=utf-8"[..]);
            let facts = RequestFacts {
                is_head: false,
                version: crate::wire::Version::Http11,
                keep_alive: false,
            };
            let (mut writer, _) =
                start_response(head, Some(body.len() as u64), facts, true, &mut self.output);
            // The declared length matches, so this cannot fail.
            let _ = writer.write(body.as_bytes(), &mut self.output);
        }
        self.input.clear();
        self.phase = Phase::Closing;
    }
}

/// The checks between a parsed head and a request event: target form and
/// Host (400), body framing (400/501), body size (413), expectations (417).
/// Returns the framing and whether the client awaits `100 Continue`.
fn accept_request(
    head: &RequestHead<'_>,
    config: &ServerConfig,
) -> Result<(BodyFraming, bool), u16> {
    head.validate().map_err(|e| e.status())?;
    let framing = request_framing(head).map_err(|e| e.status())?;
    if let BodyFraming::Length(n) = framing
        && n > config.max_body
    {
        return Err(HttpError::BodyTooLarge.status());
    }
    let mut expects_continue = false;
    for expectation in head.headers.list("expect") {
        if !expectation.eq_ignore_ascii_case(b"100-continue") {
            return Err(417);
        }
        // RFC 9110 §10.1.1: ignore 100-continue from HTTP/1.0 clients.
        expects_continue = head.version == crate::wire::Version::Http11;
    }
    let has_body = framing != BodyFraming::Empty;
    Ok((framing, expects_continue && has_body))
}

/// True when `buf` holds an empty line ending a head (CRLFCRLF or LFLF, or
/// mixtures), after at least one other line or at its start.
fn has_head_end(buf: &[u8]) -> bool {
    buf.windows(2).any(|w| w == b"\n\n") || buf.windows(3).any(|w| w == b"\n\r\n")
}
