//! Throughput estimation from finished downloads: the harmonic mean of the
//! last few segments (robust to one fast outlier; MPC and Pensieve use it)
//! and dash.js's pair of exponentially weighted moving averages, weighted
//! by download time with half-lives of 3 s and 8 s, taking the smaller.

use std::collections::VecDeque;

/// Segments the harmonic mean looks back over.
pub const WINDOW: usize = 5;
/// Half-life of the fast EWMA, in seconds of download time.
const FAST_HALF_LIFE_S: f64 = 3.0;
/// Half-life of the slow EWMA, in seconds of download time.
const SLOW_HALF_LIFE_S: f64 = 8.0;

/// An exponentially weighted moving average whose samples weigh by the
/// time they took, with the zero-start bias corrected (as dash.js does).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Ewma {
    estimate: f64,
    weight_s: f64,
}

impl Ewma {
    fn push(&mut self, half_life_s: f64, value: f64, secs: f64) {
        let alpha = 0.5_f64.powf(secs / half_life_s);
        self.estimate = alpha * self.estimate + (1.0 - alpha) * value;
        self.weight_s += secs;
    }

    fn get(&self, half_life_s: f64) -> Option<f64> {
        let zero_factor = 1.0 - 0.5_f64.powf(self.weight_s / half_life_s);
        (self.weight_s > 0.0 && zero_factor > 0.0).then(|| self.estimate / zero_factor)
    }
}

/// Throughput samples of recent downloads, in bit/s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Throughput {
    recent: VecDeque<f64>,
    fast: Ewma,
    slow: Ewma,
}

impl Throughput {
    /// Records a download of `bytes` that took `secs` (ignored when either
    /// is zero or not finite).
    pub fn push(&mut self, bytes: u64, secs: f64) {
        if bytes == 0 || !(secs.is_finite() && secs > 0.0) {
            return;
        }
        let bps = bytes as f64 * 8.0 / secs;
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(bps);
        self.fast.push(FAST_HALF_LIFE_S, bps, secs);
        self.slow.push(SLOW_HALF_LIFE_S, bps, secs);
    }

    /// The last sample, in bit/s.
    pub fn last(&self) -> Option<f64> {
        self.recent.back().copied()
    }

    /// The harmonic mean of the last [`WINDOW`] samples, in bit/s.
    pub fn harmonic_mean(&self) -> Option<f64> {
        if self.recent.is_empty() {
            return None;
        }
        let inv: f64 = self.recent.iter().map(|b| 1.0 / b).sum();
        Some(self.recent.len() as f64 / inv)
    }

    /// The smaller of the fast and slow EWMAs, in bit/s.
    pub fn ewma(&self) -> Option<f64> {
        let fast = self.fast.get(FAST_HALF_LIFE_S)?;
        let slow = self.slow.get(SLOW_HALF_LIFE_S)?;
        Some(fast.min(slow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmonic_mean_of_recent_samples() {
        let mut t = Throughput::default();
        assert_eq!(t.harmonic_mean(), None);
        t.push(1_000_000, 8.0); // 1 Mbit/s
        t.push(1_000_000, 2.0); // 4 Mbit/s
        let hm = t.harmonic_mean().unwrap();
        assert!((hm - 1.6e6).abs() < 1.0, "{hm}");
        for _ in 0..WINDOW {
            t.push(1_000_000, 1.0);
        }
        assert!(
            (t.harmonic_mean().unwrap() - 8e6).abs() < 1.0,
            "old samples age out"
        );
        t.push(0, 1.0);
        t.push(1, 0.0);
        assert_eq!(t.last(), Some(8e6));
    }

    #[test]
    fn ewma_is_unbiased_and_follows_long_samples() {
        let mut t = Throughput::default();
        t.push(2_500_000, 4.0); // 5 Mbit/s
        assert!(
            (t.ewma().unwrap() - 5e6).abs() < 1.0,
            "one sample is itself"
        );
        t.push(2_000_000, 20.0); // 0.8 Mbit/s for 20 s
        let e = t.ewma().unwrap();
        assert!(e < 1.0e6, "a long slow download dominates: {e}");
    }
}
