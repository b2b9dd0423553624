//! `l7 proxy`: the course's web cache as a forward proxy (absolute-form
//! requests for http://, CONNECT tunnels for https://) or a reverse proxy
//! in front of one origin, answering from a shared RFC 9111 cache (the
//! same [`cached`](super::cached) driver as `l7 get --cache`). Every answer
//! carries `Via` and `X-Cache`; PURGE removes an entry, only from allowed
//! addresses; only allowed clients may use the proxy at all (no open relay),
//! and tunnels only reach allowed ports. Clients speak HTTP/1.1, or HTTP/2
//! ([`proxy_h2`](super::proxy_h2)) with prior knowledge or, over TLS
//! (`--tls-cert`), by ALPN.

use std::io::IoSlice;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use l7_http::cache::decide::not_modified;
use l7_http::cache::ranged::ranged;
use l7_http::cache::{CacheKind, DiskStore};
use l7_http::client::{Request, Url};
use l7_http::server::{ServerConfig, ServerConnection, ServerEvent};
use l7_http::wire::framing::remove_hop_by_hop;
use l7_http::wire::{Headers, RequestHead, ResponseHead, Version};
use l7_wire::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::cached::{self, Background, Cache, Outcome};
use super::client::{GetError, Response};
use super::fetch::{FetchConfig, Fetcher, Observer, Resolver};
use super::h2::PREFACE;
use super::prefixed::{Prefixed, read_start};
use crate::prefix::Prefix;
use crate::shape::{Link, Shaped};
use crate::tcp::{self, ConnLimits};
use crate::tls::HANDSHAKE_TIMEOUT;
use crate::{NetError, Shutdown};

/// Largest response body relayed (bodies are held whole while relayed).
const MAX_RELAYED_BODY: usize = 64 << 20;
/// A client that stops reading for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The protocol our fetcher speaks to origins, so the one every response
/// we relay arrived over (for its Via).
pub(super) const UPSTREAM: &str = "1.1";
/// Request fields never forwarded: the cache key does not hold them, yet
/// origins build answers from them (web cache poisoning).
const UNKEYED: [&str; 7] = [
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-scheme",
    "x-host",
    "x-original-url",
    "x-rewrite-url",
    "forwarded",
];
/// Largest output buffer kept for a connection's next response.
const KEEP_BUFFER: usize = 1 << 20;
/// A tunnel lasts at most this long.
const TUNNEL_MAX: Duration = Duration::from_secs(300);
/// The proxy's own status page (origin-form requests in forward mode).
pub const STATUS_PATH: &str = "/l7-proxy-status";

/// What a proxy does and for whom.
pub struct ProxyConfig {
    /// Reverse-proxy mode: every request goes to this origin.
    pub origin: Option<Url>,
    /// Clients allowed to use the proxy.
    pub allow: Vec<Prefix>,
    /// Clients allowed to PURGE.
    pub purge_from: Vec<Prefix>,
    /// Ports CONNECT may reach.
    pub connect_ports: Vec<u16>,
    /// How origins are reached.
    pub fetch: FetchConfig,
    /// How names are resolved.
    pub resolver: Resolver,
    /// Limits and timeouts towards clients.
    pub server: ServerConfig,
}

/// A running proxy's shared state.
pub struct Proxy {
    pub(super) config: ProxyConfig,
    /// This proxy's Via pseudonym (RFC 9110 §7.6.3), `l7-` and a random
    /// tag, so that it knows its own requests when they come back.
    pseudonym: String,
    /// The address it listens on, once bound.
    listen: OnceLock<SocketAddr>,
    cache: Arc<Cache>,
    hits: AtomicU64,
    misses: AtomicU64,
    revalidated: AtomicU64,
    stale: AtomicU64,
}

impl Proxy {
    /// A proxy over `store`.
    pub fn new(config: ProxyConfig, store: DiskStore) -> Proxy {
        let background = Background {
            fetch: config.fetch.clone(),
            resolver: config.resolver.clone(),
        };
        Proxy {
            cache: Arc::new(Cache::new(store, CacheKind::Shared, Some(background))),
            config,
            pseudonym: format!("l7-{:08x}", rand::random::<u32>()),
            listen: OnceLock::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            revalidated: AtomicU64::new(0),
            stale: AtomicU64::new(0),
        }
    }
}

