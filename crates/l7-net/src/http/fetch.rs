//! [`Fetcher`]: what `l7 get` does per URL — picks or opens a connection
//! (kept per origin when persistent; through a proxy in absolute-form, or a
//! CONNECT tunnel for https), speaks HTTP/1.1 or HTTP/2, sends and stores
//! cookies, and follows redirects. Whoever drives it watches each step
//! through an [`Observer`] (the `-v` transcript, the body's destination).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use l7_http::client::redirect::{MAX_REDIRECTS, next_request};
use l7_http::client::{ClientError, Request, Url};
use l7_http::cookie::{CookieJar, SetCookie};
use l7_http::wire::RequestHead;
use rustls::ClientConfig;

use super::client::{ClientConn, Dial, GetError, Response, connect};
use super::client_h2::H2Conn;
use crate::NetError;

/// Turns a host name and port into an address (the CLI resolves through
/// the running world first, then the system).
pub type Resolver = Arc<
    dyn Fn(String, u16) -> Pin<Box<dyn Future<Output = Result<SocketAddr, String>> + Send>>
        + Send
        + Sync,
>;

/// Watches a fetch: connections, messages and the body of the final response.
pub trait Observer: Send {
    /// A new connection was opened to `peer` for `url`.
    fn connected(&mut self, _peer: SocketAddr, _url: &Url, _protocol: &str) {}
    /// A request head is about to be sent.
    fn request(&mut self, _head: &RequestHead<'_>, _http2: bool) {}
    /// A response head arrived.
    fn response(&mut self, _response: &Response) {}
    /// A piece of the final response's body.
    fn body(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
    /// The whole body of a response answered from a cache, shared: an
    /// observer that keeps it may keep this handle instead of a copy.
    fn stored_body(&mut self, bytes: &Bytes) -> io::Result<()> {
        self.body(bytes)
    }
    /// A remark on what happened (e.g. served from a cache).
    fn note(&mut self, _text: &str) {}
}

/// How a [`Fetcher`] talks to servers.
#[derive(Clone)]
pub struct FetchConfig {
    /// An HTTP proxy to send every request through.
    pub proxy: Option<Url>,
    /// TLS trust and ALPN for https.
    pub tls: Arc<ClientConfig>,
    /// Speak HTTP/2: prior knowledge for http, ALPN for https.
    pub http2: bool,
    /// Keep connections open between requests (otherwise `Connection: close`).
    pub persistent: bool,
    /// Follow redirects.
    pub follow: bool,
    /// Bound on connecting and on the TLS handshake.
    pub connect_timeout: Duration,
    /// Bound on the silence between two reads.
    pub read_timeout: Duration,
}

enum Conn {
    H1(Box<ClientConn>),
    H2(H2Conn),
}

/// Fetches URLs, keeping connections and cookies between fetches.
pub struct Fetcher {
    config: FetchConfig,
    resolver: Resolver,
    conns: HashMap<String, Conn>,
    /// The cookie jar, when cookies are kept.
    pub jar: Option<CookieJar>,
    /// How many connections were opened so far.
    pub connections_opened: usize,
}

/// The outcome of one fetch.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The last request sent (after redirects).
    pub request: Request,
    /// Its response.
    pub response: Response,
    /// Body bytes received.
    pub body_bytes: u64,
}

impl Fetcher {
    /// A fetcher with no open connections.
    pub fn new(config: FetchConfig, resolver: Resolver, jar: Option<CookieJar>) -> Fetcher {
        Fetcher {
            config,
            resolver,
            conns: HashMap::new(),
            jar,
            connections_opened: 0,
        }
    }

    /// Sends `request`, following redirects when configured; the final
    /// response's body goes to `obs`, redirect bodies are discarded.
    pub async fn fetch(
        &mut self,
        mut request: Request,
        obs: &mut dyn Observer,
    ) -> Result<Fetched, GetError> {
        let mut hops = 0;
        loop {
            let sent = self.with_cookies(&request);
            let (response, body) = self.send(&sent, obs).await?;
            self.store_cookies(&request.url, &response);
            let location = response.head.headers.get_str("location");
            let next = (self.config.follow && hops < MAX_REDIRECTS)
                .then(|| next_request(&request, response.head.status, location))
                .flatten();
            let mut body_bytes = 0u64;
            match &next {
                Some(_) => self.read_body(&request.url, body, &mut |_| Ok(())).await?,
                None => {
                    let mut sink = |b: &[u8]| {
                        body_bytes += b.len() as u64;
                        obs.body(b)
                    };
                    self.read_body(&request.url, body, &mut sink).await?
                }
            };
            match next {
                Some(n) => {
                    request = n;
                    hops += 1;
                }
                None => {
                    return Ok(Fetched {
                        request: sent,
                        response,
                        body_bytes,
                    });
                }
            }
        }
    }

    /// The request with the jar's Cookie field, unless the user set one.
    fn with_cookies(&self, request: &Request) -> Request {
        let mut r = request.clone();
        if let Some(jar) = &self.jar
            && !r.headers.contains("cookie")
            && let Some(value) = jar.cookie_header(&r.url.host, r.url.path(), r.url.tls, unix_now())
        {
            r.headers.append("Cookie", value.into_bytes());
        }
        if !self.config.persistent && !r.headers.contains("connection") && !self.config.http2 {
            r.headers.append("Connection", &b"close"[..]);
        }
        r
    }

