//! Batched UDP I/O for the DNS loops: one `recvmmsg` reads up to [`BATCH`]
//! datagrams and one `sendmmsg` sends up to [`BATCH`] answers, each to its
//! own client (Linux, through nix's safe wrappers). Answering from a cache,
//! a DNS server spends most of its time in the kernel, and a system call
//! per datagram each way is the part of it a server can cut.
//!
//! nix's message headers hold raw pointers, so they are not `Send`: they
//! are made for each call (two small allocations per batch), which keeps
//! the loops' futures movable between worker threads.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::ops::Range;
use std::os::fd::AsRawFd;

use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg};
use tokio::io::Interest;
use tokio::net::UdpSocket;

use crate::sockaddr::std_addr;

/// Datagrams read, or answers sent, per system call.
pub const BATCH: usize = 64;
/// Room for one query: more than any question needs (RFC 6891 §6.2.5
/// speaks of answers of 4096 octets, not queries); a longer datagram is
/// cut by the kernel and dropped here.
const SLOT: usize = 4096;

/// The datagrams of the last [`Inbox::recv`].
pub struct Inbox {
    buf: Vec<u8>,
    /// (slot, length, sender) of each datagram kept.
    got: Vec<(usize, usize, SocketAddr)>,
}

impl Inbox {
    /// Room for [`BATCH`] datagrams.
    pub fn new() -> Inbox {
        Inbox {
            buf: vec![0; BATCH * SLOT],
            got: Vec::with_capacity(BATCH),
        }
    }

    /// Reads the datagrams waiting on `socket`, up to [`BATCH`], without
    /// waiting; returns how many were read (`WouldBlock` when none was).
    pub fn recv(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        self.got.clear();
        let fd = socket.as_raw_fd();
        let Inbox { buf, got } = self;
        socket.try_io(Interest::READABLE, || {
            let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
            let mut slices: Vec<[IoSliceMut<'_>; 1]> = buf
                .chunks_mut(SLOT)
                .map(|slot| [IoSliceMut::new(slot)])
                .collect();
            let results = recvmmsg(fd, &mut headers, slices.iter_mut(), MsgFlags::empty(), None)?;
            let mut read = 0;
            for (slot, msg) in results.enumerate() {
                read += 1;
                let from = msg.address.as_ref().and_then(std_addr);
                if let Some(from) = from.filter(|_| !msg.flags.contains(MsgFlags::MSG_TRUNC)) {
                    got.push((slot, msg.bytes, from));
                }
            }
            Ok(read)
        })
    }

    /// The datagrams read, with their senders.
    pub fn datagrams(&self) -> impl Iterator<Item = (&[u8], SocketAddr)> + '_ {
        self.got
            .iter()
            .map(|&(slot, len, from)| (&self.buf[slot * SLOT..slot * SLOT + len], from))
    }
}

impl Default for Inbox {
    fn default() -> Inbox {
        Inbox::new()
    }
}

/// Answers waiting to be sent, each with its client.
pub struct Outbox {
    data: Vec<u8>,
    messages: Vec<(Range<usize>, SocketAddr)>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Outbox {
        Outbox {
            data: Vec::with_capacity(BATCH * 512),
            messages: Vec::with_capacity(BATCH),
        }
    }

    /// Queues the answer `write` appends to the buffer it is given, for
    /// `to`; nothing is queued when `write` returns false.
    pub fn push_with(&mut self, to: SocketAddr, write: impl FnOnce(&mut Vec<u8>) -> bool) -> bool {
        let start = self.data.len();
        if write(&mut self.data) {
            self.messages.push((start..self.data.len(), to));
            true
        } else {
            self.data.truncate(start);
            false
        }
    }

    /// Answers queued.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Queues `bytes` for `to`.
    pub fn push(&mut self, to: SocketAddr, bytes: &[u8]) {
        self.push_with(to, |out| {
            out.extend_from_slice(bytes);
            true
        });
    }

    /// Sends every queued answer, [`BATCH`] per system call, waiting for
    /// room only when the socket's buffer is full. An answer the kernel
    /// refuses (an unreachable client) is dropped and logged.
    pub async fn flush(&mut self, socket: &UdpSocket) {
        let fd = socket.as_raw_fd();
        let mut next = 0;
        while next < self.messages.len() {
            let chunk = &self.messages[next..self.messages.len().min(next + BATCH)];
            let data = &self.data;
            let sent = socket.try_io(Interest::WRITABLE, || {
                let mut headers = MultiHeaders::preallocate(chunk.len(), None);
                let slices: Vec<[IoSlice<'_>; 1]> = chunk
                    .iter()
                    .map(|(r, _)| [IoSlice::new(&data[r.clone()])])
                    .collect();
                let addrs: Vec<Option<SockaddrStorage>> = chunk
                    .iter()
                    .map(|&(_, to)| Some(SockaddrStorage::from(to)))
                    .collect();
                let results = sendmmsg(fd, &mut headers, &slices, addrs, [], MsgFlags::empty())?;
                Ok(results.count())
            });
            match sent {
                Ok(n) => next += n.max(1),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if let Err(e) = socket.writable().await {
                        tracing::debug!("dns udp socket: {e}");
                        break;
                    }
                }
                Err(e) => {
                    tracing::debug!("dns reply to {}: {e}", self.messages[next].1);
                    next += 1;
                }
            }
        }
        self.data.clear();
        self.messages.clear();
    }
}

impl Default for Outbox {
    fn default() -> Outbox {
        Outbox::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_in_and_a_batch_out() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let at = server.local_addr().unwrap();
        let mut clients = Vec::new();
        for i in 0..3u8 {
            let c = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            c.send_to(&[i; 5], at).await.unwrap();
            clients.push(c);
        }
        let mut inbox = Inbox::new();
        let mut read = 0;
        while read < 3 {
            server.readable().await.unwrap();
            match inbox.recv(&server) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => panic!("{e}"),
            }
            let mut outbox = Outbox::new();
            for (bytes, from) in inbox.datagrams() {
                read += 1;
                assert_eq!(bytes.len(), 5);
                let reply = [bytes[0] + 100; 3];
                outbox.push(from, &reply);
                // A refused answer queues nothing.
                assert!(!outbox.push_with(from, |out| {
                    out.push(0);
                    false
                }));
            }
            outbox.flush(&server).await;
        }
        for (i, c) in clients.iter().enumerate() {
            let mut buf = [0u8; 16];
            let (n, from) = c.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&[i as u8 + 100; 3][..], at));
        }
    }
}
