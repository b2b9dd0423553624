//! BitTorrent drivers: the tracker over HTTP and UDP ([`tracker`],
//! [`tracker_udp`]); making
//! torrents with pieces hashed on every core ([`create`]); and the peer
//! driver ([`swarm`]) with its tracker client ([`announce`]), connection
//! tasks ([`peer_io`]), rate limits ([`limit`]) storage thread ([`disk`]) and
//! `--trace` lines ([`trace`]).

pub mod announce;
pub mod create;
pub mod disk;
pub mod limit;
pub mod peer_io;
pub mod swarm;
pub mod trace;
pub mod tracker;
pub mod tracker_udp;
