//! A peer's table of connections: the stream, host and blocks requested
//! but not read yet of each engine session, in a vector indexed by the
//! session's slot ([`PeerKey::slot`]): one index per lookup, and a
//! thousand peers' tables stay small and dense. The way back, from a
//! stream to its session, is the stream's tag in the simulator
//! ([`l7_sim::Ctx::stream_tag`]), read beside the stream's state on every
//! delivery.

use std::collections::VecDeque;

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

/// Sessions → connections.
#[derive(Debug, Default)]
pub struct Links {
    by_slot: Vec<Option<(PeerKey, Link)>>,
}

impl Links {
    /// Records that `stream` carries session `key` to `host`.
    pub fn insert(&mut self, stream: StreamId, key: PeerKey, host: HostId) {
        let slot = key.slot();
        if self.by_slot.len() <= slot {
            self.by_slot.resize_with(slot + 1, || None);
        }
        let link = Link {
            stream,
            host,
            to_upload: VecDeque::new(),
        };
        self.by_slot[slot] = Some((key, link));
    }

    /// Session `key`'s connection.
    pub fn link(&mut self, key: PeerKey) -> Option<&mut Link> {
        match self.by_slot.get_mut(key.slot())? {
            Some((k, link)) if *k == key => Some(link),
            _ => None,
        }
    }

    /// Forgets session `key`; returns its stream and host.
    pub fn remove(&mut self, key: PeerKey) -> Option<(StreamId, HostId)> {
        let entry = self.by_slot.get_mut(key.slot())?;
        if entry.as_ref().is_none_or(|(k, _)| *k != key) {
            return None;
        }
        let (_, link) = entry.take()?;
        Some((link.stream, link.host))
    }
}
