//! The IMAP server (RFC 3501): drives an l7-mail
//! [`ImapSession`](l7_mail::imap::ImapSession) per connection over plain
//! TCP with STARTTLS (port 143) or implicit TLS (port 993). Passwords are
//! checked with argon2 off the async threads; while a client IDLEs, the
//! session's timer makes it look for new deliveries every half second.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use l7_mail::imap::{ImapConfig, ImapEvent, ImapSession};
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::access::{MailAccess, MailStream, sleep_until};
use crate::Shutdown;
use crate::tcp::{self, ConnLimits};

/// An IMAP server's settings.
pub struct ImapServer {
    /// The accounts and Maildirs served.
    pub access: Arc<MailAccess>,
    /// This server's host name (greeting).
    pub hostname: String,
}

impl ImapServer {
    fn config(&self) -> ImapConfig {
        let mut c = ImapConfig::new(self.hostname.clone());
        c.tls_available = self.access.tls.is_some();
        c.plaintext_auth = self.access.plaintext_auth;
        c.default_domain = self.access.default_domain.clone();
        c.trace = self.access.trace;
        c
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Serves IMAP on `listener` until shutdown; `implicit_tls` for port 993.
pub async fn serve(
    listener: TcpListener,
    server: Arc<ImapServer>,
    implicit_tls: bool,
    mut limits: ConnLimits,
    shutdown: Shutdown,
) {
    // RFC 3501 §5.4: the autologout timer is at least 30 minutes; the
    // session keeps it, so the accept loop's idle bound must not be shorter.
    limits.idle_timeout = limits
        .idle_timeout
        .max(std::time::Duration::from_secs(31 * 60));
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let server = server.clone();
        async move {
            let mut stream = MailStream::Plain(stream);
            if implicit_tls {
                let Some(acceptor) = &server.access.tls else {
                    return;
                };
                if !stream.upgrade(acceptor).await {
                    return;
                }
            }
            session(stream, peer, &server, implicit_tls).await;
        }
    })
    .await
}

async fn session(mut stream: MailStream, peer: SocketAddr, server: &ImapServer, tls: bool) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut s = ImapSession::new(server.config(), now(), tls);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if server.access.trace {
            while let Some(line) = s.poll_trace() {
                println!("{line}");
            }
        }
        while let Some(bytes) = s.poll_transmit() {
            if stream.write_all(&bytes).await.is_err() {
                return;
            }
        }
        if let Some(event) = s.poll_event() {
            match event {
                ImapEvent::StartTls => {
                    let Some(acceptor) = &server.access.tls else {
                        return;
                    };
                    if stream.flush().await.is_err() || !stream.upgrade(acceptor).await {
                        return;
                    }
                    s.tls_established(now());
                }
                ImapEvent::Authenticate { user, password } => {
                    match server.access.login(&user, &password).await {
                        Some((_, home)) => s.login_accepted(now(), home),
                        None => {
                            tracing::info!("IMAP login failed for {user:?} from {peer}");
                            s.login_refused(now());
                        }
                    }
                }
                ImapEvent::Closed => {}
            }
            continue;
        }
        if s.is_closed() {
            let _ = stream.shutdown().await;
            return;
        }
        let deadline = s
            .poll_timeout(now())
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    s.set_unix_time(unix_now());
                    s.handle_input(now(), &buf[..n]);
                }
            },
            _ = sleep_until(deadline) => {
                s.set_unix_time(unix_now());
                s.handle_timeout(now());
            }
        }
    }
}
