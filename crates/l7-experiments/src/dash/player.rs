//! The player host: l7-dash's [`Player`] driven over one persistent HTTP/1.1
//! connection to the origin. A segment is fetched as a run of
//! fixed-size pieces (like byte-range requests), at most two in flight, so
//! an abandoned download stops costing bandwidth after the pieces already
//! asked for; their late bytes are read and discarded. Responses are read
//! by l7-http's [`ResponseReader`]; progress goes to the player as bytes
//! arrive and on a timer (so an outage, with no bytes at all, can still
//! trigger an abandonment).

use std::collections::VecDeque;
use std::time::Duration;

use l7_dash::player::{Action, Player};
use l7_http::client::{ClientEvent, ResponseReader};
use l7_http::wire::{RequestHead, Version};
use l7_sim::{Ctx, Endpoint, StreamId, TimerId};
use l7_wire::Instant;

use super::catalogue::Catalogue;

/// Bytes per piece request.
pub const PIECE_BYTES: u64 = 256 * 1024;
/// Piece requests outstanding at once.
const PIPELINE: usize = 2;
/// How often a download in flight reports progress without new bytes.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Spacing of the buffer samples kept for plots, in seconds.
const SAMPLE_EVERY_S: f64 = 0.5;
/// Response read timeout (never reached: the simulated network loses nothing).
const READ_TIMEOUT: Duration = Duration::from_secs(3600);

/// The segment being fetched.
#[derive(Debug, Clone, Copy)]
struct Fetch {
    segment: usize,
    rung: usize,
    total: u64,
    next_piece: usize,
    received: u64,
}

/// A piece requested and not yet whole: whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The current fetch.
    Current,
    /// An abandoned fetch: bytes are discarded.
    Abandoned,
}

/// The client application.
#[derive(Debug)]
pub struct PlayerHost {
    player: Player,
    catalogue: Catalogue,
    server: Endpoint,
    stream: Option<StreamId>,
    reader: Option<ResponseReader>,
    awaiting: VecDeque<Owner>,
    fetch: Option<Fetch>,
    timer: Option<TimerId>,
    done_at: Option<Instant>,
    /// (time, buffer) after every decision, for plots.
    buffer_samples: Vec<(f64, f64)>,
}

impl PlayerHost {
    /// A player of `catalogue` served from `server`.
    pub fn new(player: Player, catalogue: Catalogue, server: Endpoint) -> Self {
        PlayerHost {
            player,
            catalogue,
            server,
            stream: None,
            reader: None,
            awaiting: VecDeque::new(),
            fetch: None,
            timer: None,
            done_at: None,
            buffer_samples: Vec::new(),
        }
    }

    /// The player, for its records and summary.
    pub fn player(&self) -> &Player {
        &self.player
    }

    /// When playback ended, if it did.
    pub fn done_at(&self) -> Option<Instant> {
        self.done_at
    }

    /// Buffer level over time.
    pub fn buffer_samples(&self) -> &[(f64, f64)] {
        &self.buffer_samples
    }

    /// Opens the connection.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        self.stream = ctx.connect(self.server).ok();
    }

    /// The connection is up: start playing.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>) {
        self.drive(ctx);
    }

    /// A progress tick or the end of a wait.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>) {
        self.timer = None;
        if let Some(f) = self.fetch {
            self.player.on_progress(ctx.now(), f.received);
        }
        self.drive(ctx);
    }

    /// Asks the player what to do until it waits.
    fn drive(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        loop {
            let action = self.player.poll_action(now);
            self.sample(now);
            match action {
                Action::Request { segment, rung } => {
                    self.fetch = Some(Fetch {
                        segment,
                        rung,
                        total: self.catalogue.bytes(segment, rung),
                        next_piece: 0,
                        received: 0,
                    });
                    self.request_pieces(ctx);
                    self.set_timer(ctx, now + PROGRESS_EVERY);
                    return;
                }
                Action::Abandon { .. } => {
                    self.fetch = None;
                    for o in &mut self.awaiting {
                        *o = Owner::Abandoned;
                    }
                }
                Action::Wait { until: Some(t) } => return self.set_timer(ctx, t),
                Action::Wait { until: None } => {
                    return self.set_timer(ctx, now + PROGRESS_EVERY);
                }
                Action::Done => {
                    self.done_at = Some(now);
                    if let Some(t) = self.timer.take() {
                        ctx.cancel_timer(t);
                    }
                    ctx.stop();
                    return;
                }
            }
        }
    }

    /// Records the buffer level for plots: every [`SAMPLE_EVERY_S`], and
    /// whenever a segment lands (the buffer jumps up).
    fn sample(&mut self, now: Instant) {
        let (t, b) = (now.since_epoch().as_secs_f64(), self.player.buffer_s());
        let due = self
            .buffer_samples
            .last()
            .is_none_or(|&(lt, lb)| t - lt >= SAMPLE_EVERY_S || b > lb);
        if due {
            self.buffer_samples.push((t, b));
        }
    }

    fn set_timer(&mut self, ctx: &mut Ctx<'_>, at: Instant) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        self.timer = Some(ctx.set_timer(at, 0));
    }

    /// Keeps [`PIPELINE`] piece requests of the current fetch outstanding.
    fn request_pieces(&mut self, ctx: &mut Ctx<'_>) {
        let (Some(f), Some(stream)) = (self.fetch.as_mut(), self.stream) else {
            return;
        };
        while self.awaiting.len() < PIPELINE && (f.next_piece as u64) * PIECE_BYTES < f.total {
            let target = self.catalogue.path(f.segment, f.rung, f.next_piece);
            let mut head = RequestHead::new("GET", target.as_str(), Version::Http11);
            head.headers.set("Host", &b"video.sim"[..]);
            let mut bytes = Vec::new();
            head.emit(&mut bytes);
            let _ = ctx.write(stream, bytes);
            if self.reader.is_none() {
                self.reader = Some(ResponseReader::new(ctx.now(), "GET", true, READ_TIMEOUT));
            }
            self.awaiting.push_back(Owner::Current);
            f.next_piece += 1;
        }
    }

    /// Response bytes arrived.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, data: &[u8]) {
        let now = ctx.now();
        let mut input = data.to_vec();
        let mut body = 0u64;
        while let Some(reader) = self.reader.as_mut() {
            if reader.handle_input(now, &input).is_err() {
                break;
            }
            let owner = self.awaiting.front().copied();
            let mut end = false;
            while let Some(e) = reader.poll_event() {
                match e {
                    ClientEvent::Body(b) if owner == Some(Owner::Current) => body += b.len() as u64,
                    ClientEvent::End { .. } => end = true,
                    _ => {}
                }
            }
            if !end {
                break;
            }
            input = reader.take_leftover();
            self.awaiting.pop_front();
            self.reader = (!self.awaiting.is_empty())
                .then(|| ResponseReader::new(now, "GET", true, READ_TIMEOUT));
        }
        let Some(f) = self.fetch.as_mut() else {
            return self.drive(ctx);
        };
        f.received += body;
        let (received, total) = (f.received, f.total);
        if received >= total {
            self.fetch = None;
            self.player.on_complete(now, received);
        } else {
            self.player.on_progress(now, received);
            self.request_pieces(ctx);
        }
        self.drive(ctx);
    }
}