/// Serves clients on `listener` until shutdown.
pub async fn serve(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    serve_with(listener, proxy, None, None, limits, shutdown).await
}

/// Serves clients on `listener` until shutdown, over TLS when `tls` is
/// set (HTTPS, HTTP/2 when ALPN picks `h2`: a reverse proxy or CDN edge
/// in front of a cleartext origin), paced by `link` when set.
pub async fn serve_with(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    tls: Option<TlsAcceptor>,
    link: Option<Arc<Link>>,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    if let Ok(at) = listener.local_addr() {
        let _ = proxy.listen.set(at);
    }
    // Clients speak first (a request, or a TLS ClientHello).
    tcp::defer_accept(&listener);
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let (proxy, tls, link) = (proxy.clone(), tls.clone(), link.clone());
        async move {
            match (tls, link) {
                (None, None) => connection(stream, peer, proxy).await,
                (None, Some(link)) => connection(Shaped::tcp(stream, link), peer, proxy).await,
                (Some(tls), None) => secure(tls, stream, peer, proxy).await,
                (Some(tls), Some(link)) => {
                    secure(tls, Shaped::tcp(stream, link), peer, proxy).await
                }
            }
        }
    })
    .await
}

/// One client connection over TLS: HTTP/2 when ALPN chose `h2` (RFC 9113
/// §3.2), HTTP/1.1 otherwise.
async fn secure<S>(tls: TlsAcceptor, io: S, peer: SocketAddr, proxy: Arc<Proxy>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(io)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return tracing::debug!("TLS handshake with {peer} failed: {e}"),
        Err(_) => return tracing::debug!("TLS handshake with {peer} timed out"),
    };
    if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
        super::proxy_h2::connection(stream, peer, proxy).await
    } else {
        connection(stream, peer, proxy).await
    }
}

/// Collects a response body, bounded: a body from the origin is copied
/// as it arrives, a stored one is kept as the store's shared handle.
#[derive(Default)]
struct Collect {
    copied: Vec<u8>,
    stored: Option<Bytes>,
}

impl Collect {
    fn into_bytes(self) -> Bytes {
        self.stored.unwrap_or_else(|| self.copied.into())
    }
}

impl Observer for Collect {
    fn response(&mut self, _response: &Response) {
        self.copied.clear();
        self.stored = None;
    }
    fn body(&mut self, b: &[u8]) -> std::io::Result<()> {
        if self.copied.len() + b.len() > MAX_RELAYED_BODY {
            return Err(std::io::Error::other("response body larger than 64 MiB"));
        }
        self.copied.extend_from_slice(b);
        Ok(())
    }
    fn stored_body(&mut self, b: &Bytes) -> std::io::Result<()> {
        if self.copied.is_empty() && self.stored.is_none() {
            self.stored = Some(b.clone());
            return Ok(());
        }
        self.body(b)
    }
}

impl Proxy {
    /// A fetcher towards origins, keeping its connections alive.
    pub(super) fn fetcher(&self) -> Fetcher {
        Fetcher::new(
            self.config.fetch.clone(),
            self.config.resolver.clone(),
            None,
        )
    }
}

