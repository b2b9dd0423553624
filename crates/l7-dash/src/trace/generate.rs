//! The shipped trace shapes, generated from a seed so `l7 dash traces`
//! rewrites byte-identical files: steady, a step down, a square-ish
//! oscillation, a 3G-like walk with outages and an LTE-like walk with
//! fades. Rates are whole kbit/s and times whole tenths of a second, so the
//! text form is short and exact.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Step, Trace};

/// A trace shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 5 Mbit/s throughout.
    Steady,
    /// 6 Mbit/s for the first fifth, then 0.8 Mbit/s.
    StepDown,
    /// Alternating high (~5 Mbit/s) and low (~1 Mbit/s) phases of 15-25 s.
    Oscillating,
    /// A 3G-like random walk around 1.5 Mbit/s with outages of 2-8 s.
    ThreeG,
    /// An LTE-like random walk around 8 Mbit/s with deep fades.
    Lte,
}

impl Shape {
    /// Every shape, in the order the files are listed.
    pub const ALL: [Shape; 5] = [
        Shape::Steady,
        Shape::StepDown,
        Shape::Oscillating,
        Shape::ThreeG,
        Shape::Lte,
    ];

    /// The file stem (`steady.trace`, `step-down.trace`...).
    pub fn name(self) -> &'static str {
        match self {
            Shape::Steady => "steady",
            Shape::StepDown => "step-down",
            Shape::Oscillating => "oscillating",
            Shape::ThreeG => "3g",
            Shape::Lte => "lte",
        }
    }

    /// One line saying what the shape is.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Steady => "steady 5 Mbit/s",
            Shape::StepDown => "6 Mbit/s, stepping down to 0.8 Mbit/s after the first fifth",
            Shape::Oscillating => "alternating ~5 Mbit/s and ~1 Mbit/s phases of 15-25 s",
            Shape::ThreeG => "3G-like: a walk around 1.5 Mbit/s with 2-8 s outages",
            Shape::Lte => "LTE-like: a walk around 8 Mbit/s with deep fades",
        }
    }
}

/// A trace of `shape` lasting `duration_s`, from `seed`.
pub fn generate(shape: Shape, duration_s: f64, seed: u64) -> Trace {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ shape as u64);
    let duration_s = duration_s.clamp(10.0, 36_000.0).round();
    let mut steps = Vec::new();
    match shape {
        Shape::Steady => steps.push(step(0.0, 5000.0)),
        Shape::StepDown => {
            steps.push(step(0.0, 6000.0));
            steps.push(step((duration_s / 5.0).round(), 800.0));
        }
        Shape::Oscillating => {
            let (mut t, mut high) = (0.0, true);
            while t < duration_s {
                let base = if high { 5000.0 } else { 1000.0 };
                steps.push(step(t, base * rng.random_range(0.9..1.1)));
                t += rng.random_range(15.0..25.0);
                high = !high;
            }
        }
        Shape::ThreeG => walk(
            &mut steps,
            &mut rng,
            duration_s,
            1500.0,
            (200.0, 3000.0),
            60.0,
        ),
        Shape::Lte => walk(
            &mut steps,
            &mut rng,
            duration_s,
            8000.0,
            (1500.0, 20000.0),
            0.0,
        ),
    }
    Trace::new(steps, duration_s).unwrap_or_else(|_| Trace::constant(5000.0))
}

/// A step rounded to the text form's precision.
fn step(at_s: f64, kbps: f64) -> Step {
    Step {
        at_s: (at_s * 10.0).round() / 10.0,
        kbps: kbps.round(),
    }
}

/// A multiplicative random walk in `range`, one step per second, pulled
/// back toward `mean`. With `outage_every_s` > 0, outages (0 kbit/s for
/// 2-8 s) come that often on average; otherwise fades to a fifth of the
/// rate come every 40 s on average.
fn walk(
    steps: &mut Vec<Step>,
    rng: &mut ChaCha8Rng,
    duration_s: f64,
    mean: f64,
    range: (f64, f64),
    outage_every_s: f64,
) {
    let mut rate = mean;
    let mut t = 0.0;
    while t < duration_s {
        let dip = if outage_every_s > 0.0 {
            rng.random_bool(1.0 / outage_every_s)
        } else {
            rng.random_bool(1.0 / 40.0)
        };
        if dip && t > 0.0 {
            let len = rng.random_range(2.0_f64..8.0).round();
            let low = if outage_every_s > 0.0 {
                0.0
            } else {
                rate / 5.0
            };
            steps.push(step(t, low));
            t += len;
            continue;
        }
        let drift = (mean / rate).ln() * 0.1;
        rate = (rate * (drift + rng.random_range(-0.25..0.25)).exp()).clamp(range.0, range.1);
        steps.push(step(t, rate));
        t += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_trace_and_shapes_differ() {
        for shape in Shape::ALL {
            let a = generate(shape, 600.0, 1);
            assert_eq!(a, generate(shape, 600.0, 1), "{}", shape.name());
            assert_eq!(a.period_s(), 600.0);
        }
        assert_ne!(
            generate(Shape::Lte, 600.0, 1),
            generate(Shape::Lte, 600.0, 2)
        );
    }

    #[test]
    fn shapes_have_their_character() {
        let g = |s| generate(s, 600.0, 1);
        assert_eq!(g(Shape::Steady).mean_bps(), 5e6);
        assert_eq!(g(Shape::StepDown).rate_bps(500.0), 8e5);
        let threeg = g(Shape::ThreeG);
        assert!(
            threeg.steps().iter().any(|s| s.kbps == 0.0),
            "3G has outages"
        );
        assert!(threeg.mean_bps() < 3e6);
        let lte = g(Shape::Lte);
        assert!(lte.mean_bps() > 3e6 && lte.mean_bps() < 20e6);
        let osc = g(Shape::Oscillating);
        assert!(osc.steps().len() >= 20);
    }
}
