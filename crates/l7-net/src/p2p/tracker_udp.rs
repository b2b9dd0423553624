//! The UDP tracker's loop (BEP 15) on a thread of its own, built for many
//! small datagrams: one blocking recvmmsg(2) takes every datagram already
//! queued (up to [`BATCH`]), the registry is locked once per batch, each
//! reply is written into a buffer kept for the life of the loop, and one
//! sendmmsg(2) sends them all. Nothing is allocated per datagram. A short
//! receive timeout lets the loop notice shutdown.

use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg};

use super::tracker::Tracker;
use crate::Shutdown;
use crate::sockaddr::std_addr;

/// Most datagrams taken or sent per system call.
pub const BATCH: usize = 32;
/// Receive buffer per datagram: the largest request, a scrape of 74
/// info-hashes, is 1496 bytes.
const DATAGRAM: usize = 2048;
/// How often a quiet loop checks for shutdown.
const POLL: Duration = Duration::from_millis(100);

/// Answers BEP 15 datagrams on `socket` until shutdown.
pub async fn serve_udp(socket: tokio::net::UdpSocket, tracker: Arc<Tracker>, shutdown: Shutdown) {
    let socket = match socket.into_std().and_then(|s| {
        s.set_nonblocking(false)?;
        s.set_read_timeout(Some(POLL))?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("tracker UDP socket: {e}");
            return;
        }
    };
    let task = tokio::task::spawn_blocking(move || answer(&socket, &tracker, &shutdown));
    if let Err(e) = task.await {
        tracing::warn!("tracker UDP loop ended: {e}");
    }
}

/// Buffers kept for the life of the loop.
struct Batch {
    inbox: Box<[[u8; DATAGRAM]; BATCH]>,
    received: [(usize, Option<SocketAddr>); BATCH],
    replies: Vec<Vec<u8>>,
    to: Vec<Option<SockaddrStorage>>,
}

fn answer(socket: &UdpSocket, tracker: &Tracker, shutdown: &Shutdown) {
    let inbox = vec![[0u8; DATAGRAM]; BATCH].into_boxed_slice();
    let Ok(inbox) = inbox.try_into() else {
        unreachable!("the inbox holds BATCH buffers");
    };
    let mut batch = Batch {
        inbox,
        received: [(0, None); BATCH],
        replies: (0..BATCH).map(|_| Vec::with_capacity(512)).collect(),
        to: vec![None; BATCH],
    };
    let mut recv_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    while !shutdown.is_triggered() {
        let got = match receive(socket, &mut recv_headers, &mut batch) {
            Ok(got) => got,
            Err(Errno::EAGAIN | Errno::EINTR) => continue,
            Err(e) => {
                tracing::warn!("tracker UDP receive: {e}");
                return;
            }
        };
        let mut ready = 0;
        tracker.with_registry(|registry, now| {
            for i in 0..got {
                let (len, Some(from)) = batch.received[i] else {
                    continue;
                };
                let datagram = &batch.inbox[i][..len];
                let reply = &mut batch.replies[ready];
                if l7_p2p::tracker::udp_reply(registry, tracker.ids(), now, from, datagram, reply) {
                    batch.to[ready] = Some(SockaddrStorage::from(from));
                    ready += 1;
                }
            }
        });
        send(socket, &mut send_headers, &batch, ready);
    }
}

/// Blocks for the first datagram (or the timeout), then takes every one
/// already queued; returns how many, their lengths and sources in `batch`.
fn receive(
    socket: &UdpSocket,
    headers: &mut MultiHeaders<SockaddrStorage>,
    batch: &mut Batch,
) -> Result<usize, Errno> {
    let mut slices = batch.inbox.each_mut().map(|b| [IoSliceMut::new(b)]);
    let results = recvmmsg(
        socket.as_raw_fd(),
        headers,
        slices.iter_mut(),
        MsgFlags::MSG_WAITFORONE,
        None,
    )?;
    let mut got = 0;
    for (slot, msg) in batch.received.iter_mut().zip(results) {
        *slot = (msg.bytes, msg.address.as_ref().and_then(std_addr));
        got += 1;
    }
    Ok(got)
}

/// Sends the first `ready` replies, again after a partial send; a reply
/// the kernel refuses is dropped (UDP: the client asks again).
fn send(
    socket: &UdpSocket,
    headers: &mut MultiHeaders<SockaddrStorage>,
    batch: &Batch,
    ready: usize,
) {
    let slices: [[IoSlice<'_>; 1]; BATCH] =
        std::array::from_fn(|i| [IoSlice::new(&batch.replies[i])]);
    let mut start = 0;
    while start < ready {
        match sendmmsg(
            socket.as_raw_fd(),
            headers,
            slices[start..ready].iter(),
            &batch.to[start..ready],
            [],
            MsgFlags::empty(),
        ) {
            Ok(results) => start += results.count().max(1),
            Err(Errno::EINTR) => {}
            Err(e) => {
                tracing::debug!("tracker UDP reply: {e}");
                start += 1;
            }
        }
    }
}
