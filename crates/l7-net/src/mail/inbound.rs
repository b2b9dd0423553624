//! The SMTP receiving server: drives an l7-mail
//! [`ServerSession`](l7_mail::smtp::server::ServerSession) per connection and
//! delivers each message into its recipients' Maildirs while it streams in
//! (RFC 5321 §4.4: a `Received:` field first). The 250 goes out only after
//! the message file is fsynced and renamed into `new/` and the directory is
//! fsynced, so an acknowledged message survives kill -9. Two modes: an
//! inbound MX for local domains and users (RCPT to anyone else is refused:
//! no open relay), or a catch-all that keeps every message in one Maildir.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use l7_mail::message::{ReceivedInfo, received_field};
use l7_mail::smtp::address::ForwardPath;
use l7_mail::smtp::server::{
    CatchAll, Envelope, RecipientPolicy, ServerConfig, ServerEvent, ServerSession,
};
use l7_mail::store::{Delivery, Directory, Maildir, Resolution, UniqueName};
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::Shutdown;
use crate::tcp::{self, ConnLimits};

/// Where accepted messages go.
#[derive(Debug, Clone)]
pub enum Mailboxes {
    /// Every message into this one Maildir, whatever the recipients.
    CatchAll(PathBuf),
    /// Local users' Maildirs under `root` (one per user).
    Local {
        /// Local domains, users and aliases.
        directory: Arc<Directory>,
        /// Where the users' Maildirs live.
        root: PathBuf,
    },
}

/// One receiving server's settings.
pub struct Inbound {
    /// Session limits and capabilities.
    pub config: ServerConfig,
    /// Where messages go.
    pub mailboxes: Mailboxes,
    /// Print every session as `C:` / `S:` lines on stdout.
    pub trace: bool,
    seq: AtomicU64,
}

impl Inbound {
    /// A server with these settings.
    pub fn new(config: ServerConfig, mailboxes: Mailboxes, trace: bool) -> Inbound {
        Inbound {
            config,
            mailboxes,
            trace,
            seq: AtomicU64::new(0),
        }
    }

    fn unique(&self, unix: i64) -> UniqueName {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        UniqueName::new(unix, std::process::id(), seq, &self.config.hostname)
    }

    /// The Maildirs a message for `recipients` goes to (no duplicates).
    fn targets(&self, recipients: &[ForwardPath]) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        match &self.mailboxes {
            Mailboxes::CatchAll(dir) => out.push(dir.clone()),
            Mailboxes::Local { directory, root } => {
                for r in recipients {
                    let users = match r {
                        ForwardPath::Mailbox(m) => match directory.resolve(m) {
                            Resolution::Local(users) => users,
                            _ => continue,
                        },
                        ForwardPath::Postmaster => vec!["postmaster".to_string()],
                    };
                    for u in users {
                        let p = Directory::maildir_path(root, &u);
                        if !out.contains(&p) {
                            out.push(p);
                        }
                    }
                }
            }
        }
        out
    }
}

/// Serves SMTP on `listener` until shutdown.
pub async fn serve(
    listener: TcpListener,
    inbound: Arc<Inbound>,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let inbound = inbound.clone();
        async move {
            match &inbound.mailboxes {
                Mailboxes::CatchAll(_) => session(stream, peer, &inbound, CatchAll).await,
                Mailboxes::Local { directory, .. } => {
                    let policy = directory.clone();
                    session(stream, peer, &inbound, policy).await
                }
            }
        }
    })
    .await
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A message being received: written into the first target's `tmp/`.
struct Receiving {
    delivery: Delivery,
    name: UniqueName,
    targets: Vec<PathBuf>,
}

async fn session<P: RecipientPolicy>(
    mut stream: TcpStream,
    peer: SocketAddr,
    inbound: &Inbound,
    policy: P,
) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut config = inbound.config.clone();
    config.trace = inbound.trace;
    let mut s = ServerSession::new(config, policy, now());
    let mut buf = vec![0u8; 16 * 1024];
    let mut receiving: Option<Receiving> = None;
    loop {
        while let Some(event) = s.poll_event() {
            match event {
                ServerEvent::MessageBegin(envelope) => {
                    receiving = begin(inbound, peer, &envelope);
                    if receiving.is_none() {
                        s.message_failed(now());
                    }
                }
                ServerEvent::MessageData(data) => {
                    if let Some(r) = &mut receiving
                        && r.delivery.write(&data).is_err()
                    {
                        receiving = None;
                    }
                }
                ServerEvent::MessageEnd => match receiving.take() {
                    Some(r) => {
                        let id = r.name.file_name();
                        // fsync and rename off the async threads.
                        let stored = tokio::task::spawn_blocking(move || finish(r)).await;
                        match stored {
                            Ok(Ok(())) => s.message_stored(now(), &id),
                            Ok(Err(e)) => {
                                tracing::error!("storing a message from {peer}: {e}");
                                s.message_failed(now());
                            }
                            Err(_) => s.message_failed(now()),
                        }
                    }
                    None => s.message_failed(now()),
                },
                ServerEvent::MessageAborted => receiving = None,
                // STARTTLS and AUTH are not offered by this server's config.
                ServerEvent::StartTls
                | ServerEvent::Authenticate { .. }
                | ServerEvent::Closed(_) => {}
            }
        }
        if inbound.trace {
            while let Some(line) = s.poll_trace() {
                println!("{line}");
            }
        }
        while let Some(bytes) = s.poll_transmit() {
            if stream.write_all(&bytes).await.is_err() {
                return;
            }
        }
        if s.is_closed() {
            let _ = stream.shutdown().await;
            return;
        }
        let deadline = s
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => s.handle_input(now(), &buf[..n]),
            },
            _ = sleep_until(deadline) => s.handle_timeout(now()),
        }
    }
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Opens the message file in the first target Maildir and writes the
/// `Received:` field; `None` if there is nowhere to put it.
fn begin(inbound: &Inbound, peer: SocketAddr, envelope: &Envelope) -> Option<Receiving> {
    let targets = inbound.targets(&envelope.recipients);
    let first = Maildir::create(targets.first()?).ok()?;
    let unix = unix_now();
    let name = inbound.unique(unix);
    let mut delivery = first.begin(&name).ok()?;
    let id = name.file_name();
    let only = match envelope.recipients.as_slice() {
        [ForwardPath::Mailbox(m)] => Some(m.to_string()),
        _ => None,
    };
    let received = received_field(&ReceivedInfo {
        helo: &envelope.helo,
        peer_ip: &peer.ip().to_string(),
        by: &inbound.config.hostname,
        esmtp: envelope.esmtp,
        tls: envelope.tls,
        authenticated: envelope.authenticated.is_some(),
        id: &id,
        for_recipient: only.as_deref(),
        unix_time: unix,
    });
    delivery.write(received.as_bytes()).ok()?;
    Some(Receiving {
        delivery,
        name,
        targets,
    })
}

/// Commits the message (fsync, rename into new/, fsync the directory) and
/// copies it into every other target Maildir the same way.
fn finish(r: Receiving) -> std::io::Result<()> {
    let path = r.delivery.commit()?;
    if r.targets.len() > 1 {
        let bytes = std::fs::read(&path)?;
        for t in &r.targets[1..] {
            Maildir::create(t)?.deliver(&r.name, &bytes)?;
        }
    }
    Ok(())
}
