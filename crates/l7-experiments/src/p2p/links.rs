//! A peer's table of connections: which engine session each simulator
//! stream carries, and back. A peer has at most a few dozen, looked up on
//! every block, so both directions are sorted vectors searched by bisection
//! (compact, unlike a tree's scattered nodes across a thousand peers).

use l7_p2p::swarm::PeerKey;
use l7_sim::{HostId, StreamId};

/// Streams ↔ sessions, with the host at the other end.
#[derive(Debug, Default)]
pub struct Links {
    /// Sorted by stream.
    by_stream: Vec<(StreamId, PeerKey, HostId)>,
    /// Sorted by session.
    by_key: Vec<(PeerKey, StreamId)>,
}

impl Links {
    /// Records that `stream` carries session `key` to `host`.
    pub fn insert(&mut self, stream: StreamId, key: PeerKey, host: HostId) {
        if let Err(i) = self.by_stream.binary_search_by_key(&stream, |e| e.0) {
            self.by_stream.insert(i, (stream, key, host));
        }
        if let Err(i) = self.by_key.binary_search_by_key(&key, |e| e.0) {
            self.by_key.insert(i, (key, stream));
        }
    }

    /// The session `stream` carries, and the host at its other end.
    pub fn session(&self, stream: StreamId) -> Option<(PeerKey, HostId)> {
        let i = self.by_stream.binary_search_by_key(&stream, |e| e.0).ok()?;
        let (_, key, host) = self.by_stream[i];
        Some((key, host))
    }

    /// The stream carrying session `key`.
    pub fn stream(&self, key: PeerKey) -> Option<StreamId> {
        let i = self.by_key.binary_search_by_key(&key, |e| e.0).ok()?;
        Some(self.by_key[i].1)
    }

    /// Forgets `stream`; returns its session and host.
    pub fn remove_stream(&mut self, stream: StreamId) -> Option<(PeerKey, HostId)> {
        let i = self.by_stream.binary_search_by_key(&stream, |e| e.0).ok()?;
        let (_, key, host) = self.by_stream.remove(i);
        if let Ok(j) = self.by_key.binary_search_by_key(&key, |e| e.0) {
            self.by_key.remove(j);
        }
        Some((key, host))
    }

    /// Forgets session `key`; returns its stream and host.
    pub fn remove_session(&mut self, key: PeerKey) -> Option<(StreamId, HostId)> {
        let stream = self.stream(key)?;
        self.remove_stream(stream).map(|(_, host)| (stream, host))
    }
}
