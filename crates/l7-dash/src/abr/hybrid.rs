//! The hybrid: dash.js's DYNAMIC strategy. Below a short buffer the
//! throughput rule decides (BOLA would sit on the lowest rung while the
//! buffer fills); once the buffer passes the stable level BOLA takes over,
//! and hands back when the buffer falls under half of it. The throughput
//! side uses the EWMA, as dash.js's ThroughputRule does, so a long slow
//! download pulls the estimate down at once.

use super::{AbrInput, Bola, RateBased};

/// Buffer (s) above which BOLA takes over (dash.js stableBufferTime).
const SWITCH_ON_S: f64 = 12.0;
/// Buffer (s) under which the throughput rule takes back (half of it).
const SWITCH_OFF_S: f64 = 6.0;

/// Rate-based on a short buffer, BOLA on a long one.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Hybrid {
    rate: RateBased,
    using_bola: bool,
}

impl Hybrid {
    /// Whether BOLA chose the last rung.
    pub fn using_bola(&self) -> bool {
        self.using_bola
    }

    /// Switches on the buffer level, then asks the rule in charge.
    pub fn choose(&mut self, input: &AbrInput<'_>) -> usize {
        let on = SWITCH_ON_S.min(Bola::target_s(input));
        self.using_bola = if self.using_bola {
            input.buffer_s >= SWITCH_OFF_S.min(on / 2.0)
        } else {
            input.buffer_s >= on
        };
        if self.using_bola {
            Bola.choose(input)
        } else {
            input
                .throughput
                .ewma()
                .map_or(0, |bps| input.highest_below(self.rate.safety * bps))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{history, input};
    use super::*;

    #[test]
    fn throughput_on_a_short_buffer_bola_on_a_long_one() {
        let t = history(5e6, 5);
        let mut h = Hybrid::default();
        assert_eq!(h.choose(&input(&t, 2.0, None)), 5, "throughput rule");
        assert!(!h.using_bola());
        h.choose(&input(&t, 13.0, Some(5)));
        assert!(h.using_bola());
        h.choose(&input(&t, 8.0, Some(5)));
        assert!(h.using_bola(), "hysteresis: stays until under 6 s");
        h.choose(&input(&t, 5.0, Some(5)));
        assert!(!h.using_bola());
    }
}
