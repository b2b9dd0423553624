//! Datagrams (UDP-like): unreliable, unordered, one send is one arrival.
//!
//! A datagram is serialised onto the sender's uplink (its upload rate, with
//! the host's drop-tail bound), then through the path's bottleneck queue if
//! the path has one (its bandwidth and bound), may be lost on the path with
//! the path's probability, and arrives after the path's latency plus a
//! uniform jitter. Loss and jitter are drawn from the sender's network
//! stream, so they depend only on the seed and on what that host sent.
//! Payload bytes are what is serialised (no header overhead is added).
//! A datagram to an address no host has is dropped (`NoRoute`).

use crate::core::{Core, Event};
use crate::ids::Endpoint;
use crate::trace::{DropReason, TraceEvent};
use rand::Rng;
use std::time::Duration;

impl Core {
    /// Hands a datagram from `from` to the network, bound for `to`.
    pub(crate) fn send_datagram(&mut self, from: Endpoint, to: Endpoint, payload: Vec<u8>) {
        let len = payload.len();
        let size = len as u64;
        let counters = self.counters(from.host);
        counters.datagrams_sent += 1;
        counters.datagram_bytes_sent += size;
        self.record(TraceEvent::DatagramSent { from, to, len });

        if to.host.index() >= self.hosts.len() {
            return self.drop_datagram(from, to, len, DropReason::NoRoute);
        }
        let now = self.now;
        let Some(on_wire) = self.hosts[from.host.index()].uplink.offer(now, size) else {
            return self.drop_datagram(from, to, len, DropReason::HostQueueFull);
        };
        let params = self.link_params(from.host, to.host);
        let past_bottleneck = if params.bandwidth_bps.is_some() {
            self.link_state(from.host, to.host, None)
                .queue
                .offer(on_wire, size)
        } else {
            Some(on_wire)
        };
        let Some(departed) = past_bottleneck else {
            return self.drop_datagram(from, to, len, DropReason::LinkQueueFull);
        };
        let rng = &mut self.hosts[from.host.index()].net_rng;
        if params.loss > 0.0 && rng.random::<f64>() < params.loss {
            return self.drop_datagram(from, to, len, DropReason::Lost);
        }
        let jitter = if params.jitter.is_zero() {
            Duration::ZERO
        } else {
            let max = u64::try_from(params.jitter.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(rng.random_range(0..=max))
        };
        let at = departed + params.latency + jitter;
        self.queue.push(at, Event::Datagram { from, to, payload });
    }

    fn drop_datagram(&mut self, from: Endpoint, to: Endpoint, len: usize, reason: DropReason) {
        self.counters(from.host).datagrams_dropped += 1;
        self.record(TraceEvent::DatagramDropped {
            from,
            to,
            len,
            reason,
        });
    }
}
