//! BitTorrent drivers: the tracker over HTTP and UDP ([`tracker`]); making
//! torrents with pieces hashed on every core ([`create`]).

pub mod create;
pub mod tracker;
