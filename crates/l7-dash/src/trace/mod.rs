//! Bandwidth traces: what the network offers over time, as the shaping
//! origin (`l7 dash serve --shape`) and the simulator (`l7 sim dash`)
//! replay it. The text form is one step per line, `time_s kbit_s`: from
//! `time_s` on the rate is `kbit_s` until the next line; `#` starts a
//! comment. The trace repeats after its last step (a 10-minute session on
//! a 5-minute trace sees it twice), as in Pensieve's simulator.

mod generate;

pub use generate::{Shape, generate};

use std::fmt::Write as _;

/// Most steps a trace may hold (a step per 100 ms for 10 hours).
pub const MAX_STEPS: usize = 360_000;
/// Longest accepted trace text, in bytes.
pub const MAX_TEXT: usize = 16 << 20;

/// One step: from `at_s` on, the rate is `kbps`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Start of the step, seconds from the trace's start.
    pub at_s: f64,
    /// Rate in kbit/s (1 kbit = 1000 bit).
    pub kbps: f64,
}

/// A bandwidth trace: steps in increasing time, the first at 0, and the
/// length of one cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    steps: Vec<Step>,
    period_s: f64,
}

/// Why a trace could not be read, with the 1-based line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    /// A line is not `time_s kbit_s` with finite, non-negative numbers.
    #[error("trace line {line}: {what} — expected `time_s kbit_s`, e.g. `0 5000`")]
    Line { line: usize, what: &'static str },
    /// Times do not increase.
    #[error("trace line {line}: time goes backwards — steps must be in increasing time")]
    Order { line: usize },
    /// No step, or no step at time 0.
    #[error("trace has no step at time 0 — the first line must be `0 RATE`")]
    NoStart,
    /// Over [`MAX_STEPS`] steps or [`MAX_TEXT`] bytes.
    #[error("trace is too large (at most {MAX_STEPS} steps, {MAX_TEXT} bytes)")]
    TooLarge,
}

impl Trace {
    /// A trace from steps; the cycle lasts until `period_s` (at least past
    /// the last step). The steps must start at 0 and increase.
    pub fn new(steps: Vec<Step>, period_s: f64) -> Result<Trace, TraceError> {
        if steps.len() > MAX_STEPS {
            return Err(TraceError::TooLarge);
        }
        if steps.first().is_none_or(|s| s.at_s != 0.0) {
            return Err(TraceError::NoStart);
        }
        for (i, w) in steps.windows(2).enumerate() {
            if w[1].at_s <= w[0].at_s {
                return Err(TraceError::Order { line: i + 2 });
            }
        }
        let last = steps.last().map_or(0.0, |s| s.at_s);
        let period_s = if period_s > last {
            period_s
        } else {
            last + 1.0
        };
        Ok(Trace { steps, period_s })
    }

    /// A constant rate.
    pub fn constant(kbps: f64) -> Trace {
        Trace {
            steps: vec![Step { at_s: 0.0, kbps }],
            period_s: 1.0,
        }
    }

    /// The steps of one cycle.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Length of one cycle in seconds.
    pub fn period_s(&self) -> f64 {
        self.period_s
    }

