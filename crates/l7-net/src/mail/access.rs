//! What the mail access servers (POP3, IMAP) share: the accounts and where
//! their Maildirs live, the TLS acceptor, password checks off the async
//! threads, and a stream that a STARTTLS/STLS command upgrades in place.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use l7_mail::accounts::Accounts;
use l7_mail::store::Directory;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

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

/// A connection before or after TLS.
pub enum MailStream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
    /// Left behind while a handshake runs or after it failed.
    Gone,
}

impl MailStream {
    /// Runs the TLS handshake (implicit TLS, or after STARTTLS/STLS once
    /// the go-ahead is flushed); false if it failed.
    pub async fn upgrade(&mut self, acceptor: &TlsAcceptor) -> bool {
        let MailStream::Plain(tcp) = std::mem::replace(self, MailStream::Gone) else {
            return false;
        };
        match crate::tls::accept(acceptor, tcp).await {
            Some(tls) => {
                *self = MailStream::Tls(Box::new(tls));
                true
            }
            None => false,
        }
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the TLS handshake failed")
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            MailStream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, b),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, b),
            MailStream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            MailStream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            MailStream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

/// Sleeps until `t`, or forever when there is no timer.
pub async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
