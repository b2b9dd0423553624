//! The iterative caching resolver (the "local DNS server"), sans-IO: a
//! [`Resolver`] with its [`Cache`], root hints, a hosts file, and the
//! response classification that keeps out-of-bailiwick data away.

mod answers;
mod cache;
mod classify;
mod engine;
mod hints;
mod hosts;
mod servers;
#[cfg(test)]
mod walk_count;

pub use answers::{AnswerCache, EDNS_UDP_LIMIT};
pub use cache::{Cache, Cached, MAX_CACHE_TTL, MAX_NEGATIVE_TTL, Rank};
pub use classify::{Outcome, classify};
pub use engine::{Resolved, Resolver, ResolverConfig, Transmit};
pub use hints::{RootHint, parse_root_hints};
pub use hosts::{HOSTS_TTL, Hosts};
pub use servers::{MAX_RTT, ServerStats, UNKNOWN_RTT};
