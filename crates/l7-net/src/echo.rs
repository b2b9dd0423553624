//! The socket labs' servers and their client: the uppercase echo over TCP and
//! UDP (TCPServer.py / UDPServer.py done properly: many clients at once,
//! bounded memory, idle timeouts), the banner server ("Thank you for
//! connecting"), and `l7 echo send`'s request/reply exchange.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use l7_sockets::upper::{Uppercaser, uppercase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::tcp::{self, ConnLimits, read_idle};
use crate::{NetError, Shutdown};

/// Read buffer per TCP connection: the most an echo connection ever holds.
const READ_BUF: usize = 16 * 1024;
/// Largest UDP datagram accepted.
const MAX_DATAGRAM: usize = 65_535;

/// Serves the uppercase echo on TCP until shutdown.
pub async fn serve_tcp(listener: TcpListener, limits: ConnLimits, shutdown: Shutdown) {
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        echo_connection(stream, peer, limits.idle_timeout)
    })
    .await
}

async fn echo_connection(mut stream: TcpStream, peer: SocketAddr, idle: Duration) {
    let mut buf = vec![0u8; READ_BUF];
    let mut up = Uppercaser::new();
    let mut out = Vec::with_capacity(READ_BUF);
    loop {
        let n = read_idle(&mut stream, &mut buf, idle, peer).await;
        out.clear();
        if n == 0 {
            up.finish(&mut out);
            let _ = stream.write_all(&out).await;
            break;
        }
        up.push(&buf[..n], &mut out);
        if stream.write_all(&out).await.is_err() {
            break;
        }
    }
    tracing::debug!("({}, {}) done", peer.ip(), peer.port());
}

/// Serves the banner: sends `text` and a newline to each client, then closes.
pub async fn serve_banner(listener: TcpListener, text: String, shutdown: Shutdown) {
    let line = format!("{text}\n");
    tcp::serve(
        listener,
        ConnLimits::default(),
        shutdown,
        move |mut s, _| {
            let line = line.clone();
            async move {
                let _ = s.write_all(line.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        },
    )
    .await
}

/// Serves the uppercase echo on UDP until shutdown: one reply per datagram.
pub async fn serve_udp(socket: UdpSocket, shutdown: Shutdown) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    while let Some((n, from)) = tcp::recv_datagram(&socket, &mut buf, &shutdown).await {
        tracing::info!("datagram from ({}, {}): {n} bytes", from.ip(), from.port());
        if let Err(e) = socket.send_to(&uppercase(&buf[..n]), from).await {
            tracing::debug!("udp reply to {from}: {e}");
        }
    }
}

/// One request and its reply, with the wall-clock times the labs ask for.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The reply's bytes (without the line ending for TCP).
    pub reply: Vec<u8>,
    /// Wall-clock time the request left.
    pub sent_at: SystemTime,
    /// Wall-clock time the reply arrived.
    pub received_at: SystemTime,
    /// Round-trip time measured with a monotonic clock.
    pub rtt: Duration,
}

/// A client of a TCP echo-like server: one connection, one line per request.
pub struct TcpEchoClient {
    stream: TcpStream,
    addr: SocketAddr,
    timeout: Duration,
    pending: Vec<u8>,
}

impl TcpEchoClient {
    /// Connects, failing with a clear reason.
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Self, NetError> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Err(_) => {
                return Err(NetError::Timeout {
                    addr,
                    after: timeout,
                });
            }
            Ok(r) => r.map_err(|e| NetError::talking_to(addr, false, e))?,
        };
        let _ = stream.set_nodelay(true);
        Ok(TcpEchoClient {
            stream,
            addr,
            timeout,
            pending: Vec::new(),
        })
    }

    /// Sends `line` (a newline is added) and reads the reply up to a newline
    /// or the server's close, as the lab's TCPClient does.
    pub async fn request(&mut self, line: &[u8]) -> Result<Exchange, NetError> {
        let addr = self.addr;
        let mut msg = line.to_vec();
        msg.push(b'\n');
        let sent_at = SystemTime::now();
        let start = Instant::now();
        self.stream
            .write_all(&msg)
            .await
            .map_err(|e| NetError::talking_to(addr, false, e))?;
        let mut buf = [0u8; READ_BUF];
        loop {
            if let Some(nl) = self.pending.iter().position(|&b| b == b'\n') {
                let mut reply: Vec<u8> = self.pending.drain(..=nl).collect();
                reply.pop();
                if reply.last() == Some(&b'\r') {
                    reply.pop();
                }
                return Ok(finish(reply, sent_at, start));
            }
            let n = match tokio::time::timeout(self.timeout, self.stream.read(&mut buf)).await {
                Err(_) => {
                    return Err(NetError::Timeout {
                        addr,
                        after: self.timeout,
                    });
                }
                Ok(r) => r.map_err(|e| NetError::talking_to(addr, false, e))?,
            };
            if n == 0 {
                if self.pending.is_empty() {
                    return Err(NetError::Closed(addr));
                }
                return Ok(finish(std::mem::take(&mut self.pending), sent_at, start));
            }
            if self.pending.len() + n > 16 * 1024 * 1024 {
                return Err(NetError::Io {
                    what: format!("reading the reply from {addr}"),
                    source: std::io::Error::other("reply line longer than 16 MiB"),
                });
            }
            self.pending.extend_from_slice(&buf[..n]);
        }
    }
}

fn finish(reply: Vec<u8>, sent_at: SystemTime, start: Instant) -> Exchange {
    Exchange {
        reply,
        sent_at,
        received_at: SystemTime::now(),
        rtt: start.elapsed(),
    }
}

/// A client of a UDP echo-like server, on a connected socket so that an
/// ICMP port-unreachable is reported instead of waiting for the timeout.
pub struct UdpEchoClient {
    socket: UdpSocket,
    addr: SocketAddr,
    timeout: Duration,
}

impl UdpEchoClient {
    /// Opens a socket connected to `addr`.
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Self, NetError> {
        let local: SocketAddr = if addr.is_ipv4() {
            "0.0.0.0:0".parse().expect("literal")
        } else {
            "[::]:0".parse().expect("literal")
        };
        let socket = UdpSocket::bind(local)
            .await
            .map_err(|e| NetError::talking_to(addr, true, e))?;
        socket
            .connect(addr)
            .await
            .map_err(|e| NetError::talking_to(addr, true, e))?;
        Ok(UdpEchoClient {
            socket,
            addr,
            timeout,
        })
    }

    /// Sends one datagram and waits for one reply.
    pub async fn request(&mut self, payload: &[u8]) -> Result<Exchange, NetError> {
        let sent_at = SystemTime::now();
        let start = Instant::now();
        let reply = self.send_and_wait(payload, |_| true).await?;
        Ok(finish(reply, sent_at, start))
    }

    /// Sends `payload` and returns the first reply `accept` takes, or a timeout.
    pub async fn send_and_wait(
        &mut self,
        payload: &[u8],
        accept: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<u8>, NetError> {
        let addr = self.addr;
        self.socket
            .send(payload)
            .await
            .map_err(|e| NetError::talking_to(addr, true, e))?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            match tokio::time::timeout_at(deadline, self.socket.recv(&mut buf)).await {
                Err(_) => {
                    return Err(NetError::Timeout {
                        addr,
                        after: self.timeout,
                    });
                }
                Ok(Err(e)) => return Err(NetError::talking_to(addr, true, e)),
                Ok(Ok(n)) if accept(&buf[..n]) => return Ok(buf[..n].to_vec()),
                Ok(Ok(_)) => continue, // a late reply to an earlier request
            }
        }
    }
}
