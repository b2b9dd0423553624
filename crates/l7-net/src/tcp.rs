//! The socket loops every l7 server shares. TCP: bind with a clear error,
//! log each connection at DEBUG as the labs do ("connection from (ip, port)"), run
//! each connection in its own task so none waits for another, cap the number
//! of open connections, and on shutdown stop accepting and give open
//! connections a grace period. UDP: bind with a clear error, and receive
//! until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use crate::{NetError, Shutdown, shutdown::GRACE};
use nix::{libc, setsockopt_impl, sockopt_impl};

/// Limits applied to every connection of a TCP server.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Most connections open at once; further ones wait in the accept queue.
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_connections: 10_000,
            idle_timeout: Duration::from_secs(300),
        }
    }
}

/// Binds a TCP listener, explaining failures.
pub async fn bind_tcp(addr: SocketAddr) -> Result<TcpListener, NetError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| NetError::Bind { addr, source })
}

sockopt_impl!(
    /// TCP_DEFER_ACCEPT (tcp(7)), an int of seconds, which neither socket2
    /// nor nix names: nix's helper defines it for its safe `setsockopt`.
    DeferAccept,
    SetOnly,
    libc::IPPROTO_TCP,
    libc::TCP_DEFER_ACCEPT,
    libc::c_int
);

/// How long a connection that has sent nothing waits before it is
/// accepted anyway under [`defer_accept`] (nginx's `deferred` waits one
/// second too).
pub const DEFER_ACCEPT_WAIT: Duration = Duration::from_secs(1);

/// Has the kernel hand `listener` a connection only once its client has
/// sent something (nginx's `listen ... deferred`), for protocols where the
/// client speaks first (HTTP, TLS): accepting and reading the request then
/// take one wake-up instead of two. A client silent for
/// [`DEFER_ACCEPT_WAIT`] is accepted anyway (on its next ACK), so read
/// timeouts still apply to it. Never for protocols where the server
/// speaks first (SMTP, POP3, IMAP): their clients wait for a greeting.
pub fn defer_accept(listener: &TcpListener) {
    let secs = libc::c_int::try_from(DEFER_ACCEPT_WAIT.as_secs()).unwrap_or(1);
    if let Err(e) = nix::sys::socket::setsockopt(listener, DeferAccept, &secs) {
        let at = listener.local_addr();
        tracing::debug!("TCP_DEFER_ACCEPT not set on {at:?}: {e}");
    }
}

/// Binds a UDP socket, explaining failures.
pub async fn bind_udp(addr: SocketAddr) -> Result<UdpSocket, NetError> {
    UdpSocket::bind(addr)
        .await
        .map_err(|source| NetError::Bind { addr, source })
}

/// The next datagram on `socket`, or `None` once shutdown begins. Receive
/// errors (an ICMP error reported on the socket, say) are logged and skipped.
pub async fn recv_datagram(
    socket: &UdpSocket,
    buf: &mut [u8],
    shutdown: &Shutdown,
) -> Option<(usize, SocketAddr)> {
    loop {
        tokio::select! {
            _ = shutdown.wait() => return None,
            r = socket.recv_from(buf) => match r {
                Ok(x) => return Some(x),
                Err(e) => tracing::debug!("udp recv on {:?}: {e}", socket.local_addr().ok()),
            },
        }
    }
}

/// When an accepted socket turns Nagle's algorithm off (TCP_NODELAY, so a
/// small write leaves at once instead of after the previous segment's
/// ACK: RFC 9293 §3.7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoDelay {
    /// Right after accept: the usual choice for request/response servers.
    OnAccept,
    /// When the handler decides (an HTTP connection that closes after its
    /// only response holds it for the FIN and never needs the system call).
    ByHandler,
}

/// Accepts connections until shutdown, running `handle` for each in its
/// own task, with TCP_NODELAY set on accept.
pub async fn serve<F, Fut>(listener: TcpListener, limits: ConnLimits, shutdown: Shutdown, handle: F)
where
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    serve_with(listener, limits, NoDelay::OnAccept, shutdown, handle).await
}

/// [`serve`], with the choice of when TCP_NODELAY is set.
pub async fn serve_with<F, Fut>(
    listener: TcpListener,
    limits: ConnLimits,
    nodelay: NoDelay,
    shutdown: Shutdown,
    handle: F,
) where
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let tracker = TaskTracker::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let local = listener.local_addr().ok();
    loop {
        let permit = tokio::select! {
            _ = shutdown.wait() => break,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            _ = shutdown.wait() => break,
            r = listener.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and similar: wait, do not spin.
                    tracing::warn!("accept on {local:?} failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // DEBUG, not INFO: a busy server accepts thousands a second.
        tracing::debug!("connection from ({}, {})", peer.ip(), peer.port());
        if nodelay == NoDelay::OnAccept {
            let _ = stream.set_nodelay(true);
        }
        let fut = handle(stream, peer);
        tracker.spawn(async move {
            fut.await;
            drop(permit);
        });
    }
    drop(listener);
    tracker.close();
    if tokio::time::timeout(GRACE, tracker.wait()).await.is_err() {
        tracing::info!(
            "closing {} connections still open after the grace period",
            tracker.len()
        );
    }
}

/// Reads into `buf` with the idle timeout; `Ok(0)` at end of stream or on timeout.
pub async fn read_idle<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut [u8],
    idle: Duration,
    peer: SocketAddr,
) -> usize {
    match tokio::time::timeout(idle, r.read(buf)).await {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            tracing::debug!("read from {peer} failed: {e}");
            0
        }
        Err(_) => {
            tracing::info!(
                "closing ({}, {}): idle for {:?}",
                peer.ip(),
                peer.port(),
                idle
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Under `defer_accept` a connection reaches `accept` once its client
    /// has sent something, and a silent one still arrives after the wait.
    #[tokio::test]
    async fn deferred_accept_waits_for_the_first_bytes() {
        let listener = bind_tcp("127.0.0.1:0".parse().unwrap()).await.unwrap();
        defer_accept(&listener);
        let at = listener.local_addr().unwrap();
        let mut talker = TcpStream::connect(at).await.unwrap();
        let silent = TcpStream::connect(at).await.unwrap();
        // Both handshakes are complete, yet neither is offered yet.
        let early = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
        assert!(early.is_err(), "accepted before the client sent anything");
        talker.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let (_, from) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
            .await
            .expect("the client that spoke is accepted")
            .unwrap();
        assert_eq!(from, talker.local_addr().unwrap());
        // The silent one comes once the wait (and a SYN-ACK retransmission) is over.
        let (_, from) = tokio::time::timeout(Duration::from_secs(30), listener.accept())
            .await
            .expect("a silent client is accepted after the wait")
            .unwrap();
        assert_eq!(from, silent.local_addr().unwrap());
    }
}
