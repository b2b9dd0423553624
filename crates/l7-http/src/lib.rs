//! l7's sans-IO HTTP/1.1 core: the wire format ([`wire`]), a server-side
//! connection state machine ([`server`]), static-file decisions ([`files`]),
//! cookies ([`cookie`]), the cookie demo shop's pages ([`shop`]) and a
//! client-side response reader ([`client`]).
//! Nothing here reads a clock or touches a socket: drivers pass bytes and
//! time in and take bytes and events out.
#![forbid(unsafe_code)]

pub mod cache;
pub mod client;
pub mod cookie;
pub mod files;
#[doc(hidden)]
pub mod fuzz_support;
pub mod server;
pub mod shop;
pub mod wire;
