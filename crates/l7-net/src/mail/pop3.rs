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
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::access::{MailAccess, MailStream, sleep_until};
use crate::Shutdown;
use crate::tcp::{self, ConnLimits};

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

/// Serves POP3 on `listener` until shutdown; `implicit_tls` for port 995.
pub async fn serve(
    listener: TcpListener,
    server: Arc<Pop3Server>,
    implicit_tls: bool,
    limits: ConnLimits,
    shutdown: Shutdown,
) {
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

async fn session(mut stream: MailStream, peer: SocketAddr, server: &Pop3Server, tls: bool) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut s = Pop3Session::new(server.config(), now(), tls);
    let mut lock: Option<MaildropLock> = None;
    let mut buf = vec![0u8; 8 * 1024];
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
                Pop3Event::StartTls => {
                    let Some(acceptor) = &server.access.tls else {
                        return;
                    };
                    if stream.flush().await.is_err() || !stream.upgrade(acceptor).await {
                        return;
                    }
                    s.tls_established(now());
                }
                Pop3Event::Authenticate { user, password } => {
                    match server.access.login(&user, &password).await {
                        None => {
                            tracing::info!("POP3 login failed for {user:?} from {peer}");
                            s.login_refused(now(), LoginRefusal::BadCredentials);
                        }
                        Some((_, path)) => match server.lock(path.clone()) {
                            None => s.login_refused(now(), LoginRefusal::InUse),
                            Some(held) => {
                                let opened =
                                    tokio::task::spawn_blocking(move || Maildrop::open(&path))
                                        .await;
                                match opened {
                                    Ok(Ok(drop)) => {
                                        lock = Some(held);
                                        s.login_accepted(now(), drop);
                                    }
                                    _ => s.login_refused(now(), LoginRefusal::Unavailable),
                                }
                            }
                        },
                    }
                }
                Pop3Event::Closed => {}
            }
            continue;
        }
        if s.is_closed() {
            let _ = stream.shutdown().await;
            drop(lock);
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
