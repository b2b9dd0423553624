//! Rate-based ABR: the highest rung whose bitrate fits under a safety
//! share of the harmonic mean of recent throughput (the "RB" baseline of
//! Yin et al. 2015 and Pensieve). Without a measurement it starts lowest.

use super::AbrInput;

/// Rate-based selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateBased {
    /// Share of the estimate a rung may use (0.9, dash.js's
    /// bandwidthSafetyFactor).
    pub safety: f64,
}

impl Default for RateBased {
    fn default() -> Self {
        RateBased { safety: 0.9 }
    }
}

impl RateBased {
    /// The rung under `safety` × harmonic mean.
    pub fn choose(&self, input: &AbrInput<'_>) -> usize {
        input
            .throughput
            .harmonic_mean()
            .map_or(0, |bps| input.highest_below(self.safety * bps))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{history, input};
    use super::*;

    #[test]
    fn picks_the_highest_rung_under_the_safety_share() {
        let r = RateBased::default();
        // 0.9 × 5 Mbit/s = 4.5 Mbit/s: the top rung (4.3 Mbit/s) fits.
        assert_eq!(r.choose(&input(&history(5e6, 5), 0.0, None)), 5);
        // 0.9 × 2 Mbit/s = 1.8 Mbit/s: 1.75 Mbit/s fits, 3 Mbit/s does not.
        assert_eq!(r.choose(&input(&history(2e6, 5), 0.0, None)), 3);
        assert_eq!(r.choose(&input(&history(1e5, 5), 0.0, None)), 0);
    }
}
