//! The fetching user agent (`l7 mail fetch`): what to fetch, the
//! connection with bounded and timed reads both protocols share, and the
//! POP3 ([`pop3`]) and IMAP ([`imap`]) conversations.

pub mod imap;
pub mod pop3;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::NetError;

/// What to fetch and how.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The server.
    pub server: SocketAddr,
    /// The account.
    pub user: String,
    /// Its password.
    pub password: String,
    /// Leave the messages on the server (download-and-keep).
    pub keep: bool,
    /// Print the conversation as `C:` / `S:` lines on stderr.
    pub trace: bool,
    /// Largest message accepted.
    pub max_message: usize,
    /// Timeout for each read.
    pub timeout: Duration,
}

/// One retrieved message.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Its number in the session.
    pub number: u32,
    /// Its UIDL (POP3) or UID (IMAP).
    pub uid: String,
    /// Its text, dot-stuffing undone.
    pub bytes: Vec<u8>,
}

/// A connection with bounded, timed reads.
pub(crate) struct Conn<'a> {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
    pub(crate) opts: &'a FetchOptions,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connecting, a timeout, or the server hung up.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The server refused something or spoke something else than POP3.
    #[error("{server}: {what}")]
    Protocol {
        /// The server.
        server: SocketAddr,
        /// What happened.
        what: String,
    },
}

pub(crate) fn failed(opts: &FetchOptions, what: String) -> FetchError {
    FetchError::Protocol {
        server: opts.server,
        what,
    }
}

impl<'a> Conn<'a> {
    /// Reads one line (LF included) of at most `limit` bytes.
    pub(crate) async fn line(&mut self, limit: usize) -> Result<Vec<u8>, FetchError> {
        let mut line = Vec::new();
        let mut bounded = (&mut self.r).take(limit as u64 + 1);
        let read = bounded.read_until(b'\n', &mut line);
        match tokio::time::timeout(self.opts.timeout, read).await {
            Err(_) => Err(NetError::Timeout {
                addr: self.opts.server,
                after: self.opts.timeout,
            }
            .into()),
            Ok(Err(e)) => Err(failed(self.opts, e.to_string())),
            Ok(Ok(0)) => Err(NetError::Closed(self.opts.server).into()),
            Ok(Ok(_)) if !line.ends_with(b"\n") => {
                Err(failed(self.opts, "a reply line is too long".into()))
            }
            Ok(Ok(_)) => Ok(line),
        }
    }

    /// Writes `line` and CRLF, tracing it (passwords hidden).
    pub(crate) async fn send(&mut self, line: &str, shown: &str) -> Result<(), FetchError> {
        if self.opts.trace {
            eprintln!("C: {shown}");
        }
        self.w
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(|e| failed(self.opts, e.to_string()))
    }

    /// Reads exactly `n` bytes (an IMAP literal).
    pub(crate) async fn exact(&mut self, n: usize) -> Result<Vec<u8>, FetchError> {
        let mut buf = vec![0; n];
        match tokio::time::timeout(self.opts.timeout, self.r.read_exact(&mut buf)).await {
            Err(_) => Err(NetError::Timeout {
                addr: self.opts.server,
                after: self.opts.timeout,
            }
            .into()),
            Ok(Err(_)) => Err(NetError::Closed(self.opts.server).into()),
            Ok(Ok(_)) => Ok(buf),
        }
    }

    /// Connects to the server.
    pub(crate) async fn connect(opts: &'a FetchOptions) -> Result<Conn<'a>, FetchError> {
        let stream = tokio::time::timeout(opts.timeout, TcpStream::connect(opts.server))
            .await
            .map_err(|_| NetError::Timeout {
                addr: opts.server,
                after: opts.timeout,
            })?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => NetError::Refused(opts.server).into(),
                _ => failed(opts, e.to_string()),
            })?;
        let (r, w) = stream.into_split();
        Ok(Conn {
            r: BufReader::new(r),
            w,
            opts,
        })
    }
}
