//! `l7 sim dash`: l7-dash's player and ABR algorithms streaming a video
//! over a bandwidth trace in virtual time. The origin is l7-http's server
//! on one simulated host; the player host's download capacity follows the
//! trace; requests and responses are real HTTP/1.1 read by l7-http. A
//! 10-minute session runs in well under a second. [`compare`] runs every
//! algorithm on the shipped traces.

mod catalogue;
mod player;
pub mod traces;

use std::time::Duration;

use l7_dash::abr::{self, Abr};
use l7_dash::player::{Config, Ladder, Player, SegmentRecord, Summary};
use l7_dash::trace::Trace;
use l7_sim::{App, Ctx, Endpoint, HostParams, LinkParams, Sim, SimConfig, StreamId, StreamInfo};
use l7_wire::Instant;
use serde::Serialize;

use crate::http::server::{HTTP_PORT, WebServer};
use crate::plot::{Chart, Mark, Series};
use catalogue::Catalogue;
use player::PlayerHost;

/// The default ladder (bit/s): `l7 dash package`'s default too.
pub const LADDER_BPS: [f64; 6] = [235e3, 375e3, 750e3, 1750e3, 3000e3, 4300e3];
/// The origin's capacity: never the bottleneck.
const ORIGIN_BPS: u64 = 10_000_000_000;
/// Virtual time allowed beyond the session before giving up.
const OVERTIME_S: f64 = 3600.0;

/// One run's parameters.
#[derive(Debug, Clone)]
pub struct Params {
    /// The trace's name (for reports).
    pub trace_name: String,
    /// The player host's download capacity over time.
    pub trace: Trace,
    /// The ABR algorithm's name (`rate`, `bola`, `hybrid`, `mpc`).
    pub abr: String,
    /// Ladder bitrates, ascending.
    pub ladder_bps: Vec<f64>,
    /// Segment duration.
    pub segment_s: f64,
    /// Video length.
    pub session_s: f64,
    /// One-way latency between player and origin.
    pub latency: Duration,
    /// The player's knobs.
    pub config: Config,
    /// Seed of the segment sizes (VBR) and the simulator.
    pub seed: u64,
}

impl Params {
    /// A 10-minute video of 4-second segments on the default ladder, 20 ms
    /// from the origin.
    pub fn new(trace_name: &str, trace: Trace, abr: &str) -> Params {
        Params {
            trace_name: trace_name.to_string(),
            trace,
            abr: abr.to_string(),
            ladder_bps: LADDER_BPS.to_vec(),
            segment_s: 4.0,
            session_s: 600.0,
            latency: Duration::from_millis(20),
            config: Config::default(),
            seed: 1,
        }
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum DashSimError {
    /// Unknown ABR name.
    #[error(transparent)]
    Abr(#[from] abr::UnknownAbr),
    /// A ladder or session the player refuses.
    #[error("bad ladder or session: {0}")]
    Ladder(#[from] l7_dash::player::LadderError),
}

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Trace name.
    pub trace: String,
    /// ABR algorithm.
    pub abr: String,
    /// Seed.
    pub seed: u64,
    /// The session in sum.
    pub summary: Summary,
    /// When playback ended (virtual seconds), if it did.
    pub ended_s: Option<f64>,
    /// One record per segment.
    pub segments: Vec<SegmentRecord>,
    /// Buffer level over time (s, s), for plots.
    #[serde(skip)]
    pub buffer: Vec<(f64, f64)>,
}

/// The two kinds of host.
enum Node {
    Origin(WebServer),
    Player(Box<PlayerHost>),
}

impl App for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if let Node::Player(p) = self {
            p.on_start(ctx);
        }
    }
    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, _: StreamInfo) {
        match self {
            Node::Origin(s) => s.on_stream_open(ctx, stream),
            Node::Player(p) => p.on_stream_open(ctx),
        }
    }
    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        match self {
            Node::Origin(s) => s.on_stream_data(ctx, stream, data),
            Node::Player(p) => p.on_stream_data(ctx, data),
        }
    }
    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if let Node::Origin(s) = self {
            s.on_stream_closed(ctx, stream);
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, _: u64) {
        if let Node::Player(p) = self {
            p.on_timer(ctx);
        }
    }
}

