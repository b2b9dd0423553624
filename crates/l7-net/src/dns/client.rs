//! The DNS client side of `l7 dns query`: one exchange with a server (UDP
//! with a random ID from a fresh socket, the reply accepted only if its ID
//! and question match; TCP when asked or when the reply is truncated), and
//! the iterative walk of `--trace`, asking each server with RD=0 and
//! following referrals from the root down, as a local DNS server does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use l7_dns::wire::{Edns, Message, Name, Question, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

use crate::NetError;

/// Most referrals and CNAMEs followed in one trace.
pub const MAX_TRACE_STEPS: usize = 24;

/// One answer from one server.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The server asked.
    pub server: SocketAddr,
    /// The reply.
    pub reply: Message,
    /// Its size on the wire.
    pub size: usize,
    /// Time from sending the query to the reply.
    pub elapsed: Duration,
    /// True if the reply came over TCP.
    pub tcp: bool,
}

/// Builds a query with a random ID, EDNS0 advertising 1232 bytes.
pub fn query(name: &Name, qtype: RecordType, recursion: bool) -> Message {
    let mut q = Message::query(
        rand::random(),
        Question::new(name.clone(), qtype),
        recursion,
    );
    q.edns = Some(Edns::default());
    q
}

/// Sends `q` to `server` and waits for the matching reply; over UDP unless
/// `tcp`, retrying over TCP when the UDP reply is truncated.
pub async fn exchange(
    server: SocketAddr,
    q: &Message,
    tcp: bool,
    timeout: Duration,
) -> Result<Exchange, NetError> {
    let start = Instant::now();
    if !tcp {
        let (reply, size) = udp(server, q, timeout).await?;
        if !reply.flags.truncated {
            return Ok(Exchange {
                server,
                reply,
                size,
                elapsed: start.elapsed(),
                tcp: false,
            });
        }
        tracing::info!("{server}: reply truncated, retrying over TCP");
    }
    let (reply, size) = over_tcp(server, q, timeout).await?;
    Ok(Exchange {
        server,
        reply,
        size,
        elapsed: start.elapsed(),
        tcp: true,
    })
}

fn matches(q: &Message, r: &Message) -> bool {
    r.id == q.id && r.flags.response && r.questions == q.questions
}

fn bad_reply(server: SocketAddr, what: impl std::fmt::Display) -> NetError {
    NetError::Io {
        what: format!("reading the reply from {server}"),
        source: std::io::Error::other(what.to_string()),
    }
}

async fn udp(
    server: SocketAddr,
    q: &Message,
    timeout: Duration,
) -> Result<(Message, usize), NetError> {
    let mut reply = None;
    // A reply whose ID or question differs is ignored (off-path spoofing).
    let bytes = udp_raw(
        None,
        server,
        &q.to_bytes(),
        timeout,
        |b| match Message::parse(b) {
            Ok((m, _)) if matches(q, &m) => {
                reply = Some(m);
                true
            }
            _ => false,
        },
    )
    .await?;
    let reply = reply.ok_or_else(|| bad_reply(server, "no reply matched"))?;
    Ok((reply, bytes.len()))
}

async fn over_tcp(
    server: SocketAddr,
    q: &Message,
    timeout: Duration,
) -> Result<(Message, usize), NetError> {
    let buf = tcp_raw(None, server, &q.to_bytes(), timeout).await?;
    let (reply, _) = Message::parse(&buf).map_err(|e| bad_reply(server, e))?;
    if !matches(q, &reply) {
        return Err(bad_reply(server, "the reply does not match the query"));
    }
    Ok((reply, buf.len()))
}

/// The local end of a query to `server`: `source` (a resolver's own
/// address) or the system's choice, and a random port.
fn local_end(source: Option<IpAddr>, server: SocketAddr) -> SocketAddr {
    let any = match server {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let ip = source.filter(|s| s.is_ipv4() == server.is_ipv4());
    SocketAddr::new(ip.unwrap_or(any), 0)
}

/// Sends `query` from a fresh socket (a random source port, on `source`
/// when given) connected to `server`, so only datagrams from that address
/// and port are read; returns the first one `accept` takes, or a timeout.
pub async fn udp_raw(
    source: Option<IpAddr>,
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
    mut accept: impl FnMut(&[u8]) -> bool,
) -> Result<Vec<u8>, NetError> {
    let sock = UdpSocket::bind(local_end(source, server))
        .await
        .map_err(|e| NetError::talking_to(server, true, e))?;
    sock.connect(server)
        .await
        .map_err(|e| NetError::talking_to(server, true, e))?;
    sock.send(query)
        .await
        .map_err(|e| NetError::talking_to(server, true, e))?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => {
                return Err(NetError::Timeout {
                    addr: server,
                    after: timeout,
                });
            }
            Ok(r) => r.map_err(|e| NetError::talking_to(server, true, e))?,
        };
        if accept(&buf[..n]) {
            buf.truncate(n);
            return Ok(buf);
        }
    }
}

