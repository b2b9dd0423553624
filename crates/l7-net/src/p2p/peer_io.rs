//! One peer connection's sockets: a reader task that feeds received bytes
//! to the engine (after the download limit), and a writer task that sends
//! what the engine queued (after the upload limit, with a write timeout).
//! Dropping the [`PeerIo`] stops both and closes the connection.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use l7_p2p::swarm::PeerKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::limit::RateLimit;

/// Most time a write may block before the peer is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most time a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes read from a socket at once.
const READ_CHUNK: usize = 64 * 1024;

/// What a connection's tasks tell the engine.
#[derive(Debug)]
pub enum PeerInput {
    /// Bytes received.
    Bytes(PeerKey, Vec<u8>),
    /// The connection ended (EOF, error, write timeout).
    Closed(PeerKey, String),
}

/// The engine's handle on a connection.
#[derive(Debug)]
pub struct PeerIo {
    out: mpsc::UnboundedSender<Vec<u8>>,
    reader: JoinHandle<()>,
}

impl Drop for PeerIo {
    fn drop(&mut self) {
        // The writer ends once its queue is drained and the sender gone.
        self.reader.abort();
    }
}

/// The rate limits shared by a torrent's connections.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes per second sent.
    pub up: Arc<RateLimit>,
    /// Bytes per second received.
    pub down: Arc<RateLimit>,
}

impl PeerIo {
    /// Starts the tasks for `stream`, reporting through `to_engine` (wrapped by `wrap`).
    pub fn start<T: Send + 'static>(
        key: PeerKey,
        stream: TcpStream,
        limits: &Limits,
        to_engine: mpsc::Sender<T>,
        wrap: fn(PeerInput) -> T,
    ) -> PeerIo {
        let _ = stream.set_nodelay(true);
        let (mut rd, mut wr) = stream.into_split();
        let (out, mut queue) = mpsc::unbounded_channel::<Vec<u8>>();
        let down = limits.down.clone();
        let tx = to_engine.clone();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; READ_CHUNK];
            let reason = loop {
                match rd.read(&mut buf).await {
                    Ok(0) => break "closed by the peer".to_string(),
                    Ok(n) => {
                        down.take(n).await;
                        if tx
                            .send(wrap(PeerInput::Bytes(key, buf[..n].to_vec())))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    Err(e) => break e.to_string(),
                }
            };
            let _ = tx.send(wrap(PeerInput::Closed(key, reason))).await;
        });
        let up = limits.up.clone();
        tokio::spawn(async move {
            while let Some(bytes) = queue.recv().await {
                up.take(bytes.len()).await;
                let reason = match tokio::time::timeout(WRITE_TIMEOUT, wr.write_all(&bytes)).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => e.to_string(),
                    Err(_) => format!("not reading for {}s", WRITE_TIMEOUT.as_secs()),
                };
                let _ = to_engine.send(wrap(PeerInput::Closed(key, reason))).await;
                return;
            }
            let _ = wr.shutdown().await;
        });
        PeerIo { out, reader }
    }

    /// Queues bytes for the peer.
    pub fn send(&self, bytes: Vec<u8>) {
        let _ = self.out.send(bytes);
    }
}

/// Connects to `addr`, from `local` when it is a specific address.
pub async fn dial(addr: SocketAddr, local: IpAddr) -> std::io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if !local.is_unspecified() && local.is_ipv4() == addr.is_ipv4() {
        socket.bind(SocketAddr::new(local, 0))?;
    }
    tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))?
}
