//! The HTTP/1.1 client driver: dials a server (directly, through an HTTP
//! proxy's CONNECT tunnel, with or without TLS), writes requests and feeds
//! the bytes that come back into l7-http's sans-IO [`ResponseReader`], with
//! a timeout on the connect, the handshake and every read. One
//! [`ClientConn`] carries many requests when the server keeps it open.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use l7_http::client::{ClientError, ClientEvent, ResponseReader};
use l7_http::wire::ResponseHead;
use l7_wire::Instant;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::NetError;

/// A byte stream a client talks over: TCP or TLS over TCP.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What failed while fetching, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    /// Connecting, reading or writing failed.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The server's bytes were not a valid HTTP response.
    #[error(
        "{peer}: {source} — the server does not speak HTTP/1.1 correctly (try --http1.0, or check the port)"
    )]
    Http {
        /// Who sent it.
        peer: SocketAddr,
        /// What was wrong.
        source: ClientError,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake with {name} failed: {reason} — for a private CA pass --cacert FILE")]
    Tls {
        /// The server name verified.
        name: String,
        /// Why.
        reason: String,
    },
    /// The proxy would not open a tunnel.
    #[error("the proxy refused to CONNECT to {target}: {status} {reason}")]
    Tunnel {
        /// The `host:port` asked for.
        target: String,
        /// The proxy's status code.
        status: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// An HTTP/2 failure.
    #[error("HTTP/2 with {peer}: {reason}")]
    H2 {
        /// Who.
        peer: SocketAddr,
        /// What.
        reason: String,
    },
}

/// How to reach a server.
#[derive(Clone)]
pub struct Dial {
    /// The address to connect to (the proxy's, with a tunnel).
    pub addr: SocketAddr,
    /// `host:port` to ask a proxy to CONNECT to, if tunnelling.
    pub tunnel: Option<String>,
    /// TLS configuration and the server name to verify, for https.
    pub tls: Option<(Arc<ClientConfig>, String)>,
    /// Bound on the TCP connect and on the TLS handshake each.
    pub connect_timeout: Duration,
    /// Bound on the silence between two reads.
    pub read_timeout: Duration,
}

/// A final response read from a connection.
#[derive(Debug, Clone)]
pub struct Response {
    /// Interim 1xx responses that came first.
    pub interim: Vec<ResponseHead<'static>>,
    /// The final response head.
    pub head: ResponseHead<'static>,
    /// True when it came over HTTP/2.
    pub http2: bool,
    /// The connection may carry another request.
    pub reusable: bool,
}

/// An open connection to a server.
pub struct ClientConn {
    stream: Box<dyn Stream>,
    leftover: Vec<u8>,
    /// Who we talk to (the proxy, when tunnelling).
    pub peer: SocketAddr,
    /// The ALPN protocol the TLS handshake chose, if any.
    pub alpn: Option<Vec<u8>>,
    read_timeout: Duration,
    epoch: std::time::Instant,
    reading: Option<ResponseReader>,
    buf: Box<[u8]>,
}

/// Opens a connection as `dial` says: TCP, then the CONNECT tunnel, then TLS.
pub async fn connect(dial: &Dial) -> Result<ClientConn, GetError> {
    let addr = dial.addr;
    let tcp = tokio::time::timeout(dial.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| NetError::Timeout {
            addr,
            after: dial.connect_timeout,
        })?
        .map_err(|e| NetError::talking_to(addr, false, e))?;
    let _ = tcp.set_nodelay(true);
    let mut conn = ClientConn {
        stream: Box::new(tcp),
        leftover: Vec::new(),
        peer: addr,
        alpn: None,
        read_timeout: dial.read_timeout,
        epoch: std::time::Instant::now(),
        reading: None,
        buf: vec![0u8; 64 * 1024].into_boxed_slice(),
    };
    if let Some(target) = &dial.tunnel {
        // RFC 9110 §9.3.6: CONNECT names the authority; 2xx opens the tunnel.
        let request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
        let r = conn
            .exchange(request.as_bytes(), "CONNECT", true, &mut |_| Ok(()))
            .await?;
        if !(200..300).contains(&r.head.status) {
            return Err(GetError::Tunnel {
                target: target.clone(),
                status: r.head.status,
                reason: r.head.reason.into_owned(),
            });
        }
    }
    if let Some((config, name)) = &dial.tls {
        let server_name = ServerName::try_from(name.clone()).map_err(|e| GetError::Tls {
            name: name.clone(),
            reason: e.to_string(),
        })?;
        let handshake = TlsConnector::from(config.clone()).connect(server_name, conn.stream);
        let tls = tokio::time::timeout(dial.connect_timeout, handshake)
            .await
            .map_err(|_| NetError::Timeout {
                addr,
                after: dial.connect_timeout,
            })?
            .map_err(|e| GetError::Tls {
                name: name.clone(),
                reason: e.to_string(),
            })?;
        conn.alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        conn.stream = Box::new(tls);
    }
    Ok(conn)
}

impl ClientConn {
    /// The stream itself, for a protocol that takes it over (HTTP/2).
    pub fn into_stream(self) -> Box<dyn Stream> {
        self.stream
    }

    /// Sends one request (head and body, already emitted) and reads its
    /// response to a `method` request, body included; each piece of body
    /// goes to `on_body` as it arrives. `keep_alive` is whether the request
    /// asked to keep the connection.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        method: &str,
        keep_alive: bool,
        on_body: &mut (dyn FnMut(&[u8]) -> io::Result<()> + Send),
    ) -> Result<Response, GetError> {
        let mut response = self.send(request, method, keep_alive).await?;
        response.reusable = self.read_body(on_body).await?;
        Ok(response)
    }

    /// Sends one request and reads the response up to the end of its head;
    /// [`Self::read_body`] reads the rest.
    pub async fn send(
        &mut self,
        request: &[u8],
        method: &str,
        keep_alive: bool,
    ) -> Result<Response, GetError> {
        let peer = self.peer;
        self.stream
            .write_all(request)
            .await
            .map_err(|e| NetError::talking_to(peer, false, e))?;
        let mut reader = ResponseReader::new(self.now(), method, keep_alive, self.read_timeout);
        if !self.leftover.is_empty() {
            let early = std::mem::take(&mut self.leftover);
            reader
                .handle_input(self.now(), &early)
                .map_err(|source| GetError::Http { peer, source })?;
        }
        self.reading = Some(reader);
        let mut interim = Vec::new();
        loop {
            match self.next_event().await? {
                ClientEvent::Interim(h) => interim.push(h),
                ClientEvent::Head(head, _) => {
                    return Ok(Response {
                        interim,
                        head,
                        http2: false,
                        reusable: false,
                    });
                }
                _ => {
                    return Err(GetError::Http {
                        peer,
                        source: ClientError::Closed,
                    });
                }
            }
        }
    }

    /// Reads the body of the response [`Self::send`] returned, giving each
    /// piece to `on_body`; returns whether the connection can be reused.
    pub async fn read_body(
        &mut self,
        on_body: &mut (dyn FnMut(&[u8]) -> io::Result<()> + Send),
    ) -> Result<bool, GetError> {
        loop {
            match self.next_event().await? {
                ClientEvent::Body(b) => on_body(&b).map_err(|e| NetError::Io {
                    what: "writing the body".to_string(),
                    source: e,
                })?,
                ClientEvent::End { reusable, .. } => {
                    if let Some(mut reader) = self.reading.take() {
                        self.leftover = reader.take_leftover();
                    }
                    return Ok(reusable);
                }
                _ => {}
            }
        }
    }

    fn now(&self) -> Instant {
        Instant::from_epoch(self.epoch.elapsed())
    }

    /// The next event of the response being read, reading the socket (with
    /// the read timeout) as needed.
    async fn next_event(&mut self) -> Result<ClientEvent, GetError> {
        let peer = self.peer;
        let http = |source| GetError::Http { peer, source };
        loop {
            let reader = self.reading.as_mut().ok_or(http(ClientError::Closed))?;
            if let Some(event) = reader.poll_event() {
                return Ok(event);
            }
            let read =
                tokio::time::timeout(self.read_timeout, self.stream.read(&mut self.buf)).await;
            let now = Instant::from_epoch(self.epoch.elapsed());
            match read {
                Err(_) => {
                    return Err(NetError::Timeout {
                        addr: peer,
                        after: self.read_timeout,
                    }
                    .into());
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    reader.handle_eof().map_err(http)?
                }
                Ok(Err(e)) => return Err(NetError::talking_to(peer, false, e).into()),
                Ok(Ok(0)) => reader.handle_eof().map_err(http)?,
                Ok(Ok(n)) => reader.handle_input(now, &self.buf[..n]).map_err(http)?,
            }
        }
    }
}
