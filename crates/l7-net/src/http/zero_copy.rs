//! Zero-copy response bodies on plain TCP: the response head goes out with
//! `MSG_MORE`, so the kernel holds it back to share a segment with the
//! body (as nginx's `tcp_nopush` does), then the file range is handed to
//! the kernel with sendfile(2), which sends page-cache pages without
//! copying them through user space. Both are driven by tokio's readiness
//! (`writable` + `try_io`), so nothing blocks the runtime.
//!
//! A connection's last response can leave together with its FIN: the
//! response is held back (`MSG_MORE`, or `TCP_CORK` around sendfile, as
//! nginx corks) and [`finish`] shuts the write side down, which sends the
//! held bytes with the FIN flag in the same segment (RFC 9293 §3.6: a FIN
//! may ride on the last data segment) instead of a segment of its own and
//! its ACK. Shutting down before closing also means the response is on
//! the wire before a close with unread input would reset the connection.
//!
//! Any server that holds a file open may use it: [`Transport::socket`]
//! says whether a connection's stream is a plain socket (not TLS, not
//! paced), and [`send_head_and_file`] writes a head and a file range.
//! Who decides *whether* a body may go this way is the sans-IO core
//! (`l7_http::files::Body::zero_copy`); framing stays with the connection
//! (`ServerConnection::send_body_direct`).

use std::fs::File;
use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;

use nix::sys::socket::{MsgFlags, send, sendmsg};
use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite, Interest};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

use crate::shape::Shaped;

/// Most bytes asked of one sendfile(2) call: a socket's send buffer takes
/// less, and a bounded count keeps one call short.
const MAX_STEP: usize = 1 << 20;

/// A server connection's byte stream, and the plain TCP socket under it
/// when bytes may be written to that socket directly.
pub trait Transport: AsyncRead + AsyncWrite + Unpin {
    /// The socket, when writing to it bypasses nothing (no TLS record
    /// layer, no pacing).
    fn socket(&self) -> Option<&TcpStream> {
        None
    }
}

impl Transport for TcpStream {
    fn socket(&self) -> Option<&TcpStream> {
        Some(self)
    }
}

/// TLS encrypts in user space: bodies must pass through it.
impl Transport for TlsStream<TcpStream> {}

/// A shaped link paces every byte: bodies must pass through it.
impl Transport for Shaped<TcpStream> {}

/// Whether a response is the connection's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// More responses may follow: send every byte at once.
    KeepOpen,
    /// The connection closes after it: hold the bytes for [`finish`].
    Last,
}

/// Writes `head`, then `len` bytes of `file` from `offset`, to `socket`.
/// Fails with `UnexpectedEof` if the file ends before `offset + len` (it
/// shrank while being served: the response cannot be completed). A
/// [`Ending::Last`] response is corked: call [`finish`] after it.
pub async fn send_head_and_file(
    socket: &TcpStream,
    mut head: &[u8],
    file: &File,
    offset: u64,
    len: u64,
    ending: Ending,
) -> io::Result<()> {
    if ending == Ending::Last {
        // sendfile(2) takes no MSG_MORE: cork, so its last pages wait too.
        SockRef::from(socket).set_tcp_cork(true)?;
    }
    // MSG_MORE: more follows at once, so the head waits for the body's
    // first pages instead of leaving as a small segment of its own.
    let fd = socket.as_raw_fd();
    while !head.is_empty() {
        let n = write_ready(socket, || Ok(send(fd, head, more())?)).await?;
        head = &head[n..];
    }
    let mut at = nix::libc::off_t::try_from(offset).map_err(io::Error::other)?;
    let mut left = len;
    while left > 0 {
        let step = usize::try_from(left).unwrap_or(MAX_STEP).min(MAX_STEP);
        let n = write_ready(socket, || {
            Ok(nix::sys::sendfile::sendfile(
                socket,
                file,
                Some(&mut at),
                step,
            )?)
        })
        .await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while serving",
            ));
        }
        left -= n as u64;
    }
    Ok(())
}

/// Writes `head` then `body` (a connection's last response, held in
/// memory) with `MSG_MORE`, so both wait for [`finish`] to send them with
/// the FIN.
pub async fn send_last(socket: &TcpStream, mut head: &[u8], mut body: &[u8]) -> io::Result<()> {
    let fd = socket.as_raw_fd();
    while !head.is_empty() || !body.is_empty() {
        let n = write_ready(socket, || {
            let iov = [IoSlice::new(head), IoSlice::new(body)];
            Ok(sendmsg::<()>(fd, &iov, &[], more(), None)?)
        })
        .await?;
        advance(&mut head, &mut body, n);
    }
    Ok(())
}

/// Drops the first `n` bytes written of `head` then `body` (a vectored
/// write may stop anywhere in either).
pub(super) fn advance(head: &mut &[u8], body: &mut &[u8], n: usize) {
    let from_head = n.min(head.len());
    *head = &head[from_head..];
    *body = &body[n - from_head..];
}

/// Ends the connection's sending: the held bytes leave with the FIN.
pub fn finish(socket: &TcpStream) -> io::Result<()> {
    SockRef::from(socket).shutdown(std::net::Shutdown::Write)
}

/// `MSG_MORE` (hold for what follows) and `MSG_NOSIGNAL` (a closed peer is
/// an error, not SIGPIPE).
fn more() -> MsgFlags {
    MsgFlags::from_bits_retain(nix::libc::MSG_MORE) | MsgFlags::MSG_NOSIGNAL
}

/// Runs the non-blocking write `f` once the socket is writable, again
/// each time it would block.
async fn write_ready(
    socket: &TcpStream,
    mut f: impl FnMut() -> io::Result<usize>,
) -> io::Result<usize> {
    loop {
        socket.writable().await?;
        match socket.try_io(Interest::WRITABLE, &mut f) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => return r,
        }
    }
}
