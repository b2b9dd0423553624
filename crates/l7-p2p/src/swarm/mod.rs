//! The swarm engine, sans-IO: the [`PiecePicker`] (random first, rarest
//! first, strict priority, endgame), the [`Choker`] (tit-for-tat with an
//! optimistic unchoke), rolling [`RateEstimator`]s, the per-peer session
//! ([`PeerConn`]) and the [`Torrent`] engine that owns them all.

mod assembly;
mod choker;
mod peer_conn;
mod peer_table;
mod picker;
mod rate;
mod slots;
mod sorted_map;
mod timers;
mod torrent;

pub use assembly::{HeldBlock, NewPieceHasher, PieceHasher, Sha1Hasher};
pub use choker::{
    Choker, ChokerPeer, NEW_PEER_AGE, OPTIMISTIC_INTERVAL, RECHOKE_INTERVAL, SNUB_TIME,
    UNCHOKE_SLOTS,
};
pub use peer_conn::{
    HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, KEEPALIVE_INTERVAL, MAX_PIPELINE, MIN_PIPELINE, OUR_UT_PEX_ID,
    PIPELINE_SECONDS, PeerConn, PeerError, PeerEvent, REQUEST_TIMEOUT,
};
pub use peer_table::PeerTable;
pub use picker::{BlockReceipt, PiecePicker, RANDOM_FIRST_PIECES};
pub use rate::{RATE_WINDOW, RateEstimator};
pub use torrent::{
    Direction, MAX_PEX_PEERS, MAX_STRIKES, PEX_INTERVAL, Torrent, TorrentConfig, TorrentEvent,
    TorrentStats,
};

/// A connected peer's handle, chosen by the engine; drivers key sockets by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerKey(pub u64);

impl PeerKey {
    /// The session's slot in the engine: no two live sessions share one,
    /// and slots stay below the most sessions ever open at once, so a
    /// driver can keep its own per-session state in a vector indexed by
    /// it (checking the whole key: a slot outlives its session).
    pub fn slot(self) -> usize {
        (self.0 & u64::from(u32::MAX)) as usize
    }
}
