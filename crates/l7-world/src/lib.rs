//! The world: a TOML file naming hosts, their loopback addresses and the
//! services they run ([`file`]); how ports move when standard ones may not be
//! bound ([`ports`]); the state file a running world leaves for l7's clients
//! ([`state`]); and starting every service of a world ([`start`]), the
//! BitTorrent sample seed among them ([`seed`]).
#![forbid(unsafe_code)]

pub mod file;
pub mod ports;
pub mod seed;
pub mod start;
pub mod state;

pub use file::{Host, Service, World};
pub use ports::PortPlan;
pub use state::WorldState;
