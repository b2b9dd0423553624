//! Robust MPC (Yin, Jindal, Sekar, Sinopoli, "A Control-Theoretic Approach
//! for Dynamic Adaptive Video Streaming over HTTP", SIGCOMM 2015): predict
//! throughput as the harmonic mean of recent segments discounted by the
//! largest relative prediction error seen lately, then try every rung
//! sequence over the next five segments on a model of the buffer and take
//! the first rung of the sequence with the best QoE_lin (bitrate in
//! Mbit/s, minus 4.3 per second of rebuffering, minus bitrate changes).

use std::collections::VecDeque;

use super::AbrInput;

/// Segments looked ahead.
pub const HORIZON: usize = 5;
/// Past prediction errors remembered.
const ERROR_WINDOW: usize = 5;
/// Most rung sequences tried per decision (the horizon shrinks on ladders
/// so large that rungs^5 would exceed it).
const MAX_SEQUENCES: usize = 50_000;
/// QoE_lin's rebuffering penalty per second (Pensieve's μ for Mbit/s).
pub const REBUFFER_PENALTY: f64 = 4.3;

/// Robust MPC with its prediction-error memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mpc {
    last_prediction: Option<f64>,
    errors: VecDeque<f64>,
}

impl Mpc {
    /// The rung that starts the best sequence under the robust prediction.
    pub fn choose(&mut self, input: &AbrInput<'_>) -> usize {
        if let (Some(pred), Some(actual)) = (self.last_prediction, input.throughput.last()) {
            if self.errors.len() == ERROR_WINDOW {
                self.errors.pop_front();
            }
            self.errors.push_back((pred - actual).abs() / actual);
        }
        let Some(hm) = input.throughput.harmonic_mean() else {
            return 0;
        };
        self.last_prediction = Some(hm);
        let max_error = self.errors.iter().copied().fold(0.0, f64::max);
        let predicted = hm / (1.0 + max_error);
        best_first_rung(input, predicted)
    }
}

/// Exhaustive search over rung sequences of the horizon.
fn best_first_rung(input: &AbrInput<'_>, predicted_bps: f64) -> usize {
    let n = input.bitrates.len();
    let mut horizon = HORIZON.min(input.upcoming_s.len()).max(1);
    while horizon > 1
        && n.checked_pow(horizon as u32)
            .is_none_or(|c| c > MAX_SEQUENCES)
    {
        horizon -= 1;
    }
    let count = n.pow(horizon as u32);
    let start_mbps = input.last_rung.map(|r| input.bitrates[r.min(n - 1)] / 1e6);
    let mut best = (0, f64::NEG_INFINITY);
    for code in 0..count {
        let mut rest = code;
        let mut first = 0;
        let (mut buffer, mut qoe, mut prev) = (input.buffer_s, 0.0, start_mbps);
        for (k, &seg_s) in input.upcoming_s[..horizon].iter().enumerate() {
            let rung = rest % n;
            rest /= n;
            if k == 0 {
                first = rung;
            }
            let bitrate = input.bitrates[rung];
            let download_s = bitrate * seg_s / predicted_bps;
            let rebuffer = (download_s - buffer).max(0.0);
            buffer = ((buffer - download_s).max(0.0) + seg_s).min(input.buffer_cap_s);
            let mbps = bitrate / 1e6;
            qoe += mbps - REBUFFER_PENALTY * rebuffer - prev.map_or(0.0, |p: f64| (mbps - p).abs());
            prev = Some(mbps);
        }
        if qoe > best.1 {
            best = (first, qoe);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::super::tests::{history, input};
    use super::*;

    #[test]
    fn chooses_what_the_link_and_buffer_sustain() {
        let mut m = Mpc::default();
        let fast = history(5e6, 5);
        assert_eq!(m.choose(&input(&fast, 20.0, Some(5))), 5);
        let mut m = Mpc::default();
        let slow = history(1e6, 5);
        let r = m.choose(&input(&slow, 2.0, Some(2)));
        assert!(
            r <= 2,
            "cannot sustain above 1 Mbit/s on a short buffer: {r}"
        );
    }

    #[test]
    fn prediction_errors_make_it_cautious() {
        let mut steady = Mpc::default();
        let mut burned = Mpc::default();
        let t = history(2e6, 5);
        let _ = steady.choose(&input(&t, 4.0, Some(3)));
        // A prediction twice the measured throughput: 100% error.
        burned.last_prediction = Some(4e6);
        let a = steady.choose(&input(&t, 4.0, Some(3)));
        let b = burned.choose(&input(&t, 4.0, Some(3)));
        assert!(b < a, "robust discount lowers the choice: {b} vs {a}");
    }
}
