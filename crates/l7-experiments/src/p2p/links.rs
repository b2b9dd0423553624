//! A peer's table of connections: which engine session each simulator
//! stream carries, and back, with the blocks requested on each and not
//! read yet. A thousand peers' tables are looked up on every message, so
//! both directions are hash maps (one probe, where bisecting sorted
//! vectors scattered over memory cost a cache miss per step), with aHash
//! rather than SipHash: the keys are the simulation's own small integers,
//! chosen by no adversary, and nothing iterates the maps.

use std::collections::{HashMap, VecDeque};

use l7_p2p::peer_wire::BlockRef;
use l7_p2p::swarm::PeerKey;
use l7_sim::{HostId, StreamId};

/// One session's connection.
#[derive(Debug)]
pub struct Link {
    /// The stream carrying it.
    pub stream: StreamId,
    /// The host at the other end.
    pub host: HostId,
    /// Requested blocks not read yet, oldest first.
    pub to_upload: VecDeque<BlockRef>,
}

/// Streams ↔ sessions.
#[derive(Debug, Default)]
pub struct Links {
    by_stream: HashMap<StreamId, PeerKey, ahash::RandomState>,
    by_key: HashMap<PeerKey, Link, ahash::RandomState>,
}

impl Links {
    /// Records that `stream` carries session `key` to `host`.
    pub fn insert(&mut self, stream: StreamId, key: PeerKey, host: HostId) {
        self.by_stream.insert(stream, key);
        self.by_key.insert(
            key,
            Link {
                stream,
                host,
                to_upload: VecDeque::new(),
            },
        );
    }

    /// The session `stream` carries.
    pub fn session(&self, stream: StreamId) -> Option<PeerKey> {
        self.by_stream.get(&stream).copied()
    }

    /// Session `key`'s connection.
    pub fn link(&mut self, key: PeerKey) -> Option<&mut Link> {
        self.by_key.get_mut(&key)
    }

    /// Forgets `stream`; returns its session and host.
    pub fn remove_stream(&mut self, stream: StreamId) -> Option<(PeerKey, HostId)> {
        let key = self.by_stream.remove(&stream)?;
        let link = self.by_key.remove(&key)?;
        Some((key, link.host))
    }

    /// Forgets session `key`; returns its stream and host.
    pub fn remove_session(&mut self, key: PeerKey) -> Option<(StreamId, HostId)> {
        let link = self.by_key.remove(&key)?;
        self.by_stream.remove(&link.stream);
        Some((link.stream, link.host))
    }
}
