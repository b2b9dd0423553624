//! A serialising FIFO with a drop-tail bound, as on a router or a host's
//! network interface: packets leave one after another at the line rate, and
//! one that finds more than the bound's worth of bytes waiting is dropped.
//!
//! Only the time the line becomes free is stored: at a constant rate the
//! backlog at time t is (free_at − t) × rate, so an offer costs O(1).
//! Offers must come in nondecreasing time order (true for a host's uplink,
//! and for a path fed only by its sender's uplink).

use crate::clock::{nanos, serialisation_time};
use l7_wire::Instant;

/// A serialising drop-tail queue.
#[derive(Debug, Clone)]
pub(crate) struct Fifo {
    rate_bps: Option<u64>,
    limit_bytes: u64,
    free_at: Instant,
}

impl Fifo {
    /// A queue sending at `rate_bps` (`None`: infinitely fast, no queueing)
    /// that holds at most `limit_bytes`, counting the packet on the line.
    pub fn new(rate_bps: Option<u64>, limit_bytes: u64) -> Self {
        Fifo {
            rate_bps,
            limit_bytes,
            free_at: Instant::ZERO,
        }
    }

    pub fn set_rate(&mut self, rate_bps: Option<u64>) {
        self.rate_bps = rate_bps;
    }

    /// A packet of `bytes` arrives at `at`: the instant its last bit leaves,
    /// or `None` if it does not fit in the queue (drop-tail).
    pub fn offer(&mut self, at: Instant, bytes: u64) -> Option<Instant> {
        let Some(rate) = self.rate_bps else {
            return Some(at);
        };
        let waiting_ns = nanos(self.free_at).saturating_sub(nanos(at));
        let backlog = u128::from(waiting_ns) * u128::from(rate) / 8_000_000_000;
        if backlog + u128::from(bytes) > u128::from(self.limit_bytes) {
            return None;
        }
        let start = self.free_at.max(at);
        self.free_at = start + serialisation_time(bytes, rate);
        Some(self.free_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn serialises_and_drops_tail() {
        // 8 Mbit/s: 1000 bytes take 1 ms. Bound: 2000 bytes held.
        let mut q = Fifo::new(Some(8_000_000), 2000);
        let t0 = Instant::ZERO;
        assert_eq!(q.offer(t0, 1000), Some(Instant::from_millis(1)));
        assert_eq!(q.offer(t0, 1000), Some(Instant::from_millis(2)));
        // 2000 bytes are held: a third packet does not fit.
        assert_eq!(q.offer(t0, 1000), None);
        // One millisecond later the first has left: room for one more.
        assert_eq!(
            q.offer(Instant::from_millis(1), 1000),
            Some(Instant::from_millis(3))
        );
        // An idle line sends at once.
        assert_eq!(
            q.offer(Instant::from_millis(10), 500),
            Some(Instant::from_epoch(Duration::from_nanos(10_500_000)))
        );
        // Without a rate nothing queues.
        let mut fast = Fifo::new(None, 0);
        assert_eq!(fast.offer(t0, 9000), Some(t0));
    }
}
