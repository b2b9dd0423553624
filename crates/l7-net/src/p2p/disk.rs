//! Storage I/O off the async threads: one blocking thread (tokio's
//! `spawn_blocking`) owns the torrent's [`Storage`] and does its jobs in the
//! order the engine queued them — so a piece is written before any read of
//! it, as the engine's event order promises — and reports back through a
//! callback.

use std::sync::mpsc;

use l7_p2p::peer_wire::BlockRef;
use l7_p2p::storage::Storage;
use l7_p2p::swarm::PeerKey;

/// Work for the storage thread.
#[derive(Debug)]
pub enum DiskJob {
    /// Write a verified piece.
    Write(u32, Vec<u8>),
    /// Read a block a peer asked for.
    Read(PeerKey, BlockRef),
    /// fsync what was written, then record it in the resume file.
    Sync,
}

/// What the storage thread reports.
#[derive(Debug)]
pub enum DiskDone {
    /// A block read for a peer.
    Read(PeerKey, BlockRef, Vec<u8>),
    /// Pieces now durable and listed in the resume file (total so far).
    Synced(u32),
    /// Writing or syncing failed: the download cannot go on.
    Failed(String),
}

/// Starts the storage thread; it ends (after a last sync) when the sender is dropped.
pub fn spawn(
    mut storage: Storage,
    done: impl Fn(DiskDone) + Send + 'static,
) -> mpsc::Sender<DiskJob> {
    let (tx, rx) = mpsc::channel::<DiskJob>();
    tokio::task::spawn_blocking(move || {
        let sync = |storage: &mut Storage| match storage.sync() {
            Ok(_) => DiskDone::Synced(storage.verified().count()),
            Err(e) => DiskDone::Failed(format!("cannot save downloaded data: {e}")),
        };
        for job in rx {
            match job {
                DiskJob::Write(index, data) => {
                    if let Err(e) = storage.write_piece(index, &data) {
                        done(DiskDone::Failed(format!(
                            "cannot write piece {index}: {e} (is the disk full?)"
                        )));
                    }
                }
                DiskJob::Read(peer, b) => match storage.read_block(b.index, b.begin, b.length) {
                    Ok(data) => done(DiskDone::Read(peer, b, data)),
                    Err(e) => tracing::warn!("reading piece {} for a peer: {e}", b.index),
                },
                DiskJob::Sync => done(sync(&mut storage)),
            }
        }
        let _ = storage.sync();
    });
    tx
}
