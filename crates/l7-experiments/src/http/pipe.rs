//! An in-memory byte pipe between the `h2` crate and a simulated stream.
//! `h2` is runtime-agnostic over `AsyncRead`/`AsyncWrite`: [`Pipe`] reads
//! what the stream delivered (pending when nothing is there, end of file
//! once the peer closed) and collects what `h2` writes for the adapter to
//! put on the stream. The adapter polls `h2` with [`poll_now`], whose
//! waker does nothing: every callback polls again until nothing moves, so
//! no wake-up is ever needed — no tokio runtime, no wall clock.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, Default)]
struct State {
    inbound: Vec<u8>,
    /// Bytes of `inbound` already read.
    read: usize,
    eof: bool,
    outbound: Vec<u8>,
}

/// One end's view of a simulated stream, shared by `h2` and the adapter.
#[derive(Debug, Clone, Default)]
pub struct Pipe(Rc<RefCell<State>>);

impl Pipe {
    /// Bytes the stream delivered.
    pub fn deliver(&self, bytes: &[u8]) {
        let mut s = self.0.borrow_mut();
        if s.read == s.inbound.len() {
            s.inbound.clear();
            s.read = 0;
        }
        s.inbound.extend_from_slice(bytes);
    }

    /// The peer closed its side: reads end once the inbound bytes are read.
    pub fn deliver_eof(&self) {
        self.0.borrow_mut().eof = true;
    }

    /// What `h2` wrote since the last call.
    pub fn take_outbound(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.borrow_mut().outbound)
    }
}

impl AsyncRead for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut s = self.0.borrow_mut();
        let available = s.inbound.len() - s.read;
        if available == 0 {
            // Zero bytes read is end of file; otherwise wait for more.
            return if s.eof {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            };
        }
        let n = available.min(buf.remaining());
        let start = s.read;
        buf.put_slice(&s.inbound[start..start + n]);
        s.read += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Pipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.borrow_mut().outbound.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Runs `f` with a context whose waker does nothing (see the module doc).
pub fn poll_now<R>(f: impl FnOnce(&mut Context<'_>) -> R) -> R {
    f(&mut Context::from_waker(Waker::noop()))
}
