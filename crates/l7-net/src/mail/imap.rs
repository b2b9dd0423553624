//! The IMAP server (RFC 3501): drives an l7-mail
//! [`ImapSession`](l7_mail::imap::ImapSession) per connection over plain
//! TCP with STARTTLS (port 143) or implicit TLS (port 993). Passwords are
//! checked with argon2 off the async threads; while a client IDLEs, the
//! session's timer makes it look for new deliveries every half second.

use std::net::SocketAddr;
use std::sync::Arc;

use l7_mail::imap::{ImapConfig, ImapEvent, ImapSession};
use l7_wire::Instant;
use tokio::net::TcpListener;

use super::access::{self, Login, MailAccess};
use crate::Shutdown;
use crate::tcp::ConnLimits;

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

access::access_session!(
    ImapSession,
    ImapEvent,
    timeout(s, now) => s.poll_timeout(now),
    unix(s, unix) => s.set_unix_time(unix)
);

/// Logins of one IMAP connection: a good password opens the user's Maildir.
struct ImapLogin<'a> {
    server: &'a ImapServer,
    peer: SocketAddr,
}

impl Login<ImapSession> for ImapLogin<'_> {
    async fn login(&mut self, s: &mut ImapSession, now: Instant, user: String, password: String) {
        match self.server.access.login(&user, &password).await {
            Some((_, home)) => s.login_accepted(now, home),
            None => {
                tracing::info!("IMAP login failed for {user:?} from {}", self.peer);
                s.login_refused(now);
            }
        }
    }
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
    let access = server.access.clone();
    access::serve(
        listener,
        access,
        implicit_tls,
        limits,
        shutdown,
        move |conn, peer| {
            let server = server.clone();
            async move {
                let config = server.config();
                let make = |now| ImapSession::new(config, now, implicit_tls);
                let mut login = ImapLogin {
                    server: &server,
                    peer,
                };
                access::drive(conn, &server.access, make, &mut login).await;
            }
        },
    )
    .await
}