/// Sends `query` over a new TCP connection (from `source` when given) with
/// the 2-byte length prefix (RFC 1035 §4.2.2) and reads one reply.
pub async fn tcp_raw(
    source: Option<IpAddr>,
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, NetError> {
    let io = async {
        let socket = match server {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.bind(local_end(source, server))?;
        let mut s = socket.connect(server).await?;
        let len = u16::try_from(query.len())
            .map_err(|_| std::io::Error::other("query over 65535 bytes"))?;
        s.write_u16(len).await?;
        s.write_all(query).await?;
        let len = usize::from(s.read_u16().await?);
        let mut buf = vec![0u8; len];
        s.read_exact(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    match tokio::time::timeout(timeout, io).await {
        Err(_) => Err(NetError::Timeout {
            addr: server,
            after: timeout,
        }),
        Ok(r) => r.map_err(|e| NetError::talking_to(server, false, e)),
    }
}

/// One step of an iterative walk.
#[derive(Debug, Clone)]
pub struct Step {
    /// What was asked.
    pub name: Name,
    /// Of which type.
    pub qtype: RecordType,
    /// The exchange.
    pub exchange: Exchange,
}

/// Resolves `name` iteratively from `root`, asking every server on `port`,
/// reporting each step. Returns the final reply.
pub async fn trace(
    name: &Name,
    qtype: RecordType,
    root: SocketAddr,
    timeout: Duration,
    report: &mut (dyn FnMut(&Step) + Send),
) -> Result<Message, NetError> {
    let mut target = name.clone();
    let mut server = root;
    for _ in 0..MAX_TRACE_STEPS {
        let ex = exchange(server, &query(&target, qtype, false), false, timeout).await?;
        let step = Step {
            name: target.clone(),
            qtype,
            exchange: ex,
        };
        report(&step);
        let reply = step.exchange.reply;
        if !reply.answers.is_empty() {
            // Follow a CNAME that does not already lead to the answer.
            let has_final = reply.answers.iter().any(|r| r.rtype() == qtype);
            let cname = reply.answers.iter().rev().find_map(|r| match &r.rdata {
                RData::Cname(c) => Some(c.clone()),
                _ => None,
            });
            match cname {
                Some(c) if !has_final && qtype != RecordType::CNAME => {
                    target = c;
                    server = root;
                    continue;
                }
                _ => return Ok(reply),
            }
        }
        let ns: Vec<Name> = reply
            .authority
            .iter()
            .filter_map(|r| match &r.rdata {
                RData::Ns(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        if ns.is_empty() || reply.flags.authoritative {
            return Ok(reply); // NXDOMAIN, NODATA, or a dead end
        }
        let glue = reply.additional.iter().find_map(|r| match &r.rdata {
            RData::A(a) if ns.contains(&r.name) => Some(IpAddr::V4(*a)),
            RData::Aaaa(a) if ns.contains(&r.name) => Some(IpAddr::V6(*a)),
            _ => None,
        });
        let next = match glue {
            Some(ip) => ip,
            // A glueless delegation: find the name server's address first.
            None => Box::pin(trace(&ns[0], RecordType::A, root, timeout, report))
                .await?
                .answers
                .iter()
                .find_map(|r| match r.rdata {
                    RData::A(a) => Some(IpAddr::V4(a)),
                    _ => None,
                })
                .ok_or_else(|| {
                    bad_reply(server, format!("no address for name server {}", ns[0]))
                })?,
        };
        server = SocketAddr::new(next, root.port());
    }
    Err(bad_reply(
        server,
        format!("more than {MAX_TRACE_STEPS} referrals"),
    ))
}
