//! The adaptive player as a sans-IO state machine. It owns the play-out
//! buffer model, the throughput history and the ABR algorithm; the driver
//! (`l7 play` over real sockets, `l7 sim dash` in virtual time) moves the
//! bytes and reports what happened, passing the time in:
//!
//! ```text
//! loop {
//!     match player.poll_action(now) {
//!         Action::Request { segment, rung } => start fetching it,
//!         Action::Abandon { .. } => cancel the download in flight, poll again,
//!         Action::Wait { until: Some(t) } => sleep until t (buffer full, or the end playing),
//!         Action::Wait { until: None } => wait for the download's bytes,
//!         Action::Done => break,
//!     }
//!     // as bytes arrive: player.on_progress(now, bytes_so_far)
//!     // when the segment is whole: player.on_complete(now, bytes)
//! }
//! ```
//!
//! One download at a time, in segment order. The player does not know
//! URLs: a [`crate::mpd::Stream`] maps (segment, rung) to them.
//!
//! With audio ([`Player::with_audio`]), a download is one segment's video
//! and the audio of the same span, fetched together: the playable buffer
//! (the span both tracks cover, as a media element sees it) grows only
//! when both are in. Sizes and the ABR's choice count both tracks' bytes;
//! records and QoE keep the video bitrate.

mod playout;
mod qoe;

pub use playout::{Playout, State};
pub use qoe::{SegmentRecord, Summary};

use std::time::Duration;

use l7_wire::Instant;

use crate::abr::{Abr, AbrInput, Throughput};

/// Most segments a player takes (10 hours of 1-second segments).
pub const MAX_SEGMENTS: usize = 36_000;
/// A download must run this long before its throughput may trigger an abandonment.
const ABANDON_MIN_ELAPSED_S: f64 = 0.5;
/// Shortest wait the player asks for, so float rounding never spins a driver.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// The player's knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Buffer (s) needed before playback starts.
    pub startup_s: f64,
    /// The most the player buffers (s): it waits before requesting a
    /// segment that would not fit.
    pub buffer_cap_s: f64,
    /// Abandon downloads that would stall and re-request lower.
    pub abandon: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            startup_s: 4.0,
            buffer_cap_s: 30.0,
            abandon: true,
        }
    }
}

/// The representations and segments a player chooses among.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    /// Bitrates in bit/s, ascending: rung 0 is the lowest.
    pub bitrates: Vec<f64>,
    /// Duration of each segment in seconds, in presentation order.
    pub segment_s: Vec<f64>,
}

/// A ladder the player cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    /// No representation, or a bitrate not positive, finite and ascending.
    #[error("the ladder needs at least one bitrate, all positive and ascending")]
    Bitrates,
    /// No segment, a segment of no or infinite length, or too many.
    #[error("the presentation needs 1 to {MAX_SEGMENTS} segments of positive duration")]
    Segments,
}

/// What the driver should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Fetch `segment` at `rung`, then report progress and completion.
    Request { segment: usize, rung: usize },
    /// Cancel the download in flight (it would stall), then poll again for
    /// its replacement at a lower rung.
    Abandon { segment: usize, rung: usize },
    /// Nothing to fetch: poll again at `until`, or (`None`) when the
    /// download in flight makes progress.
    Wait { until: Option<Instant> },
    /// Everything fetched and played.
    Done,
}

/// The download in flight.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Download {
    segment: usize,
    rung: usize,
    started: Instant,
    bytes: u64,
    rebuffer_at_start: f64,
}

/// The player.
#[derive(Debug, Clone)]
pub struct Player {
    config: Config,
    ladder: Ladder,
    abr: Abr,
    throughput: Throughput,
    start: Instant,
    playout: Playout,
    next_segment: usize,
    inflight: Option<Download>,
    abandon_pending: bool,
    ceiling: Option<usize>,
    last_rung: Option<usize>,
    records: Vec<SegmentRecord>,
    abandoned: usize,
    /// Each rung's bytes per second of presentation over the wire, in
    /// bit/s: the video bitrate plus the audio's.
    wire_bitrates: Vec<f64>,
}

