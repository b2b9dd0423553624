//! HTTP drivers: the origin server's connections ([`server`], HTTP/2 in
//! [`h2`]), the Combined Log Format access log ([`access_log`]), and the
//! cookie demo shop with its SQLite database ([`shop`]).

pub mod access_log;
pub mod h2;
mod prefixed;
pub mod server;
pub mod shop;
