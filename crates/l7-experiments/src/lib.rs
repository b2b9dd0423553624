//! `l7-experiments`: the course's quantitative claims reproduced on l7's
//! real engines in the [`l7_sim`] simulator, each as a function returning
//! serialisable results and a [`plot::Chart`]. The CLI (`l7 sim ...`) only
//! parses arguments and prints.
//!
//! * [`p2p`]: distribution time, P2P against client-server and the
//!   course's bounds; free riders; rarest first against random selection.
//! * [`http`]: page load time, non-persistent / persistent / pipelined /
//!   multiplexed, against the course's RTT formulas; head-of-line blocking.
//! * [`dash`]: DASH streaming over a bandwidth trace: the player's ABR
//!   algorithms compared on rebuffering, bitrate and QoE.
//! * [`dns`]: the resolver's cache, cold walk against cached answers, and
//!   the effect of TTLs.
//!
//! Every experiment is deterministic: the same parameters and seed give
//! the same numbers.
#![forbid(unsafe_code)]

pub mod dash;
pub mod dns;
pub mod http;
pub mod p2p;
pub mod plot;
