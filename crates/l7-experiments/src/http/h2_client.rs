//! The browser's HTTP/2 connection: the `h2` crate's client (what `l7 get`
//! uses) over a simulated stream. Requests go out as soon as `h2` is
//! ready; each response body is read as it arrives and its flow-control
//! credit given back at once, so WINDOW_UPDATEs follow the data. The
//! windows are a browser's (Chrome announces 6 MiB per stream and 15 MiB
//! per connection) rather than RFC 9113's 64 KiB default, which would
//! hold a fast path to 64 KiB per round trip.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use h2::RecvStream;
use h2::client::{Connection, ResponseFuture, SendRequest};

use super::pipe::{Pipe, poll_now};

/// Per-stream receive window (SETTINGS_INITIAL_WINDOW_SIZE).
const STREAM_WINDOW: u32 = 6 * 1024 * 1024;
/// Connection receive window.
const CONNECTION_WINDOW: u32 = 15 * 1024 * 1024;

type Handshake =
    Pin<Box<dyn Future<Output = Result<(SendRequest<Bytes>, Connection<Pipe, Bytes>), h2::Error>>>>;

enum State {
    Handshaking(Handshake),
    Open {
        send: SendRequest<Bytes>,
        conn: Box<Connection<Pipe, Bytes>>,
    },
    Closed,
}

/// One HTTP/2 connection of the browser.
pub struct H2Client {
    pipe: Pipe,
    state: State,
    authority: String,
    /// Objects to request, in order.
    to_request: VecDeque<usize>,
    waiting: Vec<(usize, ResponseFuture)>,
    receiving: Vec<(usize, RecvStream)>,
}

impl std::fmt::Debug for H2Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Client")
            .field("to_request", &self.to_request)
            .finish_non_exhaustive()
    }
}

impl H2Client {
    /// A connection to `authority`; the preface leaves with the first
    /// [`H2Client::handle`].
    pub fn new(authority: &str) -> Self {
        let pipe = Pipe::default();
        let io = pipe.clone();
        let handshake = Box::pin(async move {
            h2::client::Builder::new()
                .initial_window_size(STREAM_WINDOW)
                .initial_connection_window_size(CONNECTION_WINDOW)
                .handshake::<_, Bytes>(io)
                .await
        });
        H2Client {
            pipe,
            state: State::Handshaking(handshake),
            authority: authority.to_string(),
            to_request: VecDeque::new(),
            waiting: Vec::new(),
            receiving: Vec::new(),
        }
    }

    /// Asks for object `index` (path `/o/<index>`).
    pub fn request(&mut self, index: usize) {
        self.to_request.push_back(index);
    }

    /// Feeds bytes from the server (`None`: nothing new) and runs the
    /// connection until nothing moves; returns the bytes to send and the
    /// objects whose whole body arrived.
    pub fn handle(&mut self, input: Option<&[u8]>) -> (Vec<u8>, Vec<usize>) {
        if let Some(bytes) = input {
            self.pipe.deliver(bytes);
        }
        let mut done = Vec::new();
        poll_now(|cx| while self.step(cx, &mut done) {});
        (self.pipe.take_outbound(), done)
    }

    /// The server closed the connection.
    pub fn handle_eof(&mut self) {
        self.pipe.deliver_eof();
        poll_now(|cx| while self.step(cx, &mut Vec::new()) {});
    }

    fn step(&mut self, cx: &mut Context<'_>, done: &mut Vec<usize>) -> bool {
        let (send, conn) = match &mut self.state {
            State::Handshaking(h) => {
                self.state = match h.as_mut().poll(cx) {
                    Poll::Ready(Ok((send, conn))) => State::Open {
                        send,
                        conn: Box::new(conn),
                    },
                    Poll::Ready(Err(_)) => State::Closed,
                    Poll::Pending => return false,
                };
                return true;
            }
            State::Open { send, conn } => (send, conn),
            State::Closed => return false,
        };
        // Polling the connection moves its frames both ways.
        if Pin::new(&mut **conn).poll(cx).is_ready() {
            self.state = State::Closed;
            return true;
        }
        let mut progressed = false;
        while !self.to_request.is_empty() && send.poll_ready(cx).is_ready() {
            let Some(index) = self.to_request.pop_front() else {
                break;
            };
            let request = http::Request::get(format!("http://{}/o/{index}", self.authority))
                .body(())
                .unwrap_or_default();
            if let Ok((response, _)) = send.send_request(request, true) {
                self.waiting.push((index, response));
            }
            progressed = true;
        }
        let mut i = 0;
        while i < self.waiting.len() {
            match Pin::new(&mut self.waiting[i].1).poll(cx) {
                Poll::Ready(result) => {
                    let (index, _) = self.waiting.remove(i);
                    if let Ok(response) = result {
                        self.receiving.push((index, response.into_body()));
                    }
                    progressed = true;
                }
                Poll::Pending => i += 1,
            }
        }
        let mut i = 0;
        while i < self.receiving.len() {
            let (index, body) = &mut self.receiving[i];
            match body.poll_data(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    let _ = body.flow_control().release_capacity(chunk.len());
                    progressed = true;
                }
                Poll::Ready(end) => {
                    if end.is_none() {
                        done.push(*index);
                    }
                    drop(self.receiving.remove(i));
                    progressed = true;
                }
                Poll::Pending => i += 1,
            }
        }
        progressed
    }
}
