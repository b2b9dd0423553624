//! HTTP/1.1 server connections: the sans-IO [`ServerConnection`] decides
//! framing, persistence, pipelining, limits and timeouts; this driver moves
//! its bytes, asks a [`Handler`] (the [`FileServer`], the tracker...) for
//! each response, sends bodies of open files by sendfile(2) on plain TCP
//! ([`super::zero_copy`]) and streams other file bodies in bounded chunks
//! read off the async threads, and writes the access log. A cleartext connection that opens
//! with HTTP/2's preface, or a TLS one that chose `h2` by ALPN, goes to the
//! HTTP/2 driver ([`super::h2`]) with the same handler.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;

use l7_http::files::upload::Upload;
use l7_http::files::{Body, FileResponse, FileServer};
use l7_http::server::{ServerConfig, ServerConnection, ServerEvent};
use l7_http::wire::date::format_http_date;
use l7_http::wire::{Headers, RequestHead, ResponseHead};
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::access_log::{AccessLog, FLUSH_EVERY};
use super::h2::PREFACE;
use super::prefixed::Prefixed;
use super::read_buffer::ReadBuffer;
use super::zero_copy::{Ending, Transport, advance, finish, send_head_and_file, send_last};
use crate::Shutdown;
use crate::shape::{Link, Shaped};
use crate::tcp::{self, ConnLimits, NoDelay};

/// File bytes read and sent per step: the most a connection buffers.
const CHUNK: u64 = 256 * 1024;

/// File bodies up to this size are read on the connection's own task: a
/// few pages from the page cache cost less than a hand-off to the blocking
/// thread pool and back. Larger ones are read off the async threads.
const INLINE_READ: u64 = 128 * 1024;

/// What a server does with each request.
pub trait Handler: Send + Sync + 'static {
    /// The answer to a request head: a response, or an upload to receive.
    fn request(&self, peer: SocketAddr, head: &RequestHead<'_>) -> Action;
    /// The response once an accepted upload's body has fully arrived.
    fn finish_upload(&self, upload: Upload) -> FileResponse;
}

/// What a [`Handler`] decided.
pub enum Action {
    /// Send this response (the request's body, if any, is discarded).
    Respond(FileResponse),
    /// Receive the request's body into this upload, then call `finish_upload`.
    Receive(Upload),
}

/// The server's monotonic clock, as the core crates take time: one epoch
/// for the whole process, so every connection's instants compare.
pub fn clock() -> Instant {
    static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();
    Instant::from_epoch(EPOCH.get_or_init(std::time::Instant::now).elapsed())
}

impl Handler for FileServer {
    fn request(&self, _peer: SocketAddr, head: &RequestHead<'_>) -> Action {
        if head.method != "PUT" {
            return Action::Respond(self.respond_at(clock(), head));
        }
        match self.begin_upload(head) {
            Ok(upload) => Action::Receive(upload),
            Err(refusal) => Action::Respond(*refusal),
        }
    }

    fn finish_upload(&self, upload: Upload) -> FileResponse {
        FileServer::finish_upload(self, upload)
    }
}

/// What a server serves, shared by its connections.
pub struct Origin<H> {
    /// Decides each response.
    pub handler: H,
    /// Connection limits and timeouts.
    pub config: ServerConfig,
    /// Where responses are logged.
    pub log: AccessLog,
}

/// Serves HTTP/1.1 on `listener` until shutdown, over TLS when `tls` is set.
pub async fn serve<H: Handler>(
    listener: TcpListener,
    origin: Arc<Origin<H>>,
    tls: Option<TlsAcceptor>,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    let log = origin.log.clone();
    // Clients speak first (a request, or a TLS ClientHello).
    tcp::defer_accept(&listener);
    let accept = tcp::serve_with(
        listener,
        limits,
        NoDelay::ByHandler,
        shutdown,
        move |stream, peer| {
            let (origin, tls) = (origin.clone(), tls.clone());
            // Boxed: the task then holds a pointer, not the whole connection
            // state, so spawning and finishing it copy a few bytes.
            Box::pin(async move {
                match tls {
                    None => cleartext(stream, peer, origin).await,
                    Some(acceptor) => {
                        // TLS handshakes and records are small writes in a row.
                        let _ = stream.set_nodelay(true);
                        if let Some(s) = crate::tls::accept(&acceptor, stream).await {
                            // RFC 9113 §3.2: "h2" chosen by ALPN means HTTP/2.
                            if s.get_ref().1.alpn_protocol() == Some(b"h2") {
                                super::h2::connection(s, peer, origin).await
                            } else {
                                connection(s, peer, origin, ReadBuffer::take()).await
                            }
                        }
                    }
                }
            })
        },
    );
    on_worker(accept, &log).await
}

