//! Rolling transfer rates: bytes counted into one-second buckets over a
//! window of 20 s (the reference client's "rolling 20-second average"), fed
//! by the driver with byte counts and passed-in instants. A young estimator
//! divides by the time since its first byte instead, so a new peer's rate is
//! not underestimated while the window fills.

use std::collections::VecDeque;
use std::time::Duration;

use l7_wire::Instant;

/// Length of the averaging window.
pub const RATE_WINDOW: Duration = Duration::from_secs(20);

/// A rolling average of bytes per second.
#[derive(Debug, Clone, Default)]
pub struct RateEstimator {
    /// (second since epoch, bytes in that second), oldest first; at most 20 entries.
    buckets: VecDeque<(u64, u64)>,
    /// Sum of the buckets' bytes, so a rate costs only the stale buckets.
    in_buckets: u64,
    /// The oldest bucket's second: while it is in the window, a rate
    /// reads no bucket (a choking round asks every peer's).
    oldest_bucket: u64,
    total: u64,
    first_second: Option<u64>,
    last_activity: Option<Instant>,
}

impl RateEstimator {
    /// Counts `bytes` transferred at `now`.
    pub fn record(&mut self, now: Instant, bytes: u64) {
        let second = now.since_epoch().as_secs();
        let oldest = second.saturating_sub(RATE_WINDOW.as_secs() - 1);
        while let Some(&(s, b)) = self.buckets.front()
            && s < oldest
        {
            self.in_buckets -= b;
            self.buckets.pop_front();
        }
        self.in_buckets += bytes;
        match self.buckets.back_mut() {
            Some((s, b)) if *s == second => *b += bytes,
            _ => self.buckets.push_back((second, bytes)),
        }
        self.oldest_bucket = self.buckets.front().map_or(second, |&(s, _)| s);
        self.total += bytes;
        self.first_second.get_or_insert(second);
        self.last_activity = Some(now);
    }

    /// Bytes per second over the window ending at `now` (or since the first
    /// byte, if that is more recent).
    pub fn rate(&self, now: Instant) -> f64 {
        let Some(first) = self.first_second else {
            return 0.0;
        };
        let second = now.since_epoch().as_secs();
        let oldest = second.saturating_sub(RATE_WINDOW.as_secs() - 1);
        let stale: u64 = if self.oldest_bucket >= oldest {
            0
        } else {
            self.buckets
                .iter()
                .take_while(|(s, _)| *s < oldest)
                .map(|(_, b)| b)
                .sum()
        };
        let sum = self.in_buckets - stale;
        let span = (second.saturating_sub(first) + 1).min(RATE_WINDOW.as_secs());
        sum as f64 / span as f64
    }

    /// Bytes ever recorded.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// When bytes were last recorded.
    pub fn last_activity(&self) -> Option<Instant> {
        self.last_activity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides() {
        let mut r = RateEstimator::default();
        assert_eq!(r.rate(Instant::ZERO), 0.0);
        r.record(Instant::from_millis(0), 20_000);
        r.record(Instant::from_millis(500), 20_000);
        // Young: 40 000 bytes over the 1 s, then 2 s, since the first byte.
        assert_eq!(r.rate(Instant::from_millis(900)), 40_000.0);
        assert_eq!(r.rate(Instant::from_millis(1000)), 20_000.0);
        // Full window: 40 000 bytes over 20 s, then out of the window.
        assert_eq!(r.rate(Instant::from_millis(19_999)), 2_000.0);
        assert_eq!(r.rate(Instant::from_millis(20_000)), 0.0);
        r.record(Instant::from_millis(40_000), 10);
        assert_eq!(r.buckets.len(), 1);
        assert_eq!(r.total(), 40_010);
        assert_eq!(r.last_activity(), Some(Instant::from_millis(40_000)));
    }
}
