//! The authoritative server's sockets: one UDP loop, and TCP connections
//! carrying several length-prefixed queries each (RFC 1035 §4.2.2, RFC 7766
//! §6.2) with an idle timeout. Zone transfers (AXFR) go out over TCP only.
//! UDP queries are read and answered in batches (one recvmmsg, one
//! sendmmsg); UDP responses may pass a rate limiter (RRL) first.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use l7_dns::authority::{Authority, RateLimiter, Reply, Transport, Verdict};
use l7_dns::resolver::AnswerCache;
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use super::batch::{Inbox, Outbox};
use super::zones::SharedAuthority;
use crate::Shutdown;
use crate::tcp::{self, ConnLimits};

/// Largest DNS message (the TCP length prefix is 16 bits).
const MAX_MESSAGE: usize = 65_535;

/// Answers the UDP loop keeps in wire form.
const ANSWER_CACHE: usize = 50_000;

/// RFC 7766 §6.2.3: servers close idle connections; seconds, not minutes.
pub const TCP_IDLE: Duration = Duration::from_secs(10);

pub(crate) fn current(auth: &SharedAuthority) -> Arc<Authority> {
    match auth.read() {
        Ok(a) => a.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Answers queries arriving on `socket` until shutdown; returns how many
/// datagrams it answered.
pub async fn serve_udp(socket: UdpSocket, auth: SharedAuthority, shutdown: Shutdown) -> u64 {
    serve_udp_limited(socket, auth, None, shutdown).await
}

/// [`serve_udp`] with optional response rate limiting: each response
/// passes `rrl` first, which may drop it or cut it to a TC=1 stub.
pub async fn serve_udp_limited(
    socket: UdpSocket,
    auth: SharedAuthority,
    mut rrl: Option<RateLimiter>,
    shutdown: Shutdown,
) -> u64 {
    let epoch = std::time::Instant::now();
    let mut inbox = Inbox::new();
    let mut outbox = Outbox::new();
    let mut out = Vec::with_capacity(4096);
    let mut answered = 0u64;
    // Answers already made, as sent: a repeated question costs a lookup and
    // a copy. Cleared whenever the zones are reloaded; not used for routed
    // names, whose answer depends on who asks.
    let mut answers = AnswerCache::ageless(ANSWER_CACHE);
    let mut answers_for: Option<Arc<Authority>> = None;
    loop {
        tokio::select! {
            _ = shutdown.wait() => return answered,
            ready = socket.readable() => if let Err(e) = ready {
                tracing::debug!("dns udp socket: {e}");
                continue;
            },
        }
        // Answer what has arrived without a trip through the reactor per
        // datagram; a batch is bounded (batch::BATCH) so TCP and shutdown
        // get their turn.
        let authority = current(&auth);
        if !answers_for
            .as_ref()
            .is_some_and(|a| Arc::ptr_eq(a, &authority))
        {
            answers.clear();
            answers_for = Some(authority.clone());
        }
        let reuse = authority.routes().is_empty();
        let now = Instant::from_epoch(epoch.elapsed());
        // One recvmmsg reads what has arrived, one sendmmsg answers it.
        match inbox.recv(&socket) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => {
                tracing::debug!("dns udp recv: {e}");
                continue;
            }
        }
        for (query, from) in inbox.datagrams() {
            out.clear();
            if !(reuse && answers.answer(now, query, &mut out)) {
                if authority.respond(query, from.ip(), Transport::Udp, &mut out) != Reply::Message {
                    continue;
                }
                if reuse {
                    answers.insert(now, &out);
                }
            }
            if let Some(rrl) = rrl.as_mut()
                && rrl.check(now, from.ip(), &mut out) == Verdict::Drop
            {
                continue;
            }
            answered += 1;
            outbox.push(from, &out);
        }
        outbox.flush(&socket).await;
    }
}

/// Answers queries on TCP connections until shutdown.
pub async fn serve_tcp(
    listener: TcpListener,
    auth: SharedAuthority,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        connection(stream, peer, auth.clone(), limits.idle_timeout)
    })
    .await
}

async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    auth: SharedAuthority,
    idle: Duration,
) {
    let mut buf = vec![0u8; MAX_MESSAGE];
    let mut out = Vec::with_capacity(4096);
    loop {
        let Some(len) = read_framed(&mut stream, &mut buf, idle).await else {
            return; // closed, failed, or idle
        };
        let body = &buf[..len];
        out.clear();
        out.extend_from_slice(&[0, 0]);
        let reply = current(&auth).respond(body, peer.ip(), Transport::Tcp, &mut out);
        let sent = match reply {
            Reply::Nothing => Ok(()),
            Reply::Message => {
                let n = (out.len() - 2) as u16;
                out[..2].copy_from_slice(&n.to_be_bytes());
                stream.write_all(&out).await
            }
            Reply::Transfer(messages) => send_all(&mut stream, &messages).await,
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Reads one length-prefixed message (RFC 1035 §4.2.2) into `buf` (65535
/// bytes), each part within `idle`; `None` when the peer closed, failed or idled.
pub(crate) async fn read_framed(
    stream: &mut TcpStream,
    buf: &mut [u8],
    idle: Duration,
) -> Option<usize> {
    let len = usize::from(
        tokio::time::timeout(idle, stream.read_u16())
            .await
            .ok()?
            .ok()?,
    );
    let body = buf.get_mut(..len)?;
    tokio::time::timeout(idle, stream.read_exact(body))
        .await
        .ok()?
        .ok()?;
    Some(len)
}

async fn send_all(stream: &mut TcpStream, messages: &[Vec<u8>]) -> std::io::Result<()> {
    for m in messages {
        stream.write_u16(m.len() as u16).await?;
        stream.write_all(m).await?;
    }
    Ok(())
}

/// RFC 1996 §3.6: tells each secondary that every zone changed, retrying a
/// secondary that does not acknowledge (a NOTIFY response with the same ID).
pub async fn notify_secondaries(authority: &Authority, secondaries: &[SocketAddr]) {
    for zone in authority.zones().iter() {
        for &to in secondaries {
            let id: u16 = rand::random();
            let msg = l7_dns::authority::notify(id, zone);
            let acked = |b: &[u8]| b.len() >= 4 && b[..2] == id.to_be_bytes() && b[2] & 0x80 != 0;
            let mut done = false;
            for _ in 0..3 {
                if super::client::udp_raw(None, to, &msg, Duration::from_secs(2), acked)
                    .await
                    .is_ok()
                {
                    done = true;
                    break;
                }
            }
            if done {
                tracing::info!("NOTIFY {} acknowledged by {to}", zone.apex());
            } else {
                tracing::warn!("NOTIFY {}: {to} did not acknowledge", zone.apex());
            }
        }
    }
}
