//! BitTorrent drivers: the tracker over HTTP and UDP ([`tracker`]).

pub mod tracker;