    /// Reads the text form. The cycle ends one second after the last step
    /// unless a `# period S` comment says otherwise.
    pub fn parse(text: &str) -> Result<Trace, TraceError> {
        if text.len() > MAX_TEXT {
            return Err(TraceError::TooLarge);
        }
        let mut steps = Vec::new();
        let mut period = 0.0;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let (data, comment) = raw.split_once('#').unwrap_or((raw, ""));
            let mut words = comment.split_whitespace();
            if words.next() == Some("period") {
                period = words.next().and_then(number).ok_or(TraceError::Line {
                    line,
                    what: "bad `# period` value",
                })?;
            }
            let mut fields = data.split_whitespace();
            let Some(t) = fields.next() else { continue };
            let at_s = number(t).ok_or(TraceError::Line {
                line,
                what: "bad time",
            })?;
            let kbps = fields.next().and_then(number).ok_or(TraceError::Line {
                line,
                what: "bad or missing rate",
            })?;
            if fields.next().is_some() {
                return Err(TraceError::Line {
                    line,
                    what: "extra fields",
                });
            }
            if steps.len() == MAX_STEPS {
                return Err(TraceError::TooLarge);
            }
            if steps.last().is_some_and(|s: &Step| at_s <= s.at_s) {
                return Err(TraceError::Order { line });
            }
            steps.push(Step { at_s, kbps });
        }
        Trace::new(steps, period)
    }

    /// The text form, which [`Trace::parse`] reads back identically.
    pub fn emit(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "# period {}", self.period_s);
        for s in &self.steps {
            let _ = writeln!(out, "{} {}", s.at_s, s.kbps);
        }
        out
    }

    /// The rate in bit/s at `t_s` seconds (the trace repeats).
    pub fn rate_bps(&self, t_s: f64) -> f64 {
        let t = t_s.max(0.0) % self.period_s;
        let i = self.steps.partition_point(|s| s.at_s <= t);
        self.steps[i.saturating_sub(1)].kbps * 1000.0
    }

    /// Every rate change from 0 up to `until_s`, as (time, bit/s), across
    /// cycles: what a simulator schedules.
    pub fn changes_until(&self, until_s: f64) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let mut base = 0.0;
        while base <= until_s && out.len() < MAX_STEPS * 4 {
            for s in &self.steps {
                let at = base + s.at_s;
                if at > until_s {
                    return out;
                }
                out.push((at, s.kbps * 1000.0));
            }
            base += self.period_s;
        }
        out
    }

    /// Mean rate over one cycle, in bit/s.
    pub fn mean_bps(&self) -> f64 {
        let mut bits = 0.0;
        for (i, s) in self.steps.iter().enumerate() {
            let end = self.steps.get(i + 1).map_or(self.period_s, |n| n.at_s);
            bits += s.kbps * 1000.0 * (end - s.at_s);
        }
        bits / self.period_s
    }
}

/// A finite, non-negative number.
fn number(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_steps_comments_and_period() {
        let t = Trace::parse("# a periodic test\n0 5000\n10 1000 # drop\n\n# period 30\n").unwrap();
        assert_eq!(t.steps().len(), 2);
        assert_eq!(t.period_s(), 30.0);
        assert_eq!(t.rate_bps(5.0), 5e6);
        assert_eq!(t.rate_bps(10.0), 1e6);
        assert_eq!(t.rate_bps(35.0), 5e6, "repeats after the period");
        assert!((t.mean_bps() - (5e6 * 10.0 + 1e6 * 20.0) / 30.0).abs() < 1e-6);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            Trace::parse("0 1\nx 2\n"),
            Err(TraceError::Line {
                line: 2,
                what: "bad time"
            })
        );
        assert_eq!(
            Trace::parse("0 1\n5 2\n3 4\n"),
            Err(TraceError::Order { line: 3 })
        );
        assert_eq!(Trace::parse("1 5\n"), Err(TraceError::NoStart));
        assert_eq!(Trace::parse(""), Err(TraceError::NoStart));
        assert!(Trace::parse("0 -1\n").is_err());
        assert!(Trace::parse("0 NaN\n").is_err());
        assert!(Trace::parse("0 1 2\n").is_err());
    }

    #[test]
    fn emit_parses_back() {
        let t = generate(Shape::Lte, 600.0, 7);
        assert_eq!(Trace::parse(&t.emit("lte")).unwrap(), t);
    }

    #[test]
    fn changes_cover_several_cycles() {
        let t = Trace::parse("0 100\n5 200\n# period 10\n").unwrap();
        let c = t.changes_until(25.0);
        assert_eq!(
            c,
            vec![
                (0.0, 1e5),
                (5.0, 2e5),
                (10.0, 1e5),
                (15.0, 2e5),
                (20.0, 1e5),
                (25.0, 2e5)
            ]
        );
    }
}
