//! What a simulation records: an optional, deterministic log of every event
//! (the same seed gives the same log, line for line), per-host byte and
//! datagram counters, and [`Series`] of (time, value) points for plots.

use crate::clock::seconds;
use crate::ids::{Endpoint, HostId, StreamId};
use l7_wire::Instant;
use std::fmt;

/// Why a datagram never arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The sender's outgoing queue was full (drop-tail).
    HostQueueFull,
    /// The path's bottleneck queue was full (drop-tail).
    LinkQueueFull,
    /// Random loss on the path.
    Lost,
    /// No host has the destination address.
    NoRoute,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceEvent {
    /// A host's application started.
    Started(HostId),
    /// A datagram left `from`, bound for `to`.
    DatagramSent {
        from: Endpoint,
        to: Endpoint,
        len: usize,
    },
    /// A datagram was dropped or lost on its way.
    DatagramDropped {
        from: Endpoint,
        to: Endpoint,
        len: usize,
        reason: DropReason,
    },
    /// A datagram reached `to`.
    DatagramDelivered {
        from: Endpoint,
        to: Endpoint,
        len: usize,
    },
    /// `from` started connecting to `to`.
    Connect {
        stream: StreamId,
        from: Endpoint,
        to: Endpoint,
    },
    /// The stream became usable at `host` (acceptor on SYN, initiator on SYN-ACK).
    Opened { stream: StreamId, host: HostId },
    /// Stream bytes reached `host`.
    Data {
        stream: StreamId,
        host: HostId,
        len: usize,
    },
    /// The peer's end of the stream closed, as seen by `host`.
    Closed { stream: StreamId, host: HostId },
    /// A timer fired at `host`.
    Timer { host: HostId, token: u64 },
}

/// An event with its virtual time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRecord {
    /// When it happened.
    pub at: Instant,
    /// What happened.
    pub event: TraceEvent,
}

impl fmt::Display for TraceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9} ", seconds(self.at))?;
        match &self.event {
            TraceEvent::Started(h) => write!(f, "{h} start"),
            TraceEvent::DatagramSent { from, to, len } => write!(f, "{from} > {to} udp {len}B"),
            TraceEvent::DatagramDropped {
                from,
                to,
                len,
                reason,
            } => write!(f, "{from} > {to} udp {len}B dropped ({reason:?})"),
            TraceEvent::DatagramDelivered { from, to, len } => {
                write!(f, "{to} < {from} udp {len}B")
            }
            TraceEvent::Connect { stream, from, to } => write!(f, "{from} > {to} connect {stream}"),
            TraceEvent::Opened { stream, host } => write!(f, "{host} open {stream}"),
            TraceEvent::Data { stream, host, len } => write!(f, "{host} < {stream} {len}B"),
            TraceEvent::Closed { stream, host } => write!(f, "{host} closed {stream}"),
            TraceEvent::Timer { host, token } => write!(f, "{host} timer {token}"),
        }
    }
}

/// Per-host totals, always kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostCounters {
    /// Datagrams handed to the network (including those later dropped).
    pub datagrams_sent: u64,
    /// Payload bytes of those datagrams.
    pub datagram_bytes_sent: u64,
    /// Datagrams that arrived here.
    pub datagrams_received: u64,
    /// Payload bytes of those datagrams.
    pub datagram_bytes_received: u64,
    /// Datagrams this host sent that were dropped or lost.
    pub datagrams_dropped: u64,
    /// Stream bytes this host put on the wire.
    pub stream_bytes_sent: u64,
    /// Stream bytes delivered to this host.
    pub stream_bytes_received: u64,
}

/// Counts describing the simulator's own work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Events taken off the queue (including stale ones).
    pub events: u64,
    /// Times the fair shares were recomputed.
    pub rate_recomputations: u64,
    /// Streams opened.
    pub streams: u64,
    /// Most flows active at once.
    pub peak_active_flows: usize,
}

/// A named sequence of (seconds, value) points, e.g. a buffer level over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// What the values are.
    pub name: String,
    /// (seconds since the epoch, value), in the order pushed.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// An empty series called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Series {
            name: name.into(),
            points: Vec::new(),
        }
    }

    /// Appends `value` at `at`.
    pub fn push(&mut self, at: Instant, value: f64) {
        self.points.push((seconds(at), value));
    }

    /// The last value pushed.
    pub fn last(&self) -> Option<f64> {
        self.points.last().map(|p| p.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_print_with_nanosecond_times() {
        let rec = TraceRecord {
            at: Instant::from_millis(1500),
            event: TraceEvent::Data {
                stream: StreamId(3),
                host: HostId(1),
                len: 42,
            },
        };
        assert_eq!(rec.to_string(), "1.500000000 h1 < s3 42B");
        let mut s = Series::new("buffer");
        s.push(Instant::from_millis(250), 2.0);
        assert_eq!(s.points, [(0.25, 2.0)]);
        assert_eq!(s.last(), Some(2.0));
    }
}