impl Player {
    /// A player starting at `now` with an empty buffer.
    pub fn new(
        config: Config,
        ladder: Ladder,
        abr: Abr,
        now: Instant,
    ) -> Result<Player, LadderError> {
        let ok_rate = |b: &f64| b.is_finite() && *b > 0.0;
        if ladder.bitrates.is_empty()
            || !ladder.bitrates.iter().all(ok_rate)
            || ladder.bitrates.windows(2).any(|w| w[1] < w[0])
        {
            return Err(LadderError::Bitrates);
        }
        if ladder.segment_s.is_empty()
            || ladder.segment_s.len() > MAX_SEGMENTS
            || !ladder.segment_s.iter().all(ok_rate)
        {
            return Err(LadderError::Segments);
        }
        let longest = ladder.segment_s.iter().copied().fold(0.0, f64::max);
        let startup_s = config.startup_s.max(0.0);
        let config = Config {
            startup_s,
            // The cap must hold the start-up buffer plus a segment, or the
            // player could wait forever.
            buffer_cap_s: config.buffer_cap_s.max(startup_s + longest),
            ..config
        };
        let ladder_bitrates = ladder.bitrates.clone();
        Ok(Player {
            config,
            ladder,
            abr,
            throughput: Throughput::default(),
            start: now,
            playout: Playout::new(now),
            next_segment: 0,
            inflight: None,
            abandon_pending: false,
            ceiling: None,
            last_rung: None,
            records: Vec::new(),
            abandoned: 0,
            wire_bitrates: ladder_bitrates,
        })
    }

    /// Plays an audio track of `audio_bps` alongside the video (ignored
    /// unless positive and finite): each download carries both.
    pub fn with_audio(mut self, audio_bps: f64) -> Player {
        if audio_bps.is_finite() && audio_bps > 0.0 {
            for (wire, video) in self.wire_bitrates.iter_mut().zip(&self.ladder.bitrates) {
                *wire = video + audio_bps;
            }
        }
        self
    }

    /// The ladder being played.
    pub fn ladder(&self) -> &Ladder {
        &self.ladder
    }

