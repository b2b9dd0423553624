//! The tracker, both sides: HTTP announce and scrape (BEP 3, BEP 23 compact
//! peers, BEP 7 `peers6`, BEP 48 scrape), the UDP tracker protocol (BEP 15)
//! with stateless connection IDs, and the [`Registry`] of swarms a tracker
//! server keeps. Client side: announce URLs, response parsing, and the UDP
//! exchange as a state machine ([`UdpTrackerClient`]).

mod announce;
mod connection_id;
mod peer_set;
mod query;
mod registry;
mod response;
mod scrape;
mod server;
mod udp;
mod udp_client;

pub use announce::{AnnounceRequest, Event, MAX_NUMWANT, announce_url};
pub use connection_id::ConnectionIds;
pub use registry::{AnnounceCounts, Registry, RegistryConfig};
pub use response::{AnnounceResponse, PeerEntry, encode_failure};
pub use scrape::{
    ScrapeStats, encode_scrape, parse_scrape_query, parse_scrape_response, scrape_url,
};
pub use server::{http_announce, http_scrape, udp_datagram, udp_reply};
pub use udp::{UdpAnnounce, UdpRequest, UdpResponse};
pub use udp_client::{UdpTrackerClient, UdpTrackerOutcome};

/// Why a tracker exchange failed, by who is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackerError {
    /// The client's request is malformed (server side: answer with a failure reason).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The info-hash is not on the whitelist.
    #[error("torrent not registered with this tracker")]
    NotWhitelisted,
    /// The tracker answered with a `failure reason` (client side).
    #[error("tracker failure: {0}")]
    Failure(String),
    /// The tracker's response is malformed (client side).
    #[error("malformed tracker response: {0}")]
    Malformed(String),
}