/// Streams the video once.
pub fn run(p: &Params) -> Result<Run, DashSimError> {
    let abr = Abr::by_name(&p.abr)?;
    let segments = (p.session_s / p.segment_s).ceil().max(1.0) as usize;
    let ladder = Ladder {
        bitrates: p.ladder_bps.clone(),
        segment_s: vec![p.segment_s; segments],
    };
    let catalogue = Catalogue::new(&ladder.bitrates, &ladder.segment_s, p.seed);
    let player = Player::new(p.config, ladder, abr, Instant::ZERO)?;
    let mut sim = Sim::new(SimConfig {
        seed: p.seed,
        default_link: LinkParams::with_latency(p.latency),
        ..SimConfig::default()
    });
    let origin = sim.add_host(
        HostParams::symmetric(ORIGIN_BPS),
        Node::Origin(WebServer::new(catalogue.object_sizes())),
    );
    let server = Endpoint::new(origin, HTTP_PORT);
    let first = p.trace.rate_bps(0.0) as u64;
    let host = sim.add_host(
        HostParams::new(ORIGIN_BPS, first),
        Node::Player(Box::new(PlayerHost::new(player, catalogue, server))),
    );
    let deadline = p.session_s + OVERTIME_S;
    for (at, bps) in p.trace.changes_until(deadline) {
        let at = Instant::from_epoch(Duration::from_secs_f64(at));
        sim.schedule_host_capacity(at, host, ORIGIN_BPS, bps as u64);
    }
    sim.run_until(Instant::from_epoch(Duration::from_secs_f64(deadline)));
    let Node::Player(h) = sim.app(host) else {
        unreachable!("host {host} is the player")
    };
    Ok(Run {
        trace: p.trace_name.clone(),
        abr: p.abr.clone(),
        seed: p.seed,
        summary: h.player().summary(),
        ended_s: h.done_at().map(|t| t.since_epoch().as_secs_f64()),
        segments: h.player().records().to_vec(),
        buffer: h.buffer_samples().to_vec(),
    })
}

/// Every algorithm on every trace of `traces`, with `base`'s other parameters.
pub fn compare(base: &Params, traces: &[(String, Trace)]) -> Result<Vec<Run>, DashSimError> {
    let mut runs = Vec::new();
    for (name, trace) in traces {
        for abr in abr::NAMES {
            let p = Params {
                trace_name: name.clone(),
                trace: trace.clone(),
                abr: abr.to_string(),
                ..base.clone()
            };
            runs.push(run(&p)?);
        }
    }
    Ok(runs)
}

/// Bitrate chosen, link rate and buffer level over one run.
pub fn run_chart(run: &Run, trace: &Trace) -> Chart {
    let end = run
        .ended_s
        .unwrap_or_else(|| run.buffer.last().map_or(0.0, |b| b.0));
    let mut link = Vec::new();
    let mut last = None;
    for (at, bps) in trace.changes_until(end) {
        if let Some(prev) = last {
            link.push((at, prev));
        }
        link.push((at, bps / 1e6));
        last = Some(bps / 1e6);
    }
    if let Some(prev) = last {
        link.push((end, prev));
    }
    Chart {
        title: format!("{} on the {} trace", run.abr, run.trace),
        x_label: "time (s)".into(),
        y_label: "Mbit/s (bitrate, link) / s (buffer)".into(),
        series: vec![
            Series::new("link (Mbit/s)", link, Mark::Line),
            Series::new("bitrate (Mbit/s)", bitrate_steps(run), Mark::Line),
            Series::new("buffer (s)", run.buffer.clone(), Mark::Line),
        ],
    }
}

/// The chosen bitrate as steps: each segment's rate from its request on.
fn bitrate_steps(run: &Run) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for r in &run.segments {
        if let Some(&(_, prev)) = out.last() {
            out.push((r.requested_s, prev));
        }
        out.push((r.requested_s, r.bitrate_bps / 1e6));
    }
    out
}

/// The chosen bitrate of each run over time (one trace, several ABRs).
pub fn compare_chart(runs: &[Run]) -> Chart {
    let trace = runs.first().map_or("", |r| r.trace.as_str());
    Chart {
        title: format!("ABR algorithms on the {trace} trace"),
        x_label: "time (s)".into(),
        y_label: "bitrate (Mbit/s)".into(),
        series: runs
            .iter()
            .filter(|r| r.trace == trace)
            .map(|r| Series::new(r.abr.clone(), bitrate_steps(r), Mark::Line))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
