//! SMTP (RFC 5321): the wire types (commands, replies, paths) and the two
//! sans-IO sessions, the receiving [`server`] and the relaying [`client`].

pub mod address;
pub mod client;
pub mod command;
pub mod reply;
pub mod server;
pub mod trace;
