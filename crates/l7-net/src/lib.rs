//! Tokio drivers: they own sockets, tasks and clocks, and move bytes between
//! the network and l7's sans-IO protocol cores. Every server here binds first
//! (so `l7 up` can report a role that fails to start) and then runs until a
//! [`Shutdown`] token fires, with a timeout on every read and a bound on
//! connections.
#![forbid(unsafe_code)]

pub mod chat;
pub mod dash;
pub mod dns;
pub mod echo;
pub mod error;
pub mod http;
pub mod mail;
pub mod p2p;
pub mod ping;
pub mod prefix;
pub mod rtt;
pub mod shape;
pub mod shutdown;
mod sockaddr;
pub mod tcp;
pub mod tls;
pub mod tls_client;

pub use error::NetError;
pub use shutdown::Shutdown;
