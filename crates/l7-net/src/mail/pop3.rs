//! The POP3 server (RFC 1939): drives an l7-mail
//! [`Pop3Session`](l7_mail::pop3::Pop3Session) per connection over plain
//! TCP with STLS (port 110) or implicit TLS (port 995). Passwords are
//! checked with argon2 off the async threads; one session per maildrop at a
//! time (the lock lives as long as the session that took it), so two
//! clients never delete under each other.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use l7_mail::pop3::{LoginRefusal, Maildrop, Pop3Config, Pop3Event, Pop3Session};
use l7_wire::Instant;
use tokio::net::TcpListener;

use super::access::{self, Login, MailAccess};
use crate::Shutdown;
use crate::tcp::ConnLimits;

/// A POP3 server's settings and its maildrop locks.
pub struct Pop3Server {
    /// The accounts and Maildirs served.
    pub access: Arc<MailAccess>,
    /// This server's host name (greeting).
    pub hostname: String,
    locks: Arc<Mutex<HashSet<PathBuf>>>,
}

/// A held maildrop lock, released when dropped.
struct MaildropLock {
    path: PathBuf,
    locks: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        if let Ok(mut held) = self.locks.lock() {
            held.remove(&self.path);
        }
    }
}

impl Pop3Server {
    /// A server for `access`, naming itself `hostname`.
    pub fn new(access: Arc<MailAccess>, hostname: String) -> Self {
        Pop3Server {
            access,
            hostname,
            locks: Arc::default(),
        }
    }

    fn lock(&self, path: PathBuf) -> Option<MaildropLock> {
        let mut held = self.locks.lock().ok()?;
        held.insert(path.clone()).then(|| MaildropLock {
            path,
            locks: self.locks.clone(),
        })
    }

    fn config(&self) -> Pop3Config {
        let mut c = Pop3Config::new(self.hostname.clone());
        c.tls_available = self.access.tls.is_some();
        c.plaintext_auth = self.access.plaintext_auth;
        c.default_domain = self.access.default_domain.clone();
        c.trace = self.access.trace;
        c
    }
}

access::access_session!(
    Pop3Session,
    Pop3Event,
    timeout(s, _now) => s.poll_timeout(),
    unix(_s, _unix) => ()
);

/// Logins of one POP3 connection: a good password takes the maildrop's
/// lock (held until the connection ends) and opens the maildrop.
struct Pop3Login<'a> {
    server: &'a Pop3Server,
    peer: SocketAddr,
    lock: Option<MaildropLock>,
}

impl Login<Pop3Session> for Pop3Login<'_> {
    async fn login(&mut self, s: &mut Pop3Session, now: Instant, user: String, password: String) {
        let Some((_, path)) = self.server.access.login(&user, &password).await else {
            tracing::info!("POP3 login failed for {user:?} from {}", self.peer);
            s.login_refused(now, LoginRefusal::BadCredentials);
            return;
        };
        let Some(held) = self.server.lock(path.clone()) else {
            s.login_refused(now, LoginRefusal::InUse);
            return;
        };
        match tokio::task::spawn_blocking(move || Maildrop::open(&path)).await {
            Ok(Ok(drop)) => {
                self.lock = Some(held);
                s.login_accepted(now, drop);
            }
            _ => s.login_refused(now, LoginRefusal::Unavailable),
        }
    }
}

/// Serves POP3 on `listener` until shutdown; `implicit_tls` for port 995.
pub async fn serve(
    listener: TcpListener,
    server: Arc<Pop3Server>,
    implicit_tls: bool,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
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
                let make = |now| Pop3Session::new(config, now, implicit_tls);
                let mut login = Pop3Login {
                    server: &server,
                    peer,
                    lock: None,
                };
                access::drive(conn, &server.access, make, &mut login).await;
            }
        },
    )
    .await
}
