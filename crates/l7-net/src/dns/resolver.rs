//! The local DNS server's driver: one task owns the sans-IO
//! [`Resolver`](l7_dns::resolver::Resolver) (cache included); clients' queries
//! reach it over UDP or TCP; every upstream query goes out from a fresh
//! socket (a random source port, RFC 5452 §9.2) connected to the server, so
//! only replies from that address and port are read, and the engine checks
//! the ID and the question. Clients outside the allowed networks get
//! REFUSED: this is no open resolver.
//!
//! The UDP loop is one task that owns its socket and an
//! [`AnswerCache`] of finished answers: a repeated question is answered
//! there from the wire bytes, and only misses travel to the resolver task,
//! whose answers come back to the loop to be sent and kept. It reads and
//! sends datagrams in batches, a system call for many.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use l7_dns::resolver::{AnswerCache, EDNS_UDP_LIMIT, Resolved, Resolver, Transmit};
use l7_dns::wire::{CLASSIC_UDP_LIMIT, Edns, Message, Opcode, Rcode};
use l7_wire::Instant;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};

use super::batch::{BATCH, Inbox, Outbox};
use super::client::{tcp_raw, udp_raw};
use super::server::read_framed;
use crate::Shutdown;
use crate::prefix::Prefix;
use crate::tcp::{self, ConnLimits};

/// The Internet's root hints, used when no other root is named.
pub const INTERNET_ROOT_HINTS: &str = include_str!("named.root");

/// Longest an upstream socket waits; the engine's own timers decide retries.
const UPSTREAM_WAIT: Duration = Duration::from_secs(5);
/// Client questions being resolved at once; more wait in the queue.
const QUEUE: usize = 4096;
/// Answers each UDP loop keeps in wire form.
const ANSWER_CACHE: usize = 100_000;

/// How a client's query arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Udp,
    Tcp,
}

struct Request {
    query: Vec<u8>,
    client: SocketAddr,
    via: Via,
    reply: Reply,
}

/// Where an answer goes: back to the one TCP connection that asked, or to
/// the UDP loop, which sends it to `client` and keeps it.
enum Reply {
    Once(oneshot::Sender<Vec<u8>>),
    Udp(mpsc::Sender<(SocketAddr, Vec<u8>)>),
}

impl Reply {
    fn send(self, client: SocketAddr, answer: Vec<u8>) {
        match self {
            Reply::Once(tx) => {
                let _ = tx.send(answer);
            }
            // A full queue drops the answer, as a busy network would; the
            // client asks again.
            Reply::Udp(tx) => {
                let _ = tx.try_send((client, answer));
            }
        }
    }
}

/// What the driver remembers of a client while its question resolves.
struct Waiting {
    query: Message,
    client: SocketAddr,
    via: Via,
    reply: Reply,
}

/// A handle to the running resolver task; cheap to clone.
#[derive(Clone)]
pub struct ResolverHandle {
    tx: mpsc::Sender<Request>,
    allowed: Arc<[Prefix]>,
}

/// Starts the resolver task; `allowed` are the client networks served;
/// upstream queries leave from `source` when given (see [`upstream_source`]).
pub fn spawn(engine: Resolver, allowed: Vec<Prefix>, source: Option<IpAddr>) -> ResolverHandle {
    let (tx, rx) = mpsc::channel(QUEUE);
    let allowed: Arc<[Prefix]> = allowed.into();
    tokio::spawn(run(engine, rx, allowed.clone(), source));
    ResolverHandle { tx, allowed }
}

/// Where upstream queries of a resolver listening on `listen` come from: a
/// loopback listener (a world host such as dns.nyu.edu) asks from its own
/// address, so authoritative servers see who asks (a CDN's DNS routes on
/// it); otherwise the system picks.
pub fn upstream_source(listen: IpAddr) -> Option<IpAddr> {
    (listen.is_loopback() && !listen.is_unspecified()).then_some(listen)
}

impl ResolverHandle {
    async fn ask(&self, query: Vec<u8>, client: SocketAddr, via: Via) -> Option<Vec<u8>> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Request {
                query,
                client,
                via,
                reply: Reply::Once(reply),
            })
            .await
            .ok()?;
        answer.await.ok()
    }
}

async fn run(
    mut engine: Resolver,
    mut clients: mpsc::Receiver<Request>,
    allowed: Arc<[Prefix]>,
    source: Option<IpAddr>,
) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let (up_tx, mut upstream) = mpsc::channel::<(SocketAddr, Vec<u8>)>(QUEUE);
    let mut waiting: HashMap<u64, Waiting> = HashMap::new();
    let mut next_token = 0u64;
    loop {
        while let Some(t) = engine.poll_transmit() {
            tokio::spawn(send_upstream(t, source, up_tx.clone()));
        }
        while let Some(Resolved { token, response }) = engine.poll_event() {
            if let Some(w) = waiting.remove(&token) {
                let bytes = answer(&w.query, response, w.via);
                w.reply.send(w.client, bytes);
            }
        }
        let timer = engine
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        tokio::select! {
            req = clients.recv() => {
                let Some(req) = req else { return };
                let Some(w) = admit(req, &allowed) else { continue };
                next_token += 1;
                engine.start(now(), w.query.questions[0].clone(), next_token);
                waiting.insert(next_token, w);
            }
            Some((from, bytes)) = upstream.recv() => engine.handle_response(now(), from, &bytes),
            _ = sleep_until(timer) => engine.handle_timeout(now()),
        }
    }
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Takes a client's request: a question to resolve comes back as
/// [`Waiting`]; anything else (garbage, a client outside the allowed
/// networks, another opcode) is answered here and yields `None`.
fn admit(req: Request, allowed: &[Prefix]) -> Option<Waiting> {
    let Ok((query, _)) = Message::parse(&req.query) else {
        // RFC 1035 §4.1.1: FORMERR, if there is a query header to answer.
        if req.query.len() >= 12 && req.query[2] & 0x80 == 0 {
            let mut m = Message {
                id: u16::from_be_bytes([req.query[0], req.query[1]]),
                rcode: Rcode::FORMERR,
                ..Message::default()
            };
            m.flags.response = true;
            req.reply.send(req.client, m.to_bytes());
        }
        return None;
    };
    if query.flags.response {
        return None;
    }
    let refusal = if !Prefix::any_contains(allowed, req.client.ip()) {
        Some(Rcode::REFUSED)
    } else if query.opcode != Opcode::QUERY {
        Some(Rcode::NOTIMP)
    } else if query.questions.len() != 1 {
        Some(Rcode::FORMERR)
    } else {
        None
    };
    if let Some(rcode) = refusal {
        let m = Message {
            rcode,
            ..Message::default()
        };
        req.reply.send(req.client, answer(&query, m, req.via));
        return None;
    }
    Some(Waiting {
        query,
        client: req.client,
        via: req.via,
        reply: req.reply,
    })
}

