//! l7's DNS core, sans-IO: nothing here opens a socket, reads a clock or
//! opens a file; drivers pass bytes and time in and take bytes out.
//!
//! - [`wire`]: the message format (RFC 1035 §4, RFC 3596, RFC 6891 with
//!   Client Subnet, RFC 3597 for unknown types). [`wire::Message`] is the
//!   owned form; [`wire::MessageView`] reads a query's header, question and
//!   EDNS without allocating; [`wire::MessageWriter`] emits with name
//!   compression in linear time and truncates at RRset boundaries.
//! - [`zone`]: RFC 1035 §5 master files into a checked, indexed
//!   [`zone::Zone`]; `$INCLUDE` goes through the caller's
//!   [`zone::IncludeResolver`].
//! - [`authority`]: [`authority::Authority::respond`] answers a query's
//!   bytes from a set of zones (referrals, wildcards, negative answers,
//!   EDNS, TC, AXFR to allowed clients); [`authority::notify`] builds NOTIFY.
//! - [`resolver`]: [`resolver::Resolver`], the iterative caching resolver
//!   as a state machine (`start`, `poll_transmit`, `handle_response`,
//!   `handle_timeout`, `poll_timeout`, `poll_event`).
#![forbid(unsafe_code)]

pub mod authority;
pub mod resolver;
pub mod wire;
pub mod zone;
