//! HTTP/2 connections (RFC 9113) for the origin server. The `h2` crate does
//! the framing, HPACK and flow-control accounting; this driver turns each
//! request into a [`RequestHead`] for the same [`Handler`] HTTP/1.1 uses and
//! sends the response bodies through l7's own round-robin [`Interleaver`]:
//! one slice of at most [`QUANTUM`] bytes per stream per turn, and `h2`
//! may buffer no more than that per stream, so DATA frames of concurrent
//! streams go out interleaved and a small object is never stuck behind a
//! large one.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use h2::RecvStream;
use h2::server::{Connection, SendResponse};
use l7_http::files::upload::Upload;
use l7_http::files::{Body, FileResponse};
use l7_http::server::interleave::Interleaver;
use l7_http::wire::{Headers, RequestHead, Version};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::Sleep;

use super::server::{Action, Handler, Origin, error_response, stamp};

/// Body bytes a stream sends per turn, and the most `h2` buffers for one
/// stream: one DATA frame at the default SETTINGS_MAX_FRAME_SIZE.
pub const QUANTUM: u64 = 16 * 1024;

/// SETTINGS_MAX_CONCURRENT_STREAMS we announce (RFC 9113 §6.5.2).
const MAX_STREAMS: u32 = 100;

/// The flow-control window we grant each stream for request bodies
/// (RFC 9113 §6.9.2); the connection gets four times as much, so uploads
/// are not held to the 64 KiB default.
const RECV_WINDOW: u32 = 256 * 1024;

/// Turns taken before yielding to other connections' tasks.
const BUDGET: usize = 64;

