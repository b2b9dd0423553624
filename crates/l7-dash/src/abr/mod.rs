//! Adaptive bitrate (ABR) selection: before each segment the player asks
//! which rung of the ladder to fetch. The algorithms share one input
//! ([`AbrInput`]: ladder, buffer, throughput history) and one enum
//! ([`Abr`]), chosen by name on the command line (`rate`, `bola`,
//! `hybrid`, `mpc`).

mod bola;
mod hybrid;
mod mpc;
mod rate;
mod throughput;

pub use bola::Bola;
pub use hybrid::Hybrid;
pub use mpc::{HORIZON, Mpc, REBUFFER_PENALTY};
pub use rate::RateBased;
pub use throughput::Throughput;

/// What an algorithm sees when it chooses.
#[derive(Debug, Clone, Copy)]
pub struct AbrInput<'a> {
    /// The ladder's bitrates in bit/s, ascending (rung 0 is the lowest).
    pub bitrates: &'a [f64],
    /// Seconds of media in the buffer now.
    pub buffer_s: f64,
    /// The most the player buffers, in seconds.
    pub buffer_cap_s: f64,
    /// Durations of the segments still to fetch, the next one first
    /// (never empty when the player asks).
    pub upcoming_s: &'a [f64],
    /// Measured throughput of past downloads.
    pub throughput: &'a Throughput,
    /// The rung of the previous segment, if any.
    pub last_rung: Option<usize>,
}

impl AbrInput<'_> {
    /// The highest rung whose bitrate is at most `bps` (rung 0 if none is).
    pub fn highest_below(&self, bps: f64) -> usize {
        self.bitrates.iter().rposition(|&b| b <= bps).unwrap_or(0)
    }

    /// The highest rung index.
    pub fn top(&self) -> usize {
        self.bitrates.len().saturating_sub(1)
    }
}

/// An ABR algorithm: one of the four, with its own state.
#[derive(Debug, Clone)]
pub enum Abr {
    /// Throughput-based: the highest rung under a safety share of the
    /// harmonic mean of recent throughput.
    Rate(RateBased),
    /// BOLA-BASIC: buffer-based Lyapunov optimisation (Spiteri et al. 2016).
    Bola(Bola),
    /// Rate-based while the buffer is short, BOLA once it is long (dash.js's
    /// DYNAMIC strategy).
    Hybrid(Hybrid),
    /// Robust model-predictive control (Yin et al. 2015).
    Mpc(Mpc),
}

/// The names [`Abr::by_name`] accepts.
pub const NAMES: [&str; 4] = ["rate", "bola", "hybrid", "mpc"];

/// An unknown algorithm name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown ABR algorithm {0:?} — choose one of rate, bola, hybrid, mpc")]
pub struct UnknownAbr(pub String);

impl Abr {
    /// The algorithm called `name` (`rate`, `bola`, `hybrid` or `mpc`),
    /// with its default parameters.
    pub fn by_name(name: &str) -> Result<Abr, UnknownAbr> {
        Ok(match name {
            "rate" => Abr::Rate(RateBased::default()),
            "bola" => Abr::Bola(Bola),
            "hybrid" => Abr::Hybrid(Hybrid::default()),
            "mpc" => Abr::Mpc(Mpc::default()),
            other => return Err(UnknownAbr(other.to_string())),
        })
    }

    /// The name [`Abr::by_name`] takes.
    pub fn name(&self) -> &'static str {
        match self {
            Abr::Rate(_) => "rate",
            Abr::Bola(_) => "bola",
            Abr::Hybrid(_) => "hybrid",
            Abr::Mpc(_) => "mpc",
        }
    }

    /// The rung to fetch next. Always a valid index into `input.bitrates`
    /// (0 when the ladder is empty).
    pub fn choose(&mut self, input: &AbrInput<'_>) -> usize {
        if input.bitrates.len() <= 1 {
            return 0;
        }
        let rung = match self {
            Abr::Rate(r) => r.choose(input),
            Abr::Bola(b) => b.choose(input),
            Abr::Hybrid(h) => h.choose(input),
            Abr::Mpc(m) => m.choose(input),
        };
        rung.min(input.top())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The default ladder, in bit/s.
    pub const LADDER: [f64; 6] = [235e3, 375e3, 750e3, 1750e3, 3000e3, 4300e3];

    /// A throughput history of `n` segments at `bps`.
    pub fn history(bps: f64, n: usize) -> Throughput {
        let mut t = Throughput::default();
        for _ in 0..n {
            t.push((bps * 4.0 / 8.0) as u64, 4.0);
        }
        t
    }

    pub fn input<'a>(t: &'a Throughput, buffer_s: f64, last: Option<usize>) -> AbrInput<'a> {
        AbrInput {
            bitrates: &LADDER,
            buffer_s,
            buffer_cap_s: 30.0,
            upcoming_s: &[4.0; 10],
            throughput: t,
            last_rung: last,
        }
    }

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for n in NAMES {
            assert_eq!(Abr::by_name(n).unwrap().name(), n);
        }
        assert_eq!(Abr::by_name("fast").unwrap_err(), UnknownAbr("fast".into()));
    }

    #[test]
    fn every_algorithm_starts_low_without_history_and_stays_in_range() {
        let t = Throughput::default();
        for n in NAMES {
            let mut a = Abr::by_name(n).unwrap();
            assert_eq!(a.choose(&input(&t, 0.0, None)), 0, "{n}");
        }
        let rich = history(100e6, 5);
        for n in NAMES {
            let mut a = Abr::by_name(n).unwrap();
            assert!(a.choose(&input(&rich, 29.0, Some(5))) <= 5, "{n}");
        }
    }
}