/// The engine's response dressed for the client: its ID, question and
/// flags, RA set, EDNS echoed, truncated to what it can receive over UDP.
fn answer(query: &Message, mut response: Message, via: Via) -> Vec<u8> {
    response.id = query.id;
    response.questions = query.questions.clone();
    response.flags.response = true;
    response.flags.recursion_desired = query.flags.recursion_desired;
    response.flags.recursion_available = true;
    response.flags.checking_disabled = query.flags.checking_disabled;
    response.edns = query.edns.as_ref().map(|_| Edns::default());
    let limit = match via {
        Via::Tcp => usize::from(u16::MAX),
        Via::Udp => query.edns.as_ref().map_or(CLASSIC_UDP_LIMIT, |e| {
            usize::from(e.udp_size).clamp(CLASSIC_UDP_LIMIT, EDNS_UDP_LIMIT)
        }),
    };
    let mut out = Vec::new();
    response.emit_limited(&mut out, limit);
    out
}

async fn send_upstream(
    t: Transmit,
    source: Option<IpAddr>,
    done: mpsc::Sender<(SocketAddr, Vec<u8>)>,
) {
    let id = [t.query[0], t.query[1]];
    let reply = if t.over_tcp {
        tcp_raw(source, t.server, &t.query, UPSTREAM_WAIT).await
    } else {
        // The engine checks ID and question; matching the ID here lets a
        // spoofed datagram not end the wait for the real one.
        udp_raw(source, t.server, &t.query, UPSTREAM_WAIT, |b| {
            b.len() >= 2 && b[..2] == id
        })
        .await
    };
    match reply {
        Ok(bytes) => {
            let _ = done.send((t.server, bytes)).await;
        }
        Err(e) => tracing::debug!("upstream {}: {e}", t.server),
    }
}

/// Serves clients over UDP until shutdown: cache hits are answered here,
/// misses are queued for the resolver task (dropped when its queue is full).
/// Datagrams are read and answers sent in batches ([`super::batch`]): one
/// system call each way per [`BATCH`] queries.
pub async fn serve_udp(socket: UdpSocket, resolver: ResolverHandle, shutdown: Shutdown) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let (done_tx, mut done) = mpsc::channel::<(SocketAddr, Vec<u8>)>(QUEUE);
    let mut cache = AnswerCache::new(ANSWER_CACHE);
    let mut inbox = Inbox::new();
    let mut outbox = Outbox::new();
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            ready = socket.readable() => if let Err(e) = ready {
                tracing::debug!("udp socket: {e}");
                continue;
            },
            Some((to, bytes)) = done.recv() => {
                // Resolved questions: kept, and sent with any others done meanwhile.
                let t = now();
                let mut next = Some((to, bytes));
                while let Some((to, bytes)) = next {
                    cache.insert(t, &bytes);
                    outbox.push(to, &bytes);
                    next = (outbox.len() < BATCH).then(|| done.try_recv().ok()).flatten();
                }
                outbox.flush(&socket).await;
                continue;
            }
        }
        match inbox.recv(&socket) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => {
                tracing::debug!("udp recv: {e}");
                continue;
            }
        }
        let t = now();
        for (query, from) in inbox.datagrams() {
            if Prefix::any_contains(&resolver.allowed, from.ip())
                && outbox.push_with(from, |out| cache.answer(t, query, out))
            {
                continue;
            }
            let _ = resolver.tx.try_send(Request {
                query: query.to_vec(),
                client: from,
                via: Via::Udp,
                reply: Reply::Udp(done_tx.clone()),
            });
        }
        outbox.flush(&socket).await;
    }
}

/// Serves clients over TCP (RFC 7766) until shutdown.
pub async fn serve_tcp(
    listener: TcpListener,
    resolver: ResolverHandle,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        tcp_client(stream, peer, resolver.clone(), limits.idle_timeout)
    })
    .await
}

async fn tcp_client(
    mut stream: TcpStream,
    peer: SocketAddr,
    resolver: ResolverHandle,
    idle: Duration,
) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let Some(len) = read_framed(&mut stream, &mut buf, idle).await else {
            return;
        };
        let query = buf[..len].to_vec();
        let Some(reply) = resolver.ask(query, peer, Via::Tcp).await else {
            return;
        };
        let Ok(len) = u16::try_from(reply.len()) else {
            return;
        };
        if stream.write_u16(len).await.is_err() || stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}
