//! The SMTP receiving server: drives an l7-mail
//! [`ServerSession`](l7_mail::smtp::server::ServerSession) per connection on
//! one listener (MX, submission or implicit-TLS submission) and streams each
//! message into the durable queue, a `Received:` field first (RFC 5321
//! §4.4), with `Message-ID:` and `Date:` added at submission when missing
//! (RFC 6409 §8). The 250 goes out only after the message and its envelope
//! are fsynced and the queue directories synced (group commit, see
//! [`spool`](super::spool)), so an acknowledged message survives kill -9.
//! STARTTLS upgrades the connection in place; AUTH is checked against the
//! argon2 accounts off the async threads, and each failure is answered
//! only after a growing delay.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use l7_mail::message::{ReceivedInfo, complete_submission, received_field};
use l7_mail::queue::Incoming;
use l7_mail::smtp::address::{ForwardPath, Mailbox, ReversePath};
use l7_mail::smtp::server::{Envelope, RecipientPolicy, ServerEvent, ServerSession};
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::conn::Conn;
use super::service::{MailService, Role};
use crate::Shutdown;
use crate::tcp::{self, ConnLimits};

/// Largest header section buffered to add Message-ID/Date at submission;
/// a longer one is passed through as it is.
const MAX_SUBMISSION_HEADER: usize = 64 * 1024;

/// Serves SMTP in `role` on `listener` until shutdown.
pub async fn serve(
    listener: TcpListener,
    service: Arc<MailService>,
    role: Role,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let service = service.clone();
        async move { session(stream, peer, &service, role).await }
    })
    .await
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A message being received into the queue.
struct Receiving {
    incoming: Incoming,
    sender: ReversePath,
    recipients: Vec<Mailbox>,
    /// At submission: the header section so far, until its end is seen.
    header: Option<Vec<u8>>,
    unique: String,
    unix: i64,
}

async fn session(stream: TcpStream, peer: SocketAddr, service: &MailService, role: Role) {
    let mut conn = Conn::Plain(stream);
    if role == Role::Submissions {
        let Some(tls) = service.tls.clone() else {
            return;
        };
        match conn.accept_tls(tls).await {
            Some(c) => conn = c,
            None => return,
        }
    }
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let policy = service.policy();
    let mut s = ServerSession::new(service.session_config(role), policy, now());
    let mut buf = vec![0u8; 16 * 1024];
    let mut receiving: Option<Receiving> = None;
    let mut auth_failures = 0u32;
    loop {
        while let Some(event) = s.poll_event() {
            match event {
                ServerEvent::MessageBegin(envelope) => {
                    receiving = begin(service, peer, &envelope);
                }
                ServerEvent::MessageData(data) => {
                    if let Some(r) = &mut receiving
                        && write(r, &data, &service.hostname).is_err()
                    {
                        receiving = None;
                    }
                }
                ServerEvent::MessageEnd => match receiving.take() {
                    Some(r) => match store(service, r).await {
                        Ok(id) => s.message_stored(now(), &id),
                        Err(e) => {
                            tracing::error!("queueing a message from {peer}: {e}");
                            s.message_failed(now());
                        }
                    },
                    None => s.message_failed(now()),
                },
                ServerEvent::MessageAborted => receiving = None,
                ServerEvent::StartTls => {
                    if !flush(&mut s, &mut conn, service.trace).await {
                        return;
                    }
                    let Some(tls) = service.tls.clone() else {
                        return;
                    };
                    match std::mem::replace(&mut conn, Conn::Broken)
                        .accept_tls(tls)
                        .await
                    {
                        Some(c) => conn = c,
                        None => return,
                    }
                    s.tls_established(now());
                }
                ServerEvent::Authenticate { user, password, .. } => {
                    let accounts = service.accounts.clone();
                    let ok = tokio::task::spawn_blocking(move || accounts.verify(&user, &password))
                        .await
                        .unwrap_or(false);
                    if !ok {
                        // A growing pause makes guessing slow.
                        auth_failures += 1;
                        tokio::time::sleep(service.auth_delay * auth_failures).await;
                    }
                    s.auth_result(now(), ok);
                }
                ServerEvent::Closed(_) => {}
            }
        }
        if !flush(&mut s, &mut conn, service.trace).await {
            return;
        }
        if s.is_closed() {
            let _ = conn.shutdown().await;
            return;
        }
        let deadline = s
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        tokio::select! {
            r = conn.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => s.handle_input(now(), &buf[..n]),
            },
            _ = sleep_until(deadline) => s.handle_timeout(now()),
        }
    }
}

/// Prints the transcript and sends pending replies; false if the peer is gone.
async fn flush<P: RecipientPolicy>(s: &mut ServerSession<P>, conn: &mut Conn, trace: bool) -> bool {
    if trace {
        while let Some(line) = s.poll_trace() {
            println!("{line}");
        }
    }
    while let Some(bytes) = s.poll_transmit() {
        if conn.write_all(&bytes).await.is_err() {
            return false;
        }
    }
    true
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Opens the queue file and writes the `Received:` field; `None` if the
/// queue cannot take it (the client then gets 451).
fn begin(service: &MailService, peer: SocketAddr, envelope: &Envelope) -> Option<Receiving> {
    let mut incoming = match service.spool.queue.begin() {
        Ok(i) => i,
        Err(e) => {
            tracing::error!("cannot open a queue file: {e}");
            return None;
        }
    };
    let unix = unix_now();
    let unique = service.unique(unix);
    let only = match envelope.recipients.as_slice() {
        [ForwardPath::Mailbox(m)] => Some(m.to_string()),
        _ => None,
    };
    let received = received_field(&ReceivedInfo {
        helo: &envelope.helo,
        peer_ip: &peer.ip().to_string(),
        by: &service.hostname,
        esmtp: envelope.esmtp,
        tls: envelope.tls,
        authenticated: envelope.authenticated.is_some(),
        id: &unique,
        for_recipient: only.as_deref(),
        unix_time: unix,
    });
    incoming.write(received.as_bytes()).ok()?;
    Some(Receiving {
        incoming,
        sender: envelope.sender.clone(),
        recipients: envelope
            .recipients
            .iter()
            .filter_map(|r| service.queue_address(r))
            .collect(),
        header: envelope.authenticated.is_some().then(Vec::new),
        unique,
        unix,
    })
}

/// Appends body data; at submission, holds the header section back until
/// it is complete so missing Message-ID and Date can be added.
fn write(r: &mut Receiving, data: &[u8], hostname: &str) -> std::io::Result<()> {
    let Some(header) = &mut r.header else {
        return r.incoming.write(data);
    };
    header.extend_from_slice(data);
    let complete = header.windows(4).any(|w| w == b"\r\n\r\n");
    if complete || header.len() > MAX_SUBMISSION_HEADER {
        release_header(r, hostname)?;
    }
    Ok(())
}

fn release_header(r: &mut Receiving, hostname: &str) -> std::io::Result<()> {
    if let Some(header) = r.header.take() {
        let done = complete_submission(&header, r.unix, &r.unique, hostname);
        r.incoming.write(&done)?;
    }
    Ok(())
}

/// Stages and commits the message; its queue id once it is durable.
async fn store(service: &MailService, mut r: Receiving) -> std::io::Result<String> {
    release_header(&mut r, &service.hostname)?;
    let queue = service.spool.queue.clone();
    let id = tokio::task::spawn_blocking(move || {
        queue.stage(r.incoming, r.sender, r.recipients, r.unix)
    })
    .await
    .map_err(std::io::Error::other)??;
    service.spool.commit().await?;
    service.spool.announce(id.clone());
    Ok(id.to_string())
}
