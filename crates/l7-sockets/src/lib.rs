//! Sans-IO cores of the course's socket labs: the uppercasing echo
//! ([`upper`]), a line splitter with a length bound ([`line`]), the chat room
//! ([`chat`]), the UDP pinger's message format and seeded packet loss
//! ([`ping`]), round-trip-time statistics ([`stats`]), and the fuzzing entry
//! points ([`fuzz`]). The tokio drivers
//! in `l7-net` move bytes; everything decided about those bytes is here.
#![forbid(unsafe_code)]

pub mod chat;
pub mod fuzz;
pub mod line;
pub mod ping;
pub mod stats;
pub mod upper;
