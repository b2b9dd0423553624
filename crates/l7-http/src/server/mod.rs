//! The server side of an HTTP/1.1 connection (RFC 9112 §9): a sans-IO state
//! machine that turns received bytes into request events and the
//! application's responses into bytes, with persistence, pipelining,
//! `Expect: 100-continue`, limits and read timeouts from passed-in time; and
//! the round-robin [`interleave`] of response bodies on an HTTP/2 connection.

mod config;
mod connection;
mod event;
pub mod interleave;
mod response_writer;

pub use config::ServerConfig;
pub use connection::ServerConnection;
pub use event::{ApiError, Request, ServerEvent};
