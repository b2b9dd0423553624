//! What the mail access servers (POP3, IMAP) share: the accounts and where
//! their Maildirs live, the TLS acceptor, password checks off the async
//! threads, and the connection loop that drives either session over a
//! [`Conn`] that a STARTTLS/STLS command upgrades in place.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use l7_mail::accounts::Accounts;
use l7_mail::smtp::trace::TraceLine;
use l7_mail::store::Directory;
use l7_wire::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::conn::Conn;
use crate::Shutdown;
use crate::tcp::{self, ConnLimits};

/// Accounts and Maildirs served to mail readers.
pub struct MailAccess {
    /// Users and their argon2id password hashes.
    pub accounts: Arc<Accounts>,
    /// Where users' Maildirs live (`root/domain/local`, as SMTP delivers).
    pub root: PathBuf,
    /// Appended to a login name without `@`.
    pub default_domain: Option<String>,
    /// STARTTLS/STLS and the implicit-TLS ports, when a certificate is set.
    pub tls: Option<TlsAcceptor>,
    /// Passwords may travel without TLS (the server listens on loopback only).
    pub plaintext_auth: bool,
    /// Print every session as `C:` / `S:` lines on stdout.
    pub trace: bool,
}

impl MailAccess {
    /// Checks a password with argon2 on a blocking thread; on success
    /// returns the canonical user and the path of their Maildir.
    pub async fn login(&self, user: &str, password: &str) -> Option<(String, PathBuf)> {
        let accounts = self.accounts.clone();
        let (u, p) = (user.to_lowercase(), password.to_string());
        let good = tokio::task::spawn_blocking(move || accounts.verify(&u, &p))
            .await
            .unwrap_or(false);
        good.then(|| {
            let user = user.to_lowercase();
            let path = Directory::maildir_path(&self.root, &user);
            (user, path)
        })
    }
}

/// What a mail access session (POP3 or IMAP) asks of its connection loop.
pub(crate) enum AccessEvent {
    /// The STARTTLS/STLS go-ahead is queued: flush it, run the handshake.
    StartTls,
    /// Check this login and give the session the verdict.
    Authenticate { user: String, password: String },
    /// The session is over.
    Closed,
}

/// A sans-IO mail access session as [`drive`] runs it.
pub(crate) trait AccessSession {
    fn poll_trace(&mut self) -> Option<TraceLine>;
    fn poll_transmit(&mut self) -> Option<Vec<u8>>;
    fn poll_access_event(&mut self) -> Option<AccessEvent>;
    fn tls_established(&mut self, now: Instant);
    fn is_closed(&self) -> bool;
    fn poll_timeout(&self, now: Instant) -> Option<Instant>;
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    fn handle_timeout(&mut self, now: Instant);
    /// The wall clock, for sessions that stamp things with it.
    fn set_unix_time(&mut self, unix: i64);
}

/// Implements [`AccessSession`] for a session type whose inherent methods
/// carry the trait's names and whose event enum has the three variants of
/// [`AccessEvent`]; the timer and wall-clock calls are given, as they differ.
macro_rules! access_session {
    ($session:ident, $event:ident,
     timeout($s:ident, $now:ident) => $timeout:expr,
     unix($su:ident, $unix:ident) => $set:expr) => {
        impl $crate::mail::access::AccessSession for $session {
            fn poll_trace(&mut self) -> Option<l7_mail::smtp::trace::TraceLine> {
                $session::poll_trace(self)
            }
            fn poll_transmit(&mut self) -> Option<Vec<u8>> {
                $session::poll_transmit(self)
            }
            fn poll_access_event(&mut self) -> Option<$crate::mail::access::AccessEvent> {
                use $crate::mail::access::AccessEvent;
                Some(match self.poll_event()? {
                    $event::StartTls => AccessEvent::StartTls,
                    $event::Authenticate { user, password } => {
                        AccessEvent::Authenticate { user, password }
                    }
                    $event::Closed => AccessEvent::Closed,
                })
            }
            fn tls_established(&mut self, now: l7_wire::Instant) {
                $session::tls_established(self, now)
            }
            fn is_closed(&self) -> bool {
                $session::is_closed(self)
            }
            fn poll_timeout(&self, $now: l7_wire::Instant) -> Option<l7_wire::Instant> {
                let $s = self;
                $timeout
            }
            fn handle_input(&mut self, now: l7_wire::Instant, bytes: &[u8]) {
                $session::handle_input(self, now, bytes)
            }
            fn handle_timeout(&mut self, now: l7_wire::Instant) {
                $session::handle_timeout(self, now)
            }
            fn set_unix_time(&mut self, $unix: i64) {
                let $su = self;
                $set
            }
        }
    };
}
pub(crate) use access_session;

/// How a server answers a login for its session (and what it holds for
/// the rest of the session, like POP3's maildrop lock).
pub(crate) trait Login<S> {
    async fn login(&mut self, s: &mut S, now: Instant, user: String, password: String);
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Accepts connections for a mail access server until shutdown, running
/// the TLS handshake first on an implicit-TLS port (993, 995), then
/// `session` on each connection.
pub(crate) async fn serve<F, Fut>(
    listener: TcpListener,
    access: Arc<MailAccess>,
    implicit_tls: bool,
    limits: ConnLimits,
    shutdown: Shutdown,
    session: F,
) where
    F: Fn(Conn, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let session = Arc::new(session);
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let (access, session) = (access.clone(), session.clone());
        async move {
            let mut conn = Conn::Plain(stream);
            if implicit_tls {
                let Some(acceptor) = &access.tls else { return };
                if !conn.upgrade(acceptor).await {
                    return;
                }
            }
            session(conn, peer).await;
        }
    })
    .await
}

/// Runs one session over `conn` until it closes or the peer goes away:
/// sends what it queues, serves its STARTTLS and login requests, feeds it
/// what arrives and keeps its timer. `make` builds the session at the
/// loop's time zero.
pub(crate) async fn drive<S: AccessSession>(
    mut conn: Conn,
    access: &MailAccess,
    make: impl FnOnce(Instant) -> S,
    login: &mut impl Login<S>,
) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut s = make(now());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if access.trace {
            while let Some(line) = s.poll_trace() {
                println!("{line}");
            }
        }
        while let Some(bytes) = s.poll_transmit() {
            if conn.write_all(&bytes).await.is_err() {
                return;
            }
        }
        if let Some(event) = s.poll_access_event() {
            match event {
                AccessEvent::StartTls => {
                    let Some(acceptor) = &access.tls else { return };
                    if conn.flush().await.is_err() || !conn.upgrade(acceptor).await {
                        return;
                    }
                    s.tls_established(now());
                }
                AccessEvent::Authenticate { user, password } => {
                    login.login(&mut s, now(), user, password).await;
                }
                AccessEvent::Closed => {}
            }
            continue;
        }
        if s.is_closed() {
            let _ = conn.shutdown().await;
            return;
        }
        let deadline = s
            .poll_timeout(now())
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        tokio::select! {
            r = conn.read(&mut buf) => match r {
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

/// Sleeps until `t`, or forever when there is no timer.
async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