/// One client connection: HTTP/2 with prior knowledge when it begins with
/// the connection preface, HTTP/1.1 otherwise.
async fn connection<S>(mut stream: S, peer: SocketAddr, proxy: Arc<Proxy>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut http = ServerConnection::new(now(), proxy.config.server.clone());
    let Some(start) = read_start(&mut stream, proxy.config.server.header_timeout).await else {
        return;
    };
    if start.starts_with(PREFACE) {
        let stream = Prefixed::new(start, stream);
        return super::proxy_h2::connection(stream, peer, proxy).await;
    }
    http.handle_input(now(), &start);
    let mut fetcher = proxy.fetcher();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::new();
    let mut pending: Option<(RequestHead<'static>, Vec<u8>)> = None;
    loop {
        while let Some(event) = http.poll_event() {
            match event {
                ServerEvent::Request(req) => {
                    if req.head.method == "CONNECT" {
                        let _ = flush(&mut http, &mut stream, &mut out).await;
                        tunnel(stream, peer, &req.head, &proxy).await;
                        return;
                    }
                    http.want_body();
                    pending = Some((req.head, Vec::new()));
                }
                ServerEvent::Body(d) => {
                    if let Some((_, body)) = &mut pending {
                        body.extend_from_slice(&d);
                    }
                }
                ServerEvent::BodyEnd(_) => {
                    if let Some((head, body)) = pending.take() {
                        let protocol = head.version.via_protocol();
                        let (mut response, body) =
                            answer(&proxy, peer, &mut fetcher, head, protocol, body).await;
                        response
                            .headers
                            .append("Via", proxy.via(UPSTREAM).into_bytes());
                        let t = now();
                        if let Ok(true) = http.send_response(t, response, Some(body.len() as u64))
                            && send_direct(&mut http, &mut stream, &mut out, t, &body)
                                .await
                                .is_err()
                        {
                            return;
                        }
                    }
                }
                ServerEvent::BodyAborted => pending = None,
            }
        }
        if flush(&mut http, &mut stream, &mut out).await.is_err() {
            return;
        }
        if http.is_closing() {
            let _ = stream.shutdown().await;
            return;
        }
        let deadline = http
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        if !http.wants_input() && deadline.is_none() {
            return;
        }
        tokio::select! {
            r = stream.read(&mut buf), if http.wants_input() => match r {
                Ok(0) | Err(_) => http.handle_eof(now()),
                Ok(n) => http.handle_input(now(), &buf[..n]),
            },
            _ = sleep_until(deadline) => http.handle_timeout(now()),
        }
    }
}

/// Writes what the connection has to send, through one buffer per
/// connection (its allocation is kept between responses).
async fn flush<S: AsyncWrite + Unpin>(
    http: &mut ServerConnection,
    stream: &mut S,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    while http.transmit_into(out) {
        tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(out))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    }
    if out.capacity() > KEEP_BUFFER {
        *out = Vec::new();
    }
    Ok(())
}

/// Sends a body held in memory after the pending output (the head) in
/// vectored writes, without copying it into the output buffer.
async fn send_direct<S: AsyncWrite + Unpin>(
    http: &mut ServerConnection,
    stream: &mut S,
    out: &mut Vec<u8>,
    now: Instant,
    body: &Bytes,
) -> std::io::Result<()> {
    http.transmit_into(out);
    if http.send_body_direct(now, body.len() as u64).is_err() {
        // Framed by the connection (chunked): the copying way.
        let _ = http.send_body(now, body);
        return write_all_vectored(stream, &[out]).await;
    }
    write_all_vectored(stream, &[out, body]).await
}

