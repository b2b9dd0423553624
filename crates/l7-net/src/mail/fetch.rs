//! The fetching user agent's POP3 side (`l7 mail fetch --pop3`): log in
//! with USER/PASS, list with UIDL, RETR every message, DELE it unless
//! keeping, and QUIT so the server's UPDATE state applies the deletions.
//! Every read has a timeout and every response a size bound.

use std::net::SocketAddr;
use std::time::Duration;

use l7_mail::pop3::client::{MAX_STATUS_LINE, Multiline, Status};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::NetError;

/// What to fetch and how.
#[derive(Debug, Clone)]
pub struct FetchPop3 {
    /// The POP3 server.
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
    /// Its UIDL.
    pub uid: String,
    /// Its text, dot-stuffing undone.
    pub bytes: Vec<u8>,
}

struct Conn<'a> {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
    opts: &'a FetchPop3,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connecting, a timeout, or the server hung up.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The server refused something or spoke something else than POP3.
    #[error("POP3 with {server}: {what}")]
    Protocol {
        /// The server.
        server: SocketAddr,
        /// What happened.
        what: String,
    },
}

fn failed(opts: &FetchPop3, what: String) -> FetchError {
    FetchError::Protocol {
        server: opts.server,
        what,
    }
}

impl Conn<'_> {
    async fn line(&mut self, limit: usize) -> Result<Vec<u8>, FetchError> {
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

    async fn status(&mut self) -> Result<String, FetchError> {
        let line = self.line(MAX_STATUS_LINE).await?;
        if self.opts.trace {
            eprintln!("S: {}", String::from_utf8_lossy(line.trim_ascii_end()));
        }
        match Status::parse(&line) {
            Some(Status::Ok(text)) => Ok(text),
            Some(Status::Err(text)) => Err(failed(
                self.opts,
                format!("the server said -ERR {text} (check the user name and password)"),
            )),
            None => Err(failed(self.opts, "not a POP3 server (no +OK/-ERR)".into())),
        }
    }

    async fn command(&mut self, line: &str) -> Result<String, FetchError> {
        if self.opts.trace {
            let shown = if line.starts_with("PASS ") {
                "PASS ****"
            } else {
                line
            };
            eprintln!("C: {shown}");
        }
        self.w
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(|e| failed(self.opts, e.to_string()))?;
        self.status().await
    }

    async fn body(&mut self, limit: usize) -> Result<Vec<u8>, FetchError> {
        let mut m = Multiline::new(limit);
        loop {
            let line = self.line(limit.max(MAX_STATUS_LINE)).await?;
            match m.push_line(&line) {
                Ok(Some(body)) => return Ok(body),
                Ok(None) => {}
                Err(e) => return Err(failed(self.opts, e.to_string())),
            }
        }
    }
}

/// Fetches every message, handing each to `on_message` as it arrives;
/// returns how many were fetched.
pub async fn fetch_pop3(
    opts: &FetchPop3,
    mut on_message: impl FnMut(Fetched) -> std::io::Result<()>,
) -> Result<usize, FetchError> {
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
    let mut c = Conn {
        r: BufReader::new(r),
        w,
        opts,
    };
    c.status().await?;
    c.command(&format!("USER {}", opts.user)).await?;
    c.command(&format!("PASS {}", opts.password)).await?;
    c.command("UIDL").await?;
    let listing = c.body(64 * 1024 * 1024).await?;
    let mut messages = Vec::new();
    for line in String::from_utf8_lossy(&listing).lines() {
        if let Some((n, uid)) = line.split_once(' ')
            && let Ok(n) = n.parse::<u32>()
        {
            messages.push((n, uid.to_string()));
        }
    }
    for (number, uid) in &messages {
        c.command(&format!("RETR {number}")).await?;
        let bytes = c.body(opts.max_message).await?;
        on_message(Fetched {
            number: *number,
            uid: uid.clone(),
            bytes,
        })
        .map_err(|e| failed(opts, format!("saving message {number}: {e}")))?;
        if !opts.keep {
            c.command(&format!("DELE {number}")).await?;
        }
    }
    // RFC 1939 §6: deletions happen only now, in the UPDATE state.
    c.command("QUIT").await?;
    Ok(messages.len())
}
