//! [`ResponseReader`]: reads one response to a request whose method it is
//! told, delivering events and leaving any bytes after the response for the
//! next reader on the same connection.

use std::collections::VecDeque;
use std::time::Duration;

use l7_wire::Instant;

use crate::wire::chunked::{Chunk, ChunkedDecoder};
use crate::wire::framing::{BodyFraming, keeps_alive, response_framing};
use crate::wire::{Headers, HttpError, ResponseHead};

/// What went wrong while reading a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server sent bytes that are not a valid response.
    #[error("invalid response: {0}")]
    Http(#[from] HttpError),
    /// Nothing arrived for longer than the read timeout.
    #[error("response timed out")]
    Timeout,
    /// The connection closed before the response was complete.
    #[error("connection closed before the response was complete")]
    Closed,
}

/// Something read from the response, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// An interim 1xx response (e.g. 100 Continue); the final one follows.
    Interim(ResponseHead<'static>),
    /// The final response head and how its body is framed.
    Head(ResponseHead<'static>, BodyFraming),
    /// A piece of the body (de-chunked).
    Body(Vec<u8>),
    /// The response is complete; `reusable` says whether another request
    /// may be sent on the connection.
    End {
        /// Trailer fields of a chunked body.
        trailers: Headers<'static>,
        /// The connection may carry another request.
        reusable: bool,
    },
}

#[derive(Debug)]
enum State {
    Head,
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
    Done,
    Failed(ClientError),
}

/// Reads one response.
#[derive(Debug)]
pub struct ResponseReader {
    method: String,
    request_keep_alive: bool,
    read_timeout: Duration,
    last_input: Instant,
    state: State,
    reusable: bool,
    input: Vec<u8>,
    events: VecDeque<ClientEvent>,
}

impl ResponseReader {
    /// Expects the response to a `method` request sent at `now`;
    /// `request_keep_alive` is false when the request said
    /// `Connection: close` (or was HTTP/1.0 without keep-alive).
    pub fn new(
        now: Instant,
        method: &str,
        request_keep_alive: bool,
        read_timeout: Duration,
    ) -> Self {
        ResponseReader {
            method: method.to_string(),
            request_keep_alive,
            read_timeout,
            last_input: now,
            state: State::Head,
            reusable: false,
            input: Vec::new(),
            events: VecDeque::new(),
        }
    }

    /// Takes bytes received at `now`. Errors are sticky: once the response
    /// is invalid, the connection must be closed.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<(), ClientError> {
        if let State::Failed(e) = self.state {
            return Err(e);
        }
        self.last_input = now;
        self.input.extend_from_slice(bytes);
        self.process()
            .inspect_err(|&e| self.state = State::Failed(e))
    }

    /// The server closed the connection: ends a read-until-close body,
    /// otherwise the response is truncated.
    pub fn handle_eof(&mut self) -> Result<(), ClientError> {
        match self.state {
            State::UntilClose => {
                self.finish(Headers::new());
                Ok(())
            }
            State::Done => Ok(()),
            State::Failed(e) => Err(e),
            _ => {
                self.state = State::Failed(ClientError::Closed);
                Err(ClientError::Closed)
            }
        }
    }

    /// When [`Self::handle_timeout`] must be called, while reading.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Done | State::Failed(_) => None,
            _ => Some(self.last_input + self.read_timeout),
        }
    }

    /// Fails the response when the server stayed silent past the timeout.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), ClientError> {
        if self.poll_timeout().is_some_and(|t| now >= t) {
            self.state = State::Failed(ClientError::Timeout);
            return Err(ClientError::Timeout);
        }
        Ok(())
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// True once the whole response has been read.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Bytes received after the end of the response (a pipelined next
    /// response), for the next reader.
    pub fn take_leftover(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.input)
    }

    fn process(&mut self) -> Result<(), ClientError> {
        loop {
            match &mut self.state {
                State::Head => {
                    let (head, used) = match ResponseHead::parse(&self.input) {
                        Err(HttpError::Incomplete) => return Ok(()),
                        other => other?,
                    };
                    let head = head.into_owned();
                    self.input.drain(..used);
                    if head.is_informational() && head.status != 101 {
                        self.events.push_back(ClientEvent::Interim(head));
                        continue;
                    }
                    let framing = response_framing(&self.method, &head)?;
                    let ambiguous = head.headers.contains("transfer-encoding")
                        && head.headers.contains("content-length");
                    self.reusable = self.request_keep_alive
                        && keeps_alive(head.version, &head.headers)
                        && framing != BodyFraming::UntilClose
                        && head.status != 101
                        && !ambiguous;
                    self.events.push_back(ClientEvent::Head(head, framing));
                    self.state = match framing {
                        BodyFraming::Empty => {
                            self.finish(Headers::new());
                            return Ok(());
                        }
                        BodyFraming::Length(n) => State::Length(n),
                        BodyFraming::Chunked => State::Chunked(ChunkedDecoder::new()),
                        BodyFraming::UntilClose => State::UntilClose,
                    };
                }
                State::Length(left) => {
                    if self.input.is_empty() {
                        return Ok(());
                    }
                    let take = (*left).min(self.input.len() as u64) as usize;
                    *left -= take as u64;
                    let done = *left == 0;
                    self.events
                        .push_back(ClientEvent::Body(self.input.drain(..take).collect()));
                    if done {
                        self.finish(Headers::new());
                    }
                    return Ok(());
                }
                State::Chunked(decoder) => {
                    let mut at = 0;
                    let mut trailers = None;
                    loop {
                        let (used, chunk) = decoder.decode(&self.input[at..])?;
                        at += used;
                        match chunk {
                            Some(Chunk::Data(d)) => {
                                self.events.push_back(ClientEvent::Body(d.to_vec()))
                            }
                            Some(Chunk::End(t)) => {
                                trailers = Some(t);
                                break;
                            }
                            None => break,
                        }
                    }
                    self.input.drain(..at);
                    if let Some(t) = trailers {
                        self.finish(t);
                    }
                    return Ok(());
                }
                State::UntilClose => {
                    if !self.input.is_empty() {
                        self.events
                            .push_back(ClientEvent::Body(std::mem::take(&mut self.input)));
                    }
                    return Ok(());
                }
                State::Done => return Ok(()),
                State::Failed(e) => return Err(*e),
            }
        }
    }

    fn finish(&mut self, trailers: Headers<'static>) {
        self.events.push_back(ClientEvent::End {
            trailers,
            reusable: self.reusable,
        });
        self.state = State::Done;
    }
}