/// Writes every part in order, as few system calls as the stream allows.
async fn write_all_vectored<S: AsyncWrite + Unpin>(
    stream: &mut S,
    parts: &[&[u8]],
) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| IoSlice::new(p))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        let n = tokio::time::timeout(WRITE_TIMEOUT, stream.write_vectored(rest))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut rest, n);
    }
    Ok(())
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The response to one request (not CONNECT) that arrived over
/// `protocol` (for the Via of the request sent on); the caller adds our
/// Via ([`Proxy::via`]) to every answer.
pub(super) async fn answer(
    proxy: &Proxy,
    peer: SocketAddr,
    fetcher: &mut Fetcher,
    head: RequestHead<'static>,
    protocol: &str,
    body: Vec<u8>,
) -> (ResponseHead<'static>, Bytes) {
    let cfg = &proxy.config;
    if !Prefix::any_contains(&cfg.allow, peer.ip()) {
        return text(403, "this proxy does not serve your address\n");
    }
    if proxy.came_back(&head.headers) {
        return loop_detected();
    }
    let url = match &cfg.origin {
        Some(origin) if head.target.starts_with('/') => origin.join(&head.target),
        _ if head.target.starts_with('/') => {
            return if head.target == STATUS_PATH {
                status_page(proxy)
            } else {
                text(
                    400,
                    "send absolute-form requests (configure me as your HTTP proxy)\n",
                )
            };
        }
        _ => Url::parse(&head.target),
    };
    let url = match url {
        Ok(u) if cfg.origin.is_none() && proxy.is_self(&u) => return loop_detected(),
        Ok(u) if !u.tls => u,
        Ok(_) => return text(400, "https:// goes through a CONNECT tunnel\n"),
        Err(e) => return text(400, &format!("{e}\n")),
    };
    if head.method == "PURGE" {
        if !Prefix::any_contains(&cfg.purge_from, peer.ip()) {
            return text(403, "PURGE is not allowed from your address\n");
        }
        return if proxy.cache.store().remove(&cached::key(&url)) {
            text(200, "purged\n")
        } else {
            text(404, "not in the cache\n")
        };
    }
    let mut headers = head.headers.clone();
    remove_hop_by_hop(&mut headers);
    headers.remove("host");
    headers.remove("proxy-authorization");
    // Unkeyed fields that origins use to build links or pick a host: a
    // client could otherwise poison the entry every other client gets.
    for name in UNKEYED {
        headers.remove(name);
    }
    headers.append("Via", proxy.via(protocol).into_bytes());
    let request = Request {
        method: head.method.to_string(),
        url,
        version: Version::Http11,
        headers,
        body,
        defaults: false,
    };
    let mut collect = Collect::default();
    let result = cached::fetch(&proxy.cache, fetcher, request, &mut collect).await;
    match result {
        Ok((fetched, outcome)) => {
            let counter = match outcome {
                Outcome::Hit => &proxy.hits,
                Outcome::Miss => &proxy.misses,
                Outcome::Revalidated => &proxy.revalidated,
                Outcome::Stale => &proxy.stale,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let mut response = fetched.response.head;
            let mut body = collect.into_bytes();
            // A stored answer meets the client's own conditions: 304.
            if outcome != Outcome::Miss
                && outcome != Outcome::Stale
                && response.status == 200
                && not_modified(&response, &head.headers)
            {
                response.status = 304;
                response.reason = "Not Modified".into();
                body = Bytes::new();
            } else if head.method == "GET"
                && let Some((partial, bytes)) = ranged(&response, &body, &head.headers)
            {
                // RFC 9110 §14: ranges of a complete response, stored or not.
                response = partial;
                body = bytes.into();
            }
            remove_hop_by_hop(&mut response.headers);
            response.headers.remove("content-length");
            response.headers.set("X-Cache", outcome.as_str().as_bytes());
            (response, body)
        }
        Err(GetError::Net(NetError::Timeout { .. })) => {
            text(504, "the origin did not answer in time\n")
        }
        Err(e) => text(502, &format!("cannot reach the origin: {e}\n")),
    }
}

impl Proxy {
    /// This proxy's Via field value for a message received over
    /// `protocol` (RFC 9110 §7.6.3: "1.0", "1.1", "2"; responses come from
    /// origins over [`UPSTREAM`]).
    pub(super) fn via(&self, protocol: &str) -> String {
        format!("{protocol} {}", self.pseudonym)
    }

    /// RFC 9110 §7.6.3: a request that already passed through this very
    /// proxy (our pseudonym in its Via) went round a loop.
    fn came_back(&self, request: &Headers<'_>) -> bool {
        request.list("via").any(|hop| {
            hop.split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .nth(1)
                == Some(self.pseudonym.as_bytes())
        })
    }

    /// A forward proxy's target that is the proxy's own listening address.
    fn is_self(&self, url: &Url) -> bool {
        url.host
            .parse::<IpAddr>()
            .is_ok_and(|ip| self.is_own(SocketAddr::new(ip, url.port)))
    }

    /// Whether `at` is the proxy's own listening address (an unspecified
    /// listening address stands for every local one).
    fn is_own(&self, at: SocketAddr) -> bool {
        let Some(own) = self.listen.get() else {
            return false;
        };
        let ip = at.ip();
        at.port() == own.port()
            && (ip == own.ip()
                || (own.ip().is_unspecified() && (ip.is_loopback() || ip.is_unspecified())))
    }
}

/// RFC 5842 §7.2: 508 Loop Detected, answered at once.
fn loop_detected() -> (ResponseHead<'static>, Bytes) {
    let (mut head, body) = text(
        508,
        "this request came back to the proxy that sent it (a proxy loop): \
         send it to another host or port\n",
    );
    head.reason = "Loop Detected".into();
    (head, body)
}

fn status_page(proxy: &Proxy) -> (ResponseHead<'static>, Bytes) {
    let bytes = proxy.cache.store().bytes();
    text(
        200,
        &format!(
            "hits {}\nmisses {}\nrevalidated {}\nstale {}\nstored_bytes {bytes}\n",
            proxy.hits.load(Ordering::Relaxed),
            proxy.misses.load(Ordering::Relaxed),
            proxy.revalidated.load(Ordering::Relaxed),
            proxy.stale.load(Ordering::Relaxed),
        ),
    )
}

pub(super) fn text(status: u16, body: &str) -> (ResponseHead<'static>, Bytes) {
    let mut head = ResponseHead::new(status);
    head.headers
        .append("Content-Type", &b"text/plain; charset=utf-8"[..]);
    head.headers.append("X-Cache", &b"MISS"[..]);
    (head, Bytes::copy_from_slice(body.as_bytes()))
}

/// RFC 9110 §9.3.6: CONNECT opens a byte tunnel to an allowed port.
async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
    mut client: S,
    peer: SocketAddr,
    head: &RequestHead<'_>,
    proxy: &Proxy,
) {
    let cfg = &proxy.config;
    let refuse = |status: u16, why: &str| {
        let mut out = Vec::new();
        let (mut h, body) = text(status, why);
        h.headers.append("Via", proxy.via(UPSTREAM).into_bytes());
        h.headers
            .append("Content-Length", body.len().to_string().into_bytes());
        h.headers.append("Connection", &b"close"[..]);
        h.emit(&mut out);
        out.extend_from_slice(&body);
        out
    };
    let target = head.target.to_string();
    let parsed = target.rsplit_once(':').and_then(|(h, p)| {
        Some((
            h.trim_start_matches('[').trim_end_matches(']').to_string(),
            p.parse::<u16>().ok()?,
        ))
    });
    let reply = if !Prefix::any_contains(&cfg.allow, peer.ip()) {
        Err(refuse(403, "this proxy does not serve your address\n"))
    } else {
        match parsed {
            None => Err(refuse(400, "CONNECT needs host:port\n")),
            Some((_, port)) if !cfg.connect_ports.contains(&port) => {
                Err(refuse(403, "tunnels only reach the allowed ports\n"))
            }
            Some((host, port)) => match (cfg.resolver)(host, port).await {
                Err(e) => Err(refuse(502, &format!("{e}\n"))),
                Ok(addr) if proxy.is_own(addr) => {
                    Err(refuse(508, "a tunnel to this proxy itself would loop\n"))
                }
                Ok(addr) => {
                    match tokio::time::timeout(cfg.fetch.connect_timeout, TcpStream::connect(addr))
                        .await
                    {
                        Ok(Ok(up)) => Ok(up),
                        _ => Err(refuse(502, &format!("cannot connect to {target}\n"))),
                    }
                }
            },
        }
    };
    match reply {
        Err(bytes) => {
            let _ = client.write_all(&bytes).await;
        }
        Ok(mut upstream) => {
            let via = proxy.via(UPSTREAM);
            let ok = format!("HTTP/1.1 200 Connection Established\r\nVia: {via}\r\n\r\n");
            if client.write_all(ok.as_bytes()).await.is_err() {
                return;
            }
            let _ = tokio::time::timeout(
                TUNNEL_MAX,
                tokio::io::copy_bidirectional(&mut client, &mut upstream),
            )
            .await;
        }
    }
}