/// The connection preface every HTTP/2 client sends first (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// An upload's outcome, sent back from the task that received its body.
type Finished = (SendResponse<Bytes>, RequestHead<'static>, FileResponse);

struct Sending {
    stream: h2::SendStream<Bytes>,
    body: Body,
}

struct Driver<H> {
    origin: Arc<Origin<H>>,
    peer: SocketAddr,
    streams: HashMap<u64, Sending>,
    line: Interleaver<u64>,
    next_key: u64,
    uploads: usize,
    finished_tx: mpsc::UnboundedSender<Finished>,
    finished_rx: mpsc::UnboundedReceiver<Finished>,
    idle: Pin<Box<Sleep>>,
    /// When anything last moved; the idle timer is moved on from it only
    /// when it fires (cheaper than resetting it at every step).
    last_progress: tokio::time::Instant,
}

/// Serves one HTTP/2 connection (after ALPN `h2`, or a cleartext
/// connection that began with [`PREFACE`]) until the client closes it or
/// it sits idle with no stream open.
pub async fn connection<S, H>(io: S, peer: SocketAddr, origin: Arc<Origin<H>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Handler,
{
    let handshake = h2::server::Builder::new()
        .max_concurrent_streams(MAX_STREAMS)
        .initial_window_size(RECV_WINDOW)
        .initial_connection_window_size(4 * RECV_WINDOW)
        .max_send_buffer_size(QUANTUM as usize)
        .handshake::<_, Bytes>(io);
    let mut conn = match tokio::time::timeout(origin.config.header_timeout, handshake).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return tracing::debug!("HTTP/2 handshake with {peer} failed: {e}"),
        Err(_) => return tracing::debug!("HTTP/2 handshake with {peer} timed out"),
    };
    let (finished_tx, finished_rx) = mpsc::unbounded_channel();
    let idle = Box::pin(tokio::time::sleep(origin.config.idle_timeout));
    let mut d = Driver {
        origin,
        peer,
        streams: HashMap::new(),
        line: Interleaver::new(QUANTUM),
        next_key: 0,
        uploads: 0,
        finished_tx,
        finished_rx,
        idle,
        last_progress: tokio::time::Instant::now(),
    };
    std::future::poll_fn(|cx| d.poll(&mut conn, cx)).await;
}

impl<H: Handler> Driver<H> {
    /// Accepts requests and sends body turns until the connection ends.
    fn poll<S>(&mut self, conn: &mut Connection<S, Bytes>, cx: &mut Context<'_>) -> Poll<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        for _ in 0..BUDGET {
            let mut progressed = false;
            // Polling for requests also drives the connection's I/O.
            loop {
                match conn.poll_accept(cx) {
                    Poll::Ready(Some(Ok((request, respond)))) => {
                        self.request(request, respond);
                        progressed = true;
                    }
                    Poll::Ready(Some(Err(e))) => {
                        tracing::debug!("HTTP/2 connection with {} failed: {e}", self.peer);
                        return Poll::Ready(());
                    }
                    Poll::Ready(None) => return Poll::Ready(()),
                    Poll::Pending => break,
                }
            }
            while let Poll::Ready(Some((respond, head, response))) = self.finished_rx.poll_recv(cx)
            {
                self.uploads -= 1;
                self.respond(respond, &head, response);
                progressed = true;
            }
            progressed |= self.send_turns(cx);
            if progressed {
                self.last_progress = tokio::time::Instant::now();
                continue;
            }
            if self.idle.as_mut().poll(cx).is_ready() {
                let deadline = self.last_progress + self.origin.config.idle_timeout;
                if deadline > tokio::time::Instant::now() {
                    self.idle.as_mut().reset(deadline);
                    continue;
                }
                if !self.streams.is_empty() {
                    // Responses wait and the client has taken nothing for
                    // the whole idle time (no WINDOW_UPDATE): drop it.
                    tracing::debug!("HTTP/2 client {} stopped reading", self.peer);
                    return Poll::Ready(());
                }
                if self.uploads == 0 {
                    // RFC 9113 §6.8: GOAWAY, then close once open streams end.
                    conn.graceful_shutdown();
                }
                let far = tokio::time::Instant::now() + Duration::from_secs(86_400);
                self.idle.as_mut().reset(far);
                continue;
            }
            return Poll::Pending;
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Answers one request through the shared handler.
    fn request(&mut self, request: http::Request<RecvStream>, respond: SendResponse<Bytes>) {
        let head = request_head(&request);
        match self.origin.handler.request(self.peer, &head) {
            Action::Respond(response) => self.respond(respond, &head, response),
            Action::Receive(upload) => {
                self.uploads += 1;
                let (origin, tx) = (self.origin.clone(), self.finished_tx.clone());
                let body = request.into_body();
                tokio::spawn(async move {
                    let response = match receive(body, upload, &origin).await {
                        Ok(upload) => origin.handler.finish_upload(upload),
                        Err(refusal) => refusal,
                    };
                    let _ = tx.send((respond, head, response));
                });
            }
        }
    }

    /// Sends the response head and queues its body for turns.
    fn respond(
        &mut self,
        mut respond: SendResponse<Bytes>,
        head: &RequestHead<'_>,
        mut response: FileResponse,
    ) {
        stamp(&mut response.headers);
        let len = response.body.len();
        // RFC 9110 §9.3.2, §15.3.5, §15.4.5: no content for HEAD, 204, 304.
        let bodiless = matches!(response.status, 204 | 304);
        let has_body = head.method != "HEAD" && !bodiless && len > 0;
        self.origin.log.log(
            self.peer,
            head,
            "HTTP/2.0",
            response.status,
            if has_body { len } else { 0 },
        );
        let Some(out) = response_head(
            response.status,
            &response.headers,
            (!bodiless).then_some(len),
        ) else {
            respond.send_reset(h2::Reason::INTERNAL_ERROR);
            return;
        };
        match respond.send_response(out, !has_body) {
            Ok(mut stream) if has_body && len <= QUANTUM => {
                // One turn's worth: hand it to `h2` at once, no need to
                // queue for turns (it cannot hold a large body back).
                match response.body.bytes_at(0, len) {
                    Ok(bytes) if bytes.len() as u64 == len => {
                        let _ = stream.send_data(bytes, true);
                    }
                    _ => {
                        tracing::warn!("a response body to {} could not be read", self.peer);
                        stream.send_reset(h2::Reason::INTERNAL_ERROR);
                    }
                }
            }
            Ok(stream) if has_body => {
                let key = self.next_key;
                self.next_key += 1;
                self.streams.insert(
                    key,
                    Sending {
                        stream,
                        body: response.body,
                    },
                );
                self.line.push(key, len);
            }
            Ok(_) => {}
            Err(e) => tracing::debug!("HTTP/2 response to {} failed: {e}", self.peer),
        }
    }

    /// Gives each stream in line one turn; true when any bytes moved or a
    /// stream ended.
    fn send_turns(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        for _ in 0..self.line.len() {
            let Some(key) = self.line.front() else { break };
            let Some(s) = self.streams.get_mut(&key) else {
                self.line.remove(key);
                continue;
            };
            let gone = s.stream.poll_reset(cx).is_ready();
            s.stream.reserve_capacity(self.line.want() as usize);
            if gone || matches!(s.stream.poll_capacity(cx), Poll::Ready(None | Some(Err(_)))) {
                self.line.remove(key);
                self.streams.remove(&key);
                progressed = true;
                continue;
            }
            let Some(turn) = self.line.take_turn(s.stream.capacity() as u64) else {
                continue; // no flow-control credit: wait for WINDOW_UPDATE
            };
            progressed = true;
            let sent = match s.body.bytes_at(turn.offset, turn.len) {
                Ok(bytes) if bytes.len() as u64 == turn.len => {
                    s.stream.send_data(bytes, turn.last).is_ok()
                }
                Ok(_) | Err(_) => {
                    tracing::warn!("a response body to {} could not be read", self.peer);
                    s.stream.send_reset(h2::Reason::INTERNAL_ERROR);
                    false
                }
            };
            if turn.last || !sent {
                self.line.remove(key);
                self.streams.remove(&key);
            }
        }
        progressed
    }
}

/// Receives an upload's body with the connection's size and time limits.
async fn receive<H>(
    mut body: RecvStream,
    mut upload: Upload,
    origin: &Origin<H>,
) -> Result<Upload, FileResponse> {
    let mut got = 0u64;
    loop {
        let refusal = match tokio::time::timeout(origin.config.body_timeout, body.data()).await {
            Ok(None) => return Ok(upload),
            Ok(Some(Ok(chunk))) => {
                got += chunk.len() as u64;
                let _ = body.flow_control().release_capacity(chunk.len());
                if got > origin.config.max_body {
                    error_response(413, "the request body is too large")
                } else if upload.write(&chunk).is_err() {
                    error_response(500, "could not write the file")
                } else {
                    continue;
                }
            }
            Ok(Some(Err(_))) => error_response(400, "the request body was cut off"),
            Err(_) => error_response(408, "the request body stopped arriving"),
        };
        upload.abort();
        return Err(refusal);
    }
}

/// The request as the handler sees it: pseudo-header `:authority` becomes
/// Host (RFC 9113 §8.3.1) and split Cookie fields are joined with "; "
/// (§8.2.3).
pub(super) fn request_head(request: &http::Request<RecvStream>) -> RequestHead<'static> {
    let uri = request.uri();
    let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let mut head = RequestHead::new(
        request.method().as_str().to_string(),
        target,
        Version::Http11,
    );
    let mut headers = Headers::new();
    if let Some(authority) = uri.authority() {
        headers.append("Host", authority.as_str().as_bytes().to_vec());
    }
    let mut cookies: Vec<&[u8]> = Vec::new();
    for (name, value) in request.headers() {
        if name == http::header::COOKIE {
            cookies.push(value.as_bytes());
        } else if !(name == http::header::HOST && uri.authority().is_some()) {
            headers.append(name.as_str().to_string(), value.as_bytes().to_vec());
        }
    }
    if !cookies.is_empty() {
        headers.append("Cookie", cookies.join(&b"; "[..]));
    }
    head.headers = headers;
    head
}

/// The response head, without the connection-specific fields HTTP/2
/// forbids (RFC 9113 §8.2.2); `content-length` from the body when known.
pub(super) fn response_head(
    status: u16,
    headers: &Headers<'_>,
    len: Option<u64>,
) -> Option<http::Response<()>> {
    const CONNECTION_SPECIFIC: [&str; 6] = [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "content-length",
    ];
    let mut out = http::Response::builder().status(status);
    for (name, value) in headers.iter() {
        if !CONNECTION_SPECIFIC
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
        {
            out = out.header(name, value);
        }
    }
    if let Some(len) = len {
        out = out.header(http::header::CONTENT_LENGTH, len);
    }
    out.body(()).ok()
}
