//! The world: a TOML file naming hosts, their loopback addresses and the
//! services they run ([`file`]); how ports move when standard ones may not be
//! bound ([`ports`]); the state file a running world leaves for l7's clients
//! ([`state`]); the world's certificate authority ([`ca`]); the embedded
//! web sites ([`sites`]); starting every service of a world ([`start`]),
//! mail servers with their accounts ([`mail`]), the BitTorrent sample seed
//! ([`seed`]), the DASH origin and its synthetic video ([`start_dash`]).
#![forbid(unsafe_code)]

pub mod ca;
pub mod file;
pub mod mail;
pub mod mail_access;
pub mod ports;
pub mod seed;
pub mod sites;
pub mod start;
pub mod start_dash;
mod start_proxy;
pub mod state;

pub use file::{Host, Service, World};
pub use ports::PortPlan;
pub use state::WorldState;
