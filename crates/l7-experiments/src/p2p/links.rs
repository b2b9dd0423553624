//! A peer's table of connections: the stream, host and blocks requested
//! but not read yet of each engine session, in a [`PeerTable`] (a vector
//! indexed by the session's slot): one index per lookup, and a thousand
//! peers' tables stay small and dense. The way back, from a
//! stream to its session, is the stream's tag in the simulator
//! ([`l7_sim::Ctx::stream_tag`]), read beside the stream's state on every
//! delivery.

use std::collections::VecDeque;

use l7_p2p::peer_wire::BlockRef;
use l7_p2p::swarm::{PeerKey, PeerTable};
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

/// Sessions → connections.
#[derive(Debug, Default)]
pub struct Links {
    by_key: PeerTable<Link>,
}

impl Links {
    /// Records that `stream` carries session `key` to `host`.
    pub fn insert(&mut self, stream: StreamId, key: PeerKey, host: HostId) {
        let link = Link {
            stream,
            host,
            to_upload: VecDeque::new(),
        };
        self.by_key.insert(key, link);
    }

    /// Session `key`'s connection.
    pub fn link(&mut self, key: PeerKey) -> Option<&mut Link> {
        self.by_key.get_mut(key)
    }

    /// Forgets session `key`; returns its stream and host.
    pub fn remove(&mut self, key: PeerKey) -> Option<(StreamId, HostId)> {
        let link = self.by_key.remove(key)?;
        Some((link.stream, link.host))
    }
}