    fn store_cookies(&mut self, url: &Url, response: &Response) {
        let Some(jar) = &mut self.jar else { return };
        for value in response.head.headers.get_all("set-cookie") {
            if let Some(set) = std::str::from_utf8(value).ok().and_then(SetCookie::parse) {
                jar.store(&set, &url.host, url.path(), unix_now());
            }
        }
    }

    /// Connections are kept per origin, or per proxy for plain http.
    fn key(&self, url: &Url) -> String {
        match &self.config.proxy {
            Some(p) if !url.tls => format!("proxy {}", p.host_port()),
            _ => format!("{}://{}", url.scheme(), url.host_port()),
        }
    }

    /// Sends on the origin's kept connection, or a new one. When the
    /// connection fails before any response (a kept one the server closed
    /// while idle, or a server that hung up), an idempotent request is
    /// retried once on a new connection (RFC 9112 §9.3.1).
    async fn send(
        &mut self,
        request: &Request,
        obs: &mut dyn Observer,
    ) -> Result<(Response, Body), GetError> {
        let key = self.key(&request.url);
        let reused = self.conns.contains_key(&key);
        match self.try_send(&key, request, obs).await {
            Err(e) if (reused || hung_up(&e)) && idempotent(&request.method) => {
                obs.note(&format!("{e}: retrying once on a new connection"));
                self.try_send(&key, request, obs).await
            }
            other => other,
        }
    }

    async fn try_send(
        &mut self,
        key: &str,
        request: &Request,
        obs: &mut dyn Observer,
    ) -> Result<(Response, Body), GetError> {
        let mut conn = match self.conns.remove(key) {
            Some(c) => c,
            None => self.open(&request.url, obs).await?,
        };
        let via_proxy = self.config.proxy.is_some() && !request.url.tls;
        let result = match &mut conn {
            Conn::H1(c) => {
                let head = request.head(via_proxy);
                obs.request(&head, false);
                let mut bytes = Vec::new();
                request.emit(via_proxy, &mut bytes);
                c.send(&bytes, &request.method, request.keep_alive())
                    .await
                    .map(|r| (r, Body::H1))
            }
            Conn::H2(c) => {
                obs.request(&request.head(false), true);
                c.send(request).await.map(|(r, b)| (r, Body::H2(b)))
            }
        };
        let (response, body) = result?;
        self.conns.insert(key.to_string(), conn);
        obs.response(&response);
        Ok((response, body))
    }

    async fn read_body(
        &mut self,
        url: &Url,
        body: Body,
        on_body: &mut (dyn FnMut(&[u8]) -> io::Result<()> + Send),
    ) -> Result<bool, GetError> {
        let key = self.key(url);
        let result = match (self.conns.get_mut(&key), body) {
            (Some(Conn::H1(c)), Body::H1) => c.read_body(on_body).await,
            (Some(Conn::H2(c)), Body::H2(b)) => c.read_body(b, on_body).await.map(|()| true),
            _ => Ok(false),
        };
        if !matches!(result, Ok(true)) || !self.config.persistent {
            self.conns.remove(&key);
        }
        result
    }

    async fn open(&mut self, url: &Url, obs: &mut dyn Observer) -> Result<Conn, GetError> {
        let (host, port, tunnel) = match &self.config.proxy {
            Some(p) => (p.host.clone(), p.port, url.tls.then(|| url.host_port())),
            None => (url.host.clone(), url.port, None),
        };
        let addr = (self.resolver)(host.clone(), port)
            .await
            .map_err(|e| NetError::Io {
                what: format!("resolving {host}"),
                source: io::Error::other(e),
            })?;
        let dial = Dial {
            addr,
            tunnel,
            tls: url.tls.then(|| (self.config.tls.clone(), url.host.clone())),
            connect_timeout: self.config.connect_timeout,
            read_timeout: self.config.read_timeout,
        };
        let conn = connect(&dial).await?;
        self.connections_opened += 1;
        let h2 = match &conn.alpn {
            Some(p) => p == b"h2",
            None => self.config.http2 && !url.tls,
        };
        let protocol = if h2 { "HTTP/2" } else { "HTTP/1.1" };
        obs.connected(addr, url, protocol);
        Ok(if h2 {
            Conn::H2(H2Conn::handshake(conn).await?)
        } else {
            Conn::H1(Box::new(conn))
        })
    }
}

/// Where the body of a response still waits.
enum Body {
    H1,
    H2(super::client_h2::H2Body),
}

/// The server closed the connection without sending a response.
fn hung_up(e: &GetError) -> bool {
    matches!(
        e,
        GetError::Net(NetError::Closed(_))
            | GetError::Http {
                source: ClientError::Closed,
                ..
            }
    )
}

/// RFC 9110 §9.2.2: methods that may be sent twice with the effect of once.
fn idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE"
    )
}

/// Wall-clock Unix seconds (cookies and caches count in them).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
