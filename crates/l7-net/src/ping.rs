//! The UDP pinger lab: the server (UDPPingerServer.py: upper-cases each
//! datagram and drops a seeded fraction of them) and the client (`l7 ping`:
//! sends `Ping <seq> <time>` once per interval, waits up to a timeout for the
//! matching reply, and reports each RTT or a timeout).

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use l7_sockets::ping::{LossModel, Ping};
use l7_sockets::upper::uppercase;
use tokio::net::UdpSocket;

use crate::echo::UdpEchoClient;
use crate::tcp::recv_datagram;
use crate::{NetError, Shutdown};

/// Serves pings until shutdown, dropping datagrams as `loss` decides.
pub async fn serve(socket: UdpSocket, mut loss: LossModel, shutdown: Shutdown) {
    let mut buf = vec![0u8; 65_535];
    while let Some((n, from)) = recv_datagram(&socket, &mut buf, &shutdown).await {
        if loss.drop_next() {
            tracing::info!(
                "dropped datagram from ({}, {}) (simulated loss)",
                from.ip(),
                from.port()
            );
            continue;
        }
        tracing::info!("reply to ({}, {})", from.ip(), from.port());
        if let Err(e) = socket.send_to(&uppercase(&buf[..n]), from).await {
            tracing::debug!("udp reply to {from}: {e}");
        }
    }
}

/// What `l7 ping` asks for.
#[derive(Debug, Clone, Copy)]
pub struct PingPlan {
    /// Number of pings to send.
    pub count: u32,
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// Time between the starts of two pings.
    pub interval: Duration,
}

/// What happened to one ping.
#[derive(Debug, Clone, PartialEq)]
pub enum PingOutcome {
    /// The matching reply came back after `rtt`.
    Reply {
        /// Sequence number.
        seq: u32,
        /// Round-trip time.
        rtt: Duration,
        /// Bytes of the reply.
        bytes: usize,
    },
    /// No matching reply within the timeout.
    TimedOut {
        /// Sequence number.
        seq: u32,
    },
}

/// Sends `plan.count` pings to `addr`, reporting each outcome as it happens.
/// Stops early (with the error) if the port is unreachable.
pub async fn run(
    addr: SocketAddr,
    plan: PingPlan,
    shutdown: &Shutdown,
    mut report: impl FnMut(&PingOutcome),
) -> Result<Vec<PingOutcome>, NetError> {
    let mut client = UdpEchoClient::connect(addr, plan.timeout).await?;
    let mut outcomes = Vec::new();
    for seq in 1..=plan.count {
        let started = Instant::now();
        let sent_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let request = Ping { seq, sent_unix }.emit();
        let matches = |reply: &[u8]| Ping::parse(reply).is_some_and(|p| p.seq == seq);
        let outcome = match client.send_and_wait(&request, matches).await {
            Ok(reply) => PingOutcome::Reply {
                seq,
                rtt: started.elapsed(),
                bytes: reply.len(),
            },
            Err(NetError::Timeout { .. }) => PingOutcome::TimedOut { seq },
            Err(e) => return Err(e),
        };
        report(&outcome);
        outcomes.push(outcome);
        if seq == plan.count {
            break;
        }
        let next = started + plan.interval;
        tokio::select! {
            _ = tokio::time::sleep_until(next.into()) => {}
            _ = shutdown.wait() => break,
        }
    }
    Ok(outcomes)
}
