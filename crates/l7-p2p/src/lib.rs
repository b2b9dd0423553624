//! Sans-IO BitTorrent core of l7: bencode, metainfo (.torrent files), the
//! peer wire protocol, the tracker (server and client sides), the swarm
//! engine (piece picker, choker, per-peer sessions, torrent engine) and piece
//! storage. Nothing here does network IO or reads a clock: time is an
//! [`l7_wire::Instant`] argument and randomness comes from a caller-seeded RNG,
//! so the same engine runs under tokio and under the simulator.
//!
//! Map, bottom up: [`bencode`] → [`metainfo`] (info-hash, [`metainfo::Layout`])
//! → [`peer_wire`] → [`swarm`] ([`swarm::Torrent`] is where a driver starts);
//! [`tracker`] is independent of the swarm; [`storage`] is the only module
//! touching the file system.
//!
//! Invariants (what never happens):
//! - a piece is announced (HAVE) or handed to storage before its SHA-1 matched;
//! - the resume file lists a piece before its data was fsynced;
//! - a file is written outside the download directory (path components are validated);
//! - a parser panics, or allocates more than its input and named limits allow;
//! - the info-hash is computed over re-encoded bytes rather than the bytes received;
//! - the tracker believes a claimed `ip=` over the packet's source address.
#![forbid(unsafe_code)]

pub mod bencode;
pub mod compact;
pub mod metainfo;
pub mod peer_wire;
pub mod percent;
pub mod storage;
pub mod swarm;
pub mod tracker;