/// Runs a server's accept loop as a task on the runtime's workers, beside
/// the connections it spawns (awaited where the runtime's `block_on` polls
/// it, the main thread, every accepted connection would have to wake a
/// worker thread: a context switch per connection), and writes out the
/// access log's buffered lines every second and at the end.
async fn on_worker(accept: impl Future<Output = ()> + Send + 'static, log: &AccessLog) {
    let flusher = log.is_on().then(|| {
        let log = log.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FLUSH_EVERY);
            loop {
                every.tick().await;
                log.flush();
            }
        })
    });
    if let Err(e) = tokio::spawn(accept).await {
        tracing::error!("the accept loop failed: {e}");
    }
    if let Some(f) = flusher {
        f.abort();
    }
    log.flush();
}

/// Serves cleartext HTTP on `listener` until shutdown, every connection's
/// responses paced by one shared [`Link`] (`l7 dash serve --shape`).
pub async fn serve_shaped<H: Handler>(
    listener: TcpListener,
    origin: Arc<Origin<H>>,
    link: Arc<Link>,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    let log = origin.log.clone();
    let accept = tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let (origin, link) = (origin.clone(), link.clone());
        Box::pin(async move { cleartext(Shaped::tcp(stream, link), peer, origin).await })
    });
    on_worker(accept, &log).await
}

