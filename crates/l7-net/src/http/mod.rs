//! HTTP drivers: the origin server's connections ([`server`], HTTP/2 in
//! [`h2`]) and the
//! Combined Log Format access log ([`access_log`]).

pub mod access_log;
pub mod h2;
mod prefixed;
pub mod server;
