//! The chat server driver: one task owns the [`ChatRoom`]; each connection
//! has a reader (bytes → room) and a writer (room → bytes) with a bounded
//! outbound queue, so a client that stops reading is disconnected instead of
//! growing the server's memory.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use l7_sockets::chat::{ChatRoom, MemberId, Output};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::Shutdown;
use crate::tcp::{self, ConnLimits, read_idle};

/// Longest chat line accepted, in bytes.
pub const MAX_LINE: usize = 4096;
/// Lines queued for a slow reader before it is disconnected.
const OUTBOUND_QUEUE: usize = 256;

enum ToRoom {
    Join(MemberId, mpsc::Sender<Outbound>),
    Input(MemberId, Vec<u8>),
    Leave(MemberId),
}

enum Outbound {
    Bytes(Vec<u8>),
    Close,
}

/// Serves the chat room until shutdown.
pub async fn serve(listener: TcpListener, limits: ConnLimits, shutdown: Shutdown) {
    let (to_room, from_conns) = mpsc::channel(1024);
    tokio::spawn(run_room(from_conns));
    let ids = Arc::new(AtomicU64::new(1));
    tcp::serve(listener, limits, shutdown, move |stream, peer| {
        let id = ids.fetch_add(1, Ordering::Relaxed);
        connection(stream, peer, id, to_room.clone(), limits)
    })
    .await
}

async fn run_room(mut inbox: mpsc::Receiver<ToRoom>) {
    let mut room = ChatRoom::new(MAX_LINE);
    let mut outboxes: HashMap<MemberId, mpsc::Sender<Outbound>> = HashMap::new();
    while let Some(msg) = inbox.recv().await {
        match msg {
            ToRoom::Join(id, tx) => {
                outboxes.insert(id, tx);
                room.connect(id);
            }
            ToRoom::Input(id, bytes) => room.handle_input(id, &bytes),
            ToRoom::Leave(id) => {
                outboxes.remove(&id);
                room.disconnect(id);
            }
        }
        while let Some(out) = room.poll_output() {
            let (id, item) = match out {
                Output::Send(id, bytes) => (id, Outbound::Bytes(bytes)),
                Output::Close(id) => (id, Outbound::Close),
            };
            let Some(tx) = outboxes.get(&id) else {
                continue;
            };
            if tx.try_send(item).is_err() {
                tracing::info!("member {id} does not read its messages: disconnecting it");
                outboxes.remove(&id);
                room.disconnect(id);
            }
        }
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    id: MemberId,
    room: mpsc::Sender<ToRoom>,
    limits: ConnLimits,
) {
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel(OUTBOUND_QUEUE);
    if room.send(ToRoom::Join(id, tx)).await.is_err() {
        return;
    }
    let mut writer = tokio::spawn(async move {
        while let Some(item) = rx.recv().await {
            match item {
                Outbound::Bytes(b) if wr.write_all(&b).await.is_ok() => {}
                _ => break,
            }
        }
        let _ = wr.shutdown().await;
    });
    let mut buf = vec![0u8; 4096];
    let writer_done = loop {
        tokio::select! {
            n = read_idle(&mut rd, &mut buf, limits.idle_timeout, peer) => {
                if n == 0 || room.send(ToRoom::Input(id, buf[..n].to_vec())).await.is_err() {
                    break false;
                }
            }
            // The room closed this member (quit, or too slow a reader).
            _ = &mut writer => break true,
        }
    };
    let _ = room.send(ToRoom::Leave(id)).await;
    if !writer_done {
        let _ = writer.await;
    }
}
