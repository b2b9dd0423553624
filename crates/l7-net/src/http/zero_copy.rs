//! Zero-copy response bodies on plain TCP: the response head goes out with
//! `MSG_MORE`, so the kernel holds it back to share a segment with the
//! body (as nginx's `tcp_nopush` does), then the file range is handed to
//! the kernel with sendfile(2), which sends page-cache pages without
//! copying them through user space. Both are driven by tokio's readiness
//! (`writable` + `try_io`), so nothing blocks the runtime.
//!
//! Any server that holds a file open may use it: [`Transport::socket`]
//! says whether a connection's stream is a plain socket (not TLS, not
//! paced), and [`send_head_and_file`] writes a head and a file range.
//! Who decides *whether* a body may go this way is the sans-IO core
//! (`l7_http::files::Body::zero_copy`); framing stays with the connection
//! (`ServerConnection::send_body_direct`).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use nix::sys::socket::{MsgFlags, send};
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

/// Writes `head`, then `len` bytes of `file` from `offset`, to `socket`.
/// Fails with `UnexpectedEof` if the file ends before `offset + len` (it
/// shrank while being served: the response cannot be completed).
pub async fn send_head_and_file(
    socket: &TcpStream,
    mut head: &[u8],
    file: &File,
    offset: u64,
    len: u64,
) -> io::Result<()> {
    // MSG_MORE: more follows at once, so the head waits for the body's
    // first pages instead of leaving as a small segment of its own.
    let more = MsgFlags::from_bits_retain(nix::libc::MSG_MORE) | MsgFlags::MSG_NOSIGNAL;
    let fd = socket.as_raw_fd();
    while !head.is_empty() {
        let n = write_ready(socket, || Ok(send(fd, head, more)?)).await?;
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