/// Reads the start of a cleartext connection: HTTP/2 with prior knowledge
/// when it is the connection preface (RFC 9113 §3.3), HTTP/1.1 otherwise.
async fn cleartext<S, H>(mut stream: S, peer: SocketAddr, origin: Arc<Origin<H>>)
where
    S: Transport,
    H: Handler,
{
    let mut buf = ReadBuffer::take();
    while buf.len() < PREFACE.len() && PREFACE.starts_with(&buf) {
        match tokio::time::timeout(origin.config.header_timeout, stream.read_buf(&mut *buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            // Silent or gone before a whole request line: nothing to answer.
            _ => return,
        }
    }
    if buf.starts_with(PREFACE) {
        let start = buf.to_vec();
        drop(buf);
        if let Some(socket) = stream.socket() {
            // HTTP/2 writes frames of many sizes, interleaved.
            let _ = socket.set_nodelay(true);
        }
        super::h2::connection(Prefixed::new(start, stream), peer, origin).await
    } else {
        connection(stream, peer, origin, buf).await
    }
}

struct Conn<S> {
    http: ServerConnection,
    stream: S,
    epoch: std::time::Instant,
    /// Output on its way to the socket, reused across responses.
    out: Vec<u8>,
    /// Whether Nagle's algorithm is off: it is turned off before the first
    /// write that is not a last response held for the FIN.
    nodelay: bool,
}

impl<S: Transport> Conn<S> {
    fn now(&self) -> Instant {
        Instant::from_epoch(self.epoch.elapsed())
    }

    /// Turns Nagle's algorithm off, once, before a write that leaves at
    /// once (a response's tail must not wait for the ACK of its start).
    fn push_writes(&mut self) {
        if !self.nodelay {
            self.nodelay = true;
            if let Some(socket) = self.stream.socket() {
                let _ = socket.set_nodelay(true);
            }
        }
    }

    /// Whether the response just passed to the connection is its last.
    fn ending(&self) -> Ending {
        if self.http.is_closing() {
            Ending::Last
        } else {
            Ending::KeepOpen
        }
    }

    /// Writes what the connection produced, from one buffer the connection
    /// keeps (no allocation per response); a client that stops reading for
    /// [`WRITE_TIMEOUT`] is dropped.
    async fn flush(&mut self) -> std::io::Result<()> {
        while self.http.transmit_into(&mut self.out) {
            self.push_writes();
            tokio::time::timeout(WRITE_TIMEOUT, self.stream.write_all(&self.out))
                .await
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        }
        Ok(())
    }
}

/// Serves HTTP/1.1 on `stream`, reading into `buf`, which holds the
/// first bytes already read (handed on so a connection takes one buffer).
async fn connection<S: Transport, H: Handler>(
    stream: S,
    peer: SocketAddr,
    origin: Arc<Origin<H>>,
    mut buf: ReadBuffer,
) {
    let epoch = std::time::Instant::now();
    let mut http = ServerConnection::new(Instant::ZERO, origin.config.clone());
    if !buf.is_empty() {
        http.handle_input(Instant::ZERO, &buf);
    }
    let mut c = Conn {
        http,
        stream,
        epoch,
        out: Vec::new(),
        // Only plain sockets start with Nagle on (see `tcp::NoDelay`).
        nodelay: false,
    };
    let mut upload: Option<(RequestHead<'static>, Option<Upload>)> = None;
    loop {
        while let Some(event) = c.http.poll_event() {
            let done = match event {
                ServerEvent::Request(req) => match origin.handler.request(peer, &req.head) {
                    Action::Receive(up) => {
                        c.http.want_body();
                        upload = Some((req.head, Some(up)));
                        Ok(())
                    }
                    Action::Respond(response) => {
                        respond(&mut c, &origin.log, peer, &req.head, response).await
                    }
                },
                ServerEvent::Body(data) => {
                    if let Some((_, slot)) = &mut upload
                        && let Some(up) = slot
                        && up.write(&data).is_err()
                    {
                        // Keep reading the body, answer 500 at its end.
                        if let Some(up) = slot.take() {
                            up.abort();
                        }
                    }
                    Ok(())
                }
                ServerEvent::BodyEnd(_) => match upload.take() {
                    Some((head, Some(up))) => {
                        let response = origin.handler.finish_upload(up);
                        respond(&mut c, &origin.log, peer, &head, response).await
                    }
                    Some((head, None)) => {
                        let response = error_response(500, "could not write the file");
                        respond(&mut c, &origin.log, peer, &head, response).await
                    }
                    None => Ok(()),
                },
                ServerEvent::BodyAborted => {
                    if let Some((_, Some(up))) = upload.take() {
                        up.abort();
                    }
                    Ok(())
                }
            };
            if done.is_err() {
                // The connection may have failed the request itself (a
                // malformed body read ahead): send its error answer.
                let _ = c.flush().await;
                return;
            }
        }
        if c.flush().await.is_err() {
            return;
        }
        if c.http.is_closing() {
            // A plain socket's close sends the FIN itself; TLS sends its
            // close_notify and a shaped link its last bytes on shutdown.
            if c.stream.socket().is_none() {
                let _ = c.stream.shutdown().await;
            }
            return;
        }
        let deadline = c
            .http
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        if !c.http.wants_input() && deadline.is_none() {
            return; // nothing can move this connection forward
        }
        buf.clear();
        tokio::select! {
            biased;
            r = c.stream.read_buf(&mut *buf), if c.http.wants_input() => match r {
                Ok(0) | Err(_) => { let now = c.now(); c.http.handle_eof(now) }
                Ok(_) => { let now = c.now(); c.http.handle_input(now, &buf) }
            },
            _ = sleep_until(deadline) => { let now = c.now(); c.http.handle_timeout(now) }
        }
    }
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

pub(super) fn error_response(status: u16, text: &str) -> FileResponse {
    let mut headers = Headers::new();
    headers.append("Content-Type", &b"text/plain; charset=utf-8"[..]);
    FileResponse {
        status,
        headers,
        body: Body::Bytes(format!("{status} {text}\n").into_bytes()),
    }
}

/// Adds the fields every response carries: Date (RFC 9110 §6.6.1: an
/// origin server with a clock sends it) and Server.
pub(super) fn stamp(headers: &mut Headers<'static>) {
    thread_local! {
        /// The Date value for the current second, formatted once.
        static DATE: std::cell::RefCell<(u64, Vec<u8>)> = const {
            std::cell::RefCell::new((u64::MAX, Vec::new()))
        };
    }
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let date = DATE.with_borrow_mut(|(second, value)| {
        if *second != unix {
            *second = unix;
            *value = format_http_date(unix).into_bytes();
        }
        value.clone()
    });
    headers.set("Date", date);
    headers.set("Server", &b"l7"[..]);
}

/// Sends one response, streaming its body, and logs it.
async fn respond<S: Transport>(
    c: &mut Conn<S>,
    log: &AccessLog,
    peer: SocketAddr,
    head: &RequestHead<'_>,
    mut response: FileResponse,
) -> Result<(), ()> {
    let now = c.now();
    let len = response.body.len();
    let mut out_head = ResponseHead::new(response.status);
    out_head.headers = std::mem::take(&mut response.headers);
    stamp(&mut out_head.headers);
    let wants_body = c
        .http
        .send_response(now, out_head, Some(len))
        .map_err(|_| ())?;
    log.log(
        peer,
        head,
        head.version.as_str(),
        response.status,
        if wants_body { len } else { 0 },
    );
    if !wants_body {
        return Ok(());
    }
    if let (true, Some((file, offset, len))) =
        (c.stream.socket().is_some(), response.body.zero_copy())
    {
        c.http.transmit_into(&mut c.out);
        let now = c.now();
        c.http.send_body_direct(now, len).map_err(|_| ())?;
        let ending = c.ending();
        if ending == Ending::KeepOpen {
            c.push_writes();
        }
        let socket = c.stream.socket().ok_or(())?;
        let sent = async {
            send_head_and_file(socket, &c.out, file, offset, len, ending).await?;
            if ending == Ending::Last {
                finish(socket)?;
            }
            Ok::<_, std::io::Error>(())
        };
        return match tokio::time::timeout(WRITE_TIMEOUT, sent).await {
            Ok(Ok(())) => c.flush().await.map_err(|_| ()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                tracing::warn!("sending a file to {peer}: {e}");
                Err(())
            }
            _ => Err(()),
        };
    }
    match response.body {
        Body::Empty => {}
        Body::Bytes(b) => send(c, &b).await?,
        Body::Cached(b) => send_direct(c, &b).await?,
        Body::Open {
            ref file,
            offset,
            len,
        } if let Some(b) = file.bytes(offset, len) => send_direct(c, &b).await?,
        body => send_chunks(c, body).await?,
    }
    Ok(())
}

async fn send<S: Transport>(c: &mut Conn<S>, data: &[u8]) -> Result<(), ()> {
    let now = c.now();
    c.http.send_body(now, data).map_err(|_| ())?;
    c.flush().await.map_err(|_| ())
}

/// Sends a body held in memory together with the pending head in vectored
/// writes, without copying it into the output buffer.
async fn send_direct<S: Transport>(c: &mut Conn<S>, data: &Bytes) -> Result<(), ()> {
    c.http.transmit_into(&mut c.out);
    let now = c.now();
    // A chunked body is framed by the connection: send it the usual way.
    let direct = c.http.send_body_direct(now, data.len() as u64).is_ok();
    let body: &[u8] = if direct { data } else { &[] };
    let written = async {
        match (c.stream.socket(), c.ending()) {
            // The last response: head, body and FIN in one segment.
            (Some(socket), Ending::Last) => {
                send_last(socket, &c.out, body).await?;
                finish(socket)
            }
            _ => {
                c.push_writes();
                write_both(&mut c.stream, &c.out, body).await
            }
        }
    };
    tokio::time::timeout(WRITE_TIMEOUT, written)
        .await
        .map_err(|_| ())?
        .map_err(|_| ())?;
    if !direct {
        return send(c, data).await;
    }
    c.flush().await.map_err(|_| ())
}

/// Writes `head` then `body`, as few system calls as the stream allows.
async fn write_both<S: AsyncWrite + Unpin>(
    stream: &mut S,
    mut head: &[u8],
    mut body: &[u8],
) -> std::io::Result<()> {
    while !head.is_empty() || !body.is_empty() {
        let n = stream
            .write_vectored(&[IoSlice::new(head), IoSlice::new(body)])
            .await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        advance(&mut head, &mut body, n);
    }
    Ok(())
}

/// Sends a body read from files (a file range, multipart ranges) in
/// bounded chunks, read off the async threads when the body is large.
async fn send_chunks<S: Transport>(c: &mut Conn<S>, body: Body) -> Result<(), ()> {
    let len = body.len();
    let body = Arc::new(body);
    let mut at = 0;
    while at < len {
        let n = CHUNK.min(len - at);
        let read = if len <= INLINE_READ {
            body.read_at(at, n)
        } else {
            let b = body.clone();
            tokio::task::spawn_blocking(move || b.read_at(at, n))
                .await
                .map_err(|_| ())?
        };
        let chunk = read.map_err(|e| tracing::warn!("reading a file to send: {e}"))?;
        send(c, &chunk).await?;
        at += n;
    }
    Ok(())
}

/// How long a response write may take before the client is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
