//! The tracker client's sockets: an HTTP announce (BEP 3: one GET, the
//! response read by l7-http's [`ResponseReader`], the body parsed by
//! l7-p2p) or a UDP announce (BEP 15: l7-p2p's [`UdpTrackerClient`] driven
//! over a connected UDP socket). Outgoing sockets bind to the peer's own
//! listening address when it has one, so the tracker (which trusts the
//! source address) hands out the address other peers can reach.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use l7_http::client::{ClientEvent, ResponseReader};
use l7_p2p::tracker::{
    AnnounceRequest, AnnounceResponse, UdpTrackerClient, UdpTrackerOutcome, announce_url,
};
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

/// Largest HTTP announce response read.
const MAX_RESPONSE: usize = 1 << 20;

/// One tracker: its announce URL and the address its host resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerTarget {
    /// `http://host:port/announce` or `udp://host:port[/announce]`.
    pub url: String,
    /// Where `host` resolved.
    pub addr: SocketAddr,
}

/// The `host:port` part of an announce URL and whether it is UDP.
pub fn url_host_port(url: &str) -> Option<(bool, &str)> {
    let (udp, rest) = if let Some(r) = url.strip_prefix("udp://") {
        (true, r)
    } else {
        (false, url.strip_prefix("http://")?)
    };
    let authority = rest.split(['/', '?']).next()?;
    Some((udp, authority))
}

/// Announces to `t`; `local` is the IP to send from (unspecified: any).
pub async fn announce(
    t: &TrackerTarget,
    req: &AnnounceRequest,
    local: IpAddr,
    timeout: Duration,
) -> Result<AnnounceResponse, String> {
    let (udp, authority) = url_host_port(&t.url)
        .ok_or_else(|| format!("{}: only http:// and udp:// trackers are supported", t.url))?;
    let work = async {
        if udp {
            announce_udp(t.addr, req, local).await
        } else {
            announce_http(t, authority, req, local).await
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r.map_err(|e| format!("{}: {e}", t.url)),
        Err(_) => Err(format!(
            "{}: no answer within {}s",
            t.url,
            timeout.as_secs()
        )),
    }
}

async fn announce_http(
    t: &TrackerTarget,
    authority: &str,
    req: &AnnounceRequest,
    local: IpAddr,
) -> Result<AnnounceResponse, String> {
    let url = announce_url(&t.url, req);
    let path = url
        .strip_prefix("http://")
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("/");
    let socket = if t.addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| e.to_string())?;
    if !local.is_unspecified() && local.is_ipv4() == t.addr.is_ipv4() {
        socket
            .bind(SocketAddr::new(local, 0))
            .map_err(|e| e.to_string())?;
    }
    let mut stream = socket.connect(t.addr).await.map_err(|e| e.to_string())?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: l7\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut reader = ResponseReader::new(now(), "GET", false, Duration::from_secs(30));
    let mut buf = vec![0u8; 16 * 1024];
    let mut body = Vec::new();
    let mut status = 0;
    let mut eof = false;
    loop {
        while let Some(ev) = reader.poll_event() {
            match ev {
                ClientEvent::Head(head, _) => status = head.status,
                ClientEvent::Body(b) => {
                    if body.len() + b.len() > MAX_RESPONSE {
                        return Err("response over 1 MiB".into());
                    }
                    body.extend_from_slice(&b);
                }
                ClientEvent::Interim(_) => {}
                ClientEvent::End { .. } => {
                    if status != 200 {
                        return Err(format!("HTTP status {status}"));
                    }
                    return AnnounceResponse::parse(&body).map_err(|e| e.to_string());
                }
            }
        }
        if eof {
            return Err("connection closed before the response ended".into());
        }
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        eof = n == 0;
        let r = if eof {
            reader.handle_eof()
        } else {
            reader.handle_input(now(), &buf[..n])
        };
        r.map_err(|e| e.to_string())?;
    }
}

async fn announce_udp(
    tracker: SocketAddr,
    req: &AnnounceRequest,
    local: IpAddr,
) -> Result<AnnounceResponse, String> {
    let bind_ip = match (local.is_unspecified(), tracker) {
        (false, _) if local.is_ipv4() == tracker.is_ipv4() => local,
        (_, SocketAddr::V4(_)) => IpAddr::from([0, 0, 0, 0]),
        (_, SocketAddr::V6(_)) => IpAddr::from([0u16; 8]),
    };
    let socket = UdpSocket::bind(SocketAddr::new(bind_ip, 0))
        .await
        .map_err(|e| e.to_string())?;
    socket.connect(tracker).await.map_err(|e| e.to_string())?;
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut client = UdpTrackerClient::new(tracker, rand::random());
    client.announce(now(), req.clone());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Some(out) = client.poll_transmit() {
            socket.send(&out).await.map_err(|e| e.to_string())?;
        }
        if let Some(outcome) = client.poll_outcome() {
            return match outcome {
                UdpTrackerOutcome::Announced(r) => Ok(r),
                UdpTrackerOutcome::Failed(e) => Err(e),
                UdpTrackerOutcome::Scraped(_) => Err("unexpected scrape reply".into()),
            };
        }
        let wait = client
            .poll_timeout()
            .map(|t| t.saturating_duration_since(now()))
            .unwrap_or(Duration::from_secs(1));
        match tokio::time::timeout(wait, socket.recv(&mut buf)).await {
            Ok(Ok(n)) => client.handle_datagram(now(), &buf[..n]),
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => client.handle_timeout(now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announce_urls_split_into_scheme_and_authority() {
        assert_eq!(
            url_host_port("http://tracker.bittorrent.test:6969/announce"),
            Some((false, "tracker.bittorrent.test:6969"))
        );
        assert_eq!(
            url_host_port("udp://127.0.0.1:6969"),
            Some((true, "127.0.0.1:6969"))
        );
        assert_eq!(url_host_port("https://x/announce"), None);
    }
}
