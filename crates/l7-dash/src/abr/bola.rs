//! BOLA-BASIC (Spiteri, Urgaonkar, Sitaraman, "BOLA: Near-Optimal Bitrate
//! Adaptation for Online Videos", INFOCOM 2016), in the parameterisation
//! dash.js uses: utilities v_m = ln(S_m / S_1) + 1 (the paper's
//! ln(bitrate/min), shifted so the lowest rung is worth 1), and the rung
//! maximising (V·(v_m + γp) − Q) / S_m for buffer level Q in seconds. V and
//! γp are set so the lowest rung is chosen below a minimum buffer and the
//! highest once the buffer reaches its target. BOLA reads only the buffer:
//! no throughput estimate.

use super::AbrInput;

/// Buffer (s) below which BOLA keeps to the lowest rung (dash.js
/// MINIMUM_BUFFER_S).
const MIN_BUFFER_S: f64 = 10.0;
/// Extra target buffer per rung (dash.js MINIMUM_BUFFER_PER_BITRATE_LEVEL_S).
const BUFFER_PER_RUNG_S: f64 = 2.0;
/// dash.js's stable buffer time, the least target.
const STABLE_BUFFER_S: f64 = 12.0;

/// BOLA-BASIC. Stateless: the buffer level is its whole input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bola;

/// V and γp for a ladder and buffer cap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Params {
    v: f64,
    gp: f64,
    min_buffer_s: f64,
}

impl Bola {
    /// The buffer level at which BOLA reaches the top rung: the larger of
    /// the stable buffer and 10 s + 2 s per rung, kept a segment under the cap.
    pub fn target_s(input: &AbrInput<'_>) -> f64 {
        let want =
            STABLE_BUFFER_S.max(MIN_BUFFER_S + BUFFER_PER_RUNG_S * input.bitrates.len() as f64);
        let next = input.upcoming_s.first().copied().unwrap_or(0.0);
        want.min(input.buffer_cap_s - next).max(2.0)
    }

    fn params(input: &AbrInput<'_>) -> Params {
        let target = Self::target_s(input);
        let min_buffer_s = MIN_BUFFER_S.min(target / 2.0);
        let top = utility(input, input.top());
        // dash.js BolaRule: gp = (v_max − 1) / (target / min − 1); V = min / gp.
        let gp = (top - 1.0) / (target / min_buffer_s - 1.0);
        Params {
            v: min_buffer_s / gp,
            gp,
            min_buffer_s,
        }
    }

    /// The rung with the best BOLA score at the current buffer level.
    pub fn choose(&self, input: &AbrInput<'_>) -> usize {
        let p = Self::params(input);
        if !(p.gp.is_finite() && p.gp > 0.0) || input.buffer_s < p.min_buffer_s / 2.0 {
            return 0;
        }
        let mut best = (0, f64::NEG_INFINITY);
        for (m, &bitrate) in input.bitrates.iter().enumerate() {
            let score = (p.v * (utility(input, m) + p.gp) - input.buffer_s) / bitrate;
            if score >= best.1 {
                best = (m, score);
            }
        }
        best.0
    }
}

/// v_m = ln(S_m / S_1) + 1.
fn utility(input: &AbrInput<'_>, m: usize) -> f64 {
    (input.bitrates[m] / input.bitrates[0]).ln() + 1.0
}

#[cfg(test)]
mod tests {
    use super::super::tests::{history, input};
    use super::*;

    #[test]
    fn rung_rises_with_the_buffer_and_ignores_throughput() {
        let t = history(100e6, 5);
        let mut last = 0;
        for q in 0..30 {
            let rung = Bola.choose(&input(&t, q as f64, None));
            assert!(rung >= last, "monotone in the buffer at {q} s");
            last = rung;
        }
        assert_eq!(Bola.choose(&input(&t, 4.0, None)), 0);
        assert_eq!(Bola.choose(&input(&t, 23.0, None)), 5, "top at the target");
        let slow = history(1e5, 5);
        assert_eq!(Bola.choose(&input(&slow, 23.0, None)), 5);
    }
}
