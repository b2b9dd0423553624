//! The knobs of a simulation: per-host access capacities, per-path link
//! properties, and the simulator-wide configuration (seed, stream model
//! granularity, tracing).

use std::time::Duration;

/// A host's access link: what it can upload and download, in bits/s, and the
/// bound of its outgoing datagram queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostParams {
    /// Upload capacity, bits/s.
    pub up_bps: u64,
    /// Download capacity, bits/s.
    pub down_bps: u64,
    /// Drop-tail bound of the host's outgoing datagram queue, bytes.
    pub queue_bytes: u64,
}

impl HostParams {
    /// Upload `up_bps` and download `down_bps`, with the default queue bound.
    pub fn new(up_bps: u64, down_bps: u64) -> Self {
        HostParams {
            up_bps,
            down_bps,
            ..HostParams::default()
        }
    }

    /// The same capacity both ways.
    pub fn symmetric(bps: u64) -> Self {
        HostParams::new(bps, bps)
    }
}

impl Default for HostParams {
    /// 100 Mbit/s both ways, a 256 KiB datagram queue.
    fn default() -> Self {
        HostParams {
            up_bps: 100_000_000,
            down_bps: 100_000_000,
            queue_bytes: 256 * 1024,
        }
    }
}

/// One direction of the path between two hosts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkParams {
    /// One-way propagation delay.
    pub latency: Duration,
    /// Extra delay drawn uniformly from `[0, jitter]` per datagram (seeded).
    pub jitter: Duration,
    /// Probability that a datagram is lost (seeded), 0 to 1.
    pub loss: f64,
    /// Bottleneck bandwidth of the path in bits/s, shared by everything sent
    /// over it (datagrams queue here; streams share it max-min fairly).
    /// `None`: only the hosts' access capacities limit traffic.
    pub bandwidth_bps: Option<u64>,
    /// Drop-tail bound of the bottleneck's datagram queue, bytes.
    pub queue_bytes: u64,
}

impl LinkParams {
    /// A path with one-way `latency` and nothing else.
    pub fn with_latency(latency: Duration) -> Self {
        LinkParams {
            latency,
            ..LinkParams::default()
        }
    }
}

impl Default for LinkParams {
    /// 10 ms one way, no jitter, no loss, no bottleneck, a 64 KiB queue.
    fn default() -> Self {
        LinkParams {
            latency: Duration::from_millis(10),
            jitter: Duration::ZERO,
            loss: 0.0,
            bandwidth_bps: None,
            queue_bytes: 64 * 1024,
        }
    }
}

/// Simulator-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The seed every random stream derives from.
    pub seed: u64,
    /// The path used between hosts with no [`crate::Sim::set_link`] entry.
    pub default_link: LinkParams,
    /// Largest piece a stream delivers at once: a write larger than this
    /// arrives in pieces of this size, each at the time its last byte would.
    pub stream_piece_bytes: usize,
    /// Writes of at most this many bytes to an idle stream bypass the
    /// bandwidth-sharing model (like a lone segment): sent at the path's full
    /// rate without recomputing anyone's share. Consecutive small writes
    /// queued together are delivered together up to this size.
    pub small_write_bytes: usize,
    /// Minimum virtual time between two recomputations of the fair shares.
    /// Zero recomputes once per event time where anything changed (exact);
    /// a few milliseconds trades a little accuracy for speed in big swarms.
    pub rate_quantum: Duration,
    /// Keep a log of every event (for determinism checks and debugging).
    pub trace: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            default_link: LinkParams::default(),
            stream_piece_bytes: 64 * 1024,
            small_write_bytes: 1460,
            rate_quantum: Duration::ZERO,
            trace: false,
        }
    }
}
