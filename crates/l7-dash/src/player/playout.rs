//! The play-out buffer over time: seconds of media waiting, drained at one
//! second per second while playing. Playback starts once the buffer holds
//! the start-up threshold, stalls when it runs dry before the last segment
//! arrived (a rebuffering event) and resumes as soon as a segment lands.

use l7_wire::Instant;

/// Media left (s) that still counts as played out once nothing more will
/// come: absorbs the nanosecond rounding of the driver's timers.
const END_SLACK_S: f64 = 1e-6;

/// Where playback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Filling the buffer before the first frame.
    Startup,
    /// Playing, draining the buffer.
    Playing,
    /// Out of media mid-stream: rebuffering.
    Stalled,
    /// Played to the end.
    Ended,
}

/// The buffer and its history up to `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Playout {
    state: State,
    buffer_s: f64,
    at: Instant,
    started_at: Option<Instant>,
    rebuffer_s: f64,
    rebuffer_count: usize,
}

impl Playout {
    /// An empty buffer at `now`, before start-up.
    pub fn new(now: Instant) -> Self {
        Playout {
            state: State::Startup,
            buffer_s: 0.0,
            at: now,
            started_at: None,
            rebuffer_s: 0.0,
            rebuffer_count: 0,
        }
    }

    /// Moves the model to `now`. `all_fetched` says no more media will come
    /// (so running dry is the end, not a stall). Time never goes back: an
    /// earlier `now` is taken as the last one seen.
    pub fn advance(&mut self, now: Instant, all_fetched: bool) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = self.at.max(now);
        match self.state {
            State::Playing
                if self.buffer_s - dt > END_SLACK_S || !all_fetched && self.buffer_s >= dt =>
            {
                self.buffer_s -= dt;
            }
            State::Playing => {
                let dry = (dt - self.buffer_s).max(0.0);
                self.buffer_s = 0.0;
                if all_fetched {
                    self.state = State::Ended;
                } else {
                    self.state = State::Stalled;
                    self.rebuffer_count += 1;
                    self.rebuffer_s += dry;
                }
            }
            State::Stalled if all_fetched => self.state = State::Ended,
            State::Stalled => self.rebuffer_s += dt,
            State::Startup | State::Ended => {}
        }
    }

    /// A segment of `secs` arrived at `now` (after [`Playout::advance`]).
    /// Playback starts once `startup_s` is buffered or nothing more will
    /// come, and resumes from a stall at once.
    pub fn add(&mut self, secs: f64, startup_s: f64, all_fetched: bool) {
        self.buffer_s += secs;
        match self.state {
            State::Startup if self.buffer_s >= startup_s || all_fetched => self.play(),
            State::Stalled => self.state = State::Playing,
            _ => {}
        }
    }

    /// Starts playback now (the last segment came before the threshold).
    pub fn play(&mut self) {
        if self.state == State::Startup {
            self.state = State::Playing;
            self.started_at = Some(self.at);
        }
    }

    /// The state at the last advance.
    pub fn state(&self) -> State {
        self.state
    }

    /// Seconds buffered at the last advance.
    pub fn buffer_s(&self) -> f64 {
        self.buffer_s
    }

    /// When the first frame played.
    pub fn started_at(&self) -> Option<Instant> {
        self.started_at
    }

    /// Total stalled time (start-up excluded).
    pub fn rebuffer_s(&self) -> f64 {
        self.rebuffer_s
    }

    /// Number of stalls.
    pub fn rebuffer_count(&self) -> usize {
        self.rebuffer_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: f64) -> Instant {
        Instant::from_millis((s * 1000.0) as u64)
    }

    #[test]
    fn starts_at_threshold_drains_stalls_and_ends() {
        let mut p = Playout::new(at(0.0));
        p.advance(at(1.0), false);
        p.add(2.0, 4.0, false);
        assert_eq!(p.state(), State::Startup);
        p.advance(at(2.0), false);
        p.add(2.0, 4.0, false);
        assert_eq!(p.state(), State::Playing);
        assert_eq!(p.started_at(), Some(at(2.0)));
        p.advance(at(5.0), false);
        assert_eq!(p.buffer_s(), 1.0);
        p.advance(at(7.5), false);
        assert_eq!(p.state(), State::Stalled);
        assert_eq!((p.rebuffer_count(), p.rebuffer_s()), (1, 1.5));
        p.advance(at(8.0), false);
        assert_eq!(p.rebuffer_s(), 2.0);
        p.add(2.0, 4.0, true);
        assert_eq!(p.state(), State::Playing);
        p.advance(at(11.0), true);
        assert_eq!(p.state(), State::Ended);
        assert_eq!(p.rebuffer_count(), 1);
    }
}
