//! Application-level round-trip time against an echo server, measured three
//! ways so they can be compared (lab task 3): a UDP request/response, a TCP
//! connect (the three-way handshake alone), and a TCP request/response on an
//! already open connection.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::NetError;
use crate::echo::{TcpEchoClient, UdpEchoClient};

/// Samples of one kind of measurement.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// Round-trip times of the attempts that got an answer.
    pub rtts: Vec<Duration>,
    /// Attempts that got no answer in time.
    pub lost: usize,
}

/// `n` UDP request/responses of `Rtt <i>` datagrams.
pub async fn udp(addr: SocketAddr, n: usize, timeout: Duration) -> Result<Samples, NetError> {
    let mut client = UdpEchoClient::connect(addr, timeout).await?;
    let mut s = Samples::default();
    for i in 0..n {
        let want = format!("RTT {i}");
        let start = Instant::now();
        let req = format!("rtt {i}");
        match client
            .send_and_wait(req.as_bytes(), |r| r.eq_ignore_ascii_case(want.as_bytes()))
            .await
        {
            Ok(_) => s.rtts.push(start.elapsed()),
            Err(NetError::Timeout { .. }) => s.lost += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(s)
}

/// `n` TCP connects, each timed to completion of the handshake, then closed.
pub async fn tcp_connect(
    addr: SocketAddr,
    n: usize,
    timeout: Duration,
) -> Result<Samples, NetError> {
    let mut s = Samples::default();
    for _ in 0..n {
        let start = Instant::now();
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                s.rtts.push(start.elapsed());
                drop(stream);
            }
            Ok(Err(e)) => return Err(NetError::talking_to(addr, false, e)),
            Err(_) => s.lost += 1,
        }
    }
    Ok(s)
}

/// `n` TCP request/responses on one persistent connection.
pub async fn tcp_request(
    addr: SocketAddr,
    n: usize,
    timeout: Duration,
) -> Result<Samples, NetError> {
    let mut client = TcpEchoClient::connect(addr, timeout).await?;
    let mut s = Samples::default();
    for i in 0..n {
        let ex = client.request(format!("rtt {i}").as_bytes()).await?;
        s.rtts.push(ex.rtt);
    }
    Ok(s)
}
