//! HTTP drivers: the origin server's connections ([`server`]) and the
//! Combined Log Format access log ([`access_log`]).

pub mod access_log;
pub mod server;