    /// The ABR algorithm's name.
    pub fn abr_name(&self) -> &'static str {
        self.abr.name()
    }

    /// One record per fetched segment so far.
    pub fn records(&self) -> &[SegmentRecord] {
        &self.records
    }

    /// Playback state at the last call.
    pub fn state(&self) -> State {
        self.playout.state()
    }

    /// Seconds buffered at the last call.
    pub fn buffer_s(&self) -> f64 {
        self.playout.buffer_s()
    }

    /// The throughput history.
    pub fn throughput(&self) -> &Throughput {
        &self.throughput
    }

    /// The session so far in sum.
    pub fn summary(&self) -> Summary {
        Summary::of(
            &self.records,
            self.playout.rebuffer_s(),
            self.playout.rebuffer_count(),
            self.playout
                .started_at()
                .map(|t| t.saturating_duration_since(self.start).as_secs_f64()),
            self.abandoned,
        )
    }

    fn all_fetched(&self) -> bool {
        self.next_segment >= self.ladder.segment_s.len() && self.inflight.is_none()
    }

    fn advance(&mut self, now: Instant) {
        let all = self.all_fetched();
        self.playout.advance(now, all);
    }

    fn secs_since_start(&self, t: Instant) -> f64 {
        t.saturating_duration_since(self.start).as_secs_f64()
    }

    /// What to do at `now`.
    pub fn poll_action(&mut self, now: Instant) -> Action {
        self.advance(now);
        if self.abandon_pending {
            self.abandon_pending = false;
            if let Some(d) = self.inflight.take() {
                self.abandoned += 1;
                return Action::Abandon {
                    segment: d.segment,
                    rung: d.rung,
                };
            }
        }
        if self.inflight.is_some() {
            return Action::Wait { until: None };
        }
        if self.all_fetched() {
            self.playout.play();
            return match self.playout.state() {
                State::Ended => Action::Done,
                _ => Action::Wait {
                    until: Some(now + wait(self.playout.buffer_s())),
                },
            };
        }
        let upcoming = &self.ladder.segment_s[self.next_segment..];
        let over = self.playout.buffer_s() + upcoming[0] - self.config.buffer_cap_s;
        if self.playout.state() == State::Playing && over > 1e-9 {
            return Action::Wait {
                until: Some(now + wait(over)),
            };
        }
        let input = AbrInput {
            bitrates: &self.wire_bitrates,
            buffer_s: self.playout.buffer_s(),
            buffer_cap_s: self.config.buffer_cap_s,
            upcoming_s: upcoming,
            throughput: &self.throughput,
            last_rung: self.last_rung,
        };
        let mut rung = self.abr.choose(&input);
        if let Some(c) = self.ceiling.take() {
            rung = rung.min(c);
        }
        let segment = self.next_segment;
        self.inflight = Some(Download {
            segment,
            rung,
            started: now,
            bytes: 0,
            rebuffer_at_start: self.playout.rebuffer_s(),
        });
        Action::Request { segment, rung }
    }

    /// Nominal size of `segment` at `rung` (with its audio), in bytes.
    pub fn nominal_bytes(&self, segment: usize, rung: usize) -> u64 {
        let b = self.wire_bitrates.get(rung).copied().unwrap_or(0.0);
        let s = self.ladder.segment_s.get(segment).copied().unwrap_or(0.0);
        (b * s / 8.0).round() as u64
    }

    /// `bytes` of the download in flight have arrived by `now` (a running
    /// total). The player may decide to abandon it: the next
    /// [`Player::poll_action`] then says [`Action::Abandon`].
    pub fn on_progress(&mut self, now: Instant, bytes: u64) {
        self.advance(now);
        let Some(d) = self.inflight.as_mut() else {
            return;
        };
        d.bytes = d.bytes.max(bytes);
        let d = *d;
        if !self.config.abandon || self.abandon_pending || d.rung == 0 {
            return;
        }
        if let Some(rung) = self.abandon_to(now, &d) {
            self.abandon_pending = true;
            self.ceiling = Some(rung);
            self.throughput.push(
                d.bytes,
                now.saturating_duration_since(d.started).as_secs_f64(),
            );
        }
    }

    /// The lower rung to restart `d` at, if finishing it would stall
    /// playback and a lower rung would not (or would stall less). dash.js's
    /// AbandonRequestsRule, judged on this download's own throughput.
    fn abandon_to(&self, now: Instant, d: &Download) -> Option<usize> {
        if !matches!(self.playout.state(), State::Playing | State::Stalled) {
            return None;
        }
        let elapsed = now.saturating_duration_since(d.started).as_secs_f64();
        if elapsed < ABANDON_MIN_ELAPSED_S {
            return None;
        }
        let buffer = self.playout.buffer_s();
        if d.bytes == 0 {
            // No byte yet (an outage, or bytes that arrive in large lumps):
            // no estimate. Fall back to the lowest rung only once half the
            // buffer has gone by with nothing.
            return (elapsed >= buffer / 2.0).then_some(0);
        }
        let bps = d.bytes as f64 * 8.0 / elapsed;
        let size = |rung| self.nominal_bytes(d.segment, rung) as f64 * 8.0;
        let left = (size(d.rung) - d.bytes as f64 * 8.0).max(0.0);
        if left / bps <= buffer {
            return None;
        }
        let time_at = |rung| size(rung) / bps;
        match (0..d.rung).rev().find(|&r| time_at(r) <= buffer) {
            Some(r) => Some(r),
            None if time_at(0) < left / bps => Some(0),
            None => None,
        }
    }

    /// The download in flight finished at `now` with `bytes` in all.
    /// Ignored when nothing is in flight (the driver lost track).
    pub fn on_complete(&mut self, now: Instant, bytes: u64) {
        self.advance(now);
        let Some(d) = self.inflight.take() else {
            return;
        };
        self.abandon_pending = false;
        self.ceiling = None;
        let secs = now.saturating_duration_since(d.started).as_secs_f64();
        self.throughput.push(bytes, secs);
        self.next_segment += 1;
        self.last_rung = Some(d.rung);
        let all = self.all_fetched();
        let seg_s = self.ladder.segment_s[d.segment];
        self.playout.add(seg_s, self.config.startup_s, all);
        self.records.push(SegmentRecord {
            segment: d.segment,
            rung: d.rung,
            bitrate_bps: self.ladder.bitrates[d.rung],
            bytes,
            requested_s: self.secs_since_start(d.started),
            done_s: self.secs_since_start(now),
            throughput_bps: if secs > 0.0 {
                bytes as f64 * 8.0 / secs
            } else {
                0.0
            },
            buffer_s: self.playout.buffer_s(),
            stall_s: self.playout.rebuffer_s() - d.rebuffer_at_start,
        });
    }
}

/// A wait of `secs`, at least [`MIN_WAIT`].
fn wait(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs)
        .unwrap_or(Duration::MAX)
        .max(MIN_WAIT)
}

#[cfg(test)]
mod tests;
