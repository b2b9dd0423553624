//! One mail connection that may turn into TLS half-way (SMTP STARTTLS, RFC
//! 3207; IMAP STARTTLS, POP3 STLS, RFC 2595) or start as TLS (ports 465,
//! 993, 995, RFC 8314): plain TCP, the server side of TLS or the client
//! side, behind one reader/writer so the session loops do not care which.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::{tls, tls_client};

/// A connection, plain or encrypted.
pub enum Conn {
    /// Plain TCP.
    Plain(TcpStream),
    /// We are the TLS server.
    Server(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// We are the TLS client.
    Client(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// A failed upgrade left nothing to talk on.
    Broken,
}

impl Conn {
    /// Runs the server side of a TLS handshake on a plain connection;
    /// `None` (and the connection dropped) if it fails.
    pub async fn accept_tls(mut self, config: Arc<rustls::ServerConfig>) -> Option<Conn> {
        let acceptor = TlsAcceptor::from(config);
        self.upgrade(&acceptor).await.then_some(self)
    }

    /// Runs the server side of a TLS handshake in place (implicit TLS, or
    /// after STARTTLS/STLS once the go-ahead is flushed); false if it
    /// failed, leaving the connection broken.
    pub async fn upgrade(&mut self, acceptor: &TlsAcceptor) -> bool {
        let Conn::Plain(tcp) = std::mem::replace(self, Conn::Broken) else {
            return false;
        };
        match tls::accept(acceptor, tcp).await {
            Some(s) => {
                *self = Conn::Server(Box::new(s));
                true
            }
            None => false,
        }
    }

    /// Runs the client side of a TLS handshake with `server_name`.
    pub async fn connect_tls(
        self,
        config: Arc<rustls::ClientConfig>,
        server_name: &str,
    ) -> Result<Conn, String> {
        let Conn::Plain(tcp) = self else {
            return Err("the connection is already encrypted".into());
        };
        tls_client::connect(config, server_name, tcp)
            .await
            .map(|s| Conn::Client(Box::new(s)))
    }
}

fn broken() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "connection lost in a TLS upgrade",
    )
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Server(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Client(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Broken => Poll::Ready(Err(broken())),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Server(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Client(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Broken => Poll::Ready(Err(broken())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Server(s) => Pin::new(s).poll_flush(cx),
            Conn::Client(s) => Pin::new(s).poll_flush(cx),
            Conn::Broken => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Server(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Client(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Broken => Poll::Ready(Ok(())),
        }
    }
}
