//! File distribution, peer-to-peer against client-server (Kurose & Ross
//! §2.5): a tracker, one seed (the "server", upload u_s) and N leechers run
//! l7-p2p's real engine (rarest first, tit-for-tat, optimistic unchoke) in
//! virtual time; the same N fetch the file from one server in the
//! client-server run. Both are compared with the course's bounds
//! ([`bounds::Model`]). Variants: free riders, random piece selection.

pub mod bounds;
mod client_server;
pub mod content;
mod links;
mod peer;
mod tracker;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use l7_sim::{App, Ctx, Endpoint, HostParams, LinkParams, Sim, SimConfig, StreamId, StreamInfo};
use l7_wire::Instant;
use serde::Serialize;

use crate::plot::{Chart, Mark, Series};
pub use peer::Role;
use peer::{PeerApp, PeerSetup};
use tracker::{TRACKER_PORT, TrackerApp};

/// Longest a freed share of capacity waits to be shared again (see
/// [`SimConfig::rate_quantum`]).
const RATE_QUANTUM: Duration = Duration::from_millis(20);

/// Fewest pieces the default piece size cuts a file into, where it can.
/// The course's bounds are a fluid model, but a peer passes a piece on
/// only once it has all of it: a few big pieces add a store-and-forward
/// delay the bounds ignore (1,000 peers sharing 16 MiB in 64 pieces of
/// 256 KiB finish at 3.56 × D_P2P; in 256 pieces of 64 KiB, at 1.36 ×).
const MIN_PIECES: u64 = 256;

/// One distribution experiment's parameters; rates in bits/s.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// File size, bytes.
    pub file_bytes: u64,
    /// Piece size, bytes (default [`Params::piece_for`]).
    pub piece_bytes: u64,
    /// Downloading peers, N (free riders included).
    pub peers: usize,
    /// How many of the N never upload.
    pub free_riders: usize,
    /// Upload rate of the seed / server, u_s.
    pub server_up: u64,
    /// Upload rate of each peer, u.
    pub peer_up: u64,
    /// Download rate of each peer (d_min).
    pub peer_down: u64,
    /// One-way latency between any two hosts.
    pub latency: Duration,
    /// Rarest first (true) or random piece selection.
    pub rarest_first: bool,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Params {
    /// The course's chart (F/u = 1 hour, u_s = 10u, d_min = u_s) for a
    /// file of `file_bytes` and `peers` peers.
    pub fn course(file_bytes: u64, peers: usize) -> Self {
        let peer_up = (file_bytes * 8).div_ceil(3600);
        Params {
            file_bytes,
            piece_bytes: Self::piece_for(file_bytes),
            peers,
            free_riders: 0,
            server_up: 10 * peer_up,
            peer_up,
            peer_down: 10 * peer_up,
            latency: Duration::from_millis(20),
            rarest_first: true,
            seed: 1,
        }
    }

    /// The default piece size for a file of `file_bytes`: the largest
    /// power of two that still cuts it into [`MIN_PIECES`] pieces, from
    /// 16 KiB (one block) to 256 KiB (64 MiB and more).
    pub fn piece_for(file_bytes: u64) -> u64 {
        let target = (file_bytes / MIN_PIECES).max(1);
        (1u64 << target.ilog2()).clamp(16 * 1024, 256 * 1024)
    }

    /// The bounds' inputs (free riders contribute no upload).
    pub fn model(&self) -> bounds::Model {
        bounds::Model {
            file_bits: self.file_bytes as f64 * 8.0,
            peers: self.peers,
            server_up: self.server_up as f64,
            peers_up_sum: (self.peers - self.free_riders.min(self.peers)) as f64
                * self.peer_up as f64,
            d_min: self.peer_down as f64,
        }
    }

    /// Virtual time after which a run is abandoned: far beyond any bound.
    fn horizon(&self) -> Instant {
        let cs = self.model().client_server();
        Instant::ZERO + Duration::from_secs_f64(20.0 * cs + 600.0)
    }

    fn sim(&self) -> Sim<Node> {
        Sim::new(SimConfig {
            seed: self.seed,
            default_link: LinkParams::with_latency(self.latency),
            // Fair shares are recomputed at most every RATE_QUANTUM: a
            // thousand peers' flows start and stop at a million distinct
            // instants, and a block takes seconds at the course's rates.
            rate_quantum: RATE_QUANTUM,
            ..SimConfig::default()
        })
    }
}

/// What every host of these experiments runs.
#[derive(Debug)]
enum Node {
    Tracker(Box<TrackerApp>),
    Peer(Box<PeerApp>),
    Server(client_server::Server),
    Client(client_server::Client),
}

impl App for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        match self {
            Node::Peer(p) => p.on_start(ctx),
            Node::Client(c) => c.on_start(ctx),
            Node::Tracker(_) | Node::Server(_) => {}
        }
    }
    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, port: u16, from: Endpoint, payload: &[u8]) {
        match self {
            Node::Tracker(t) => t.on_datagram(ctx, port, from, payload),
            Node::Peer(p) => p.on_datagram(ctx, from, payload),
            Node::Server(_) | Node::Client(_) => {}
        }
    }
    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, info: StreamInfo) {
        match self {
            Node::Peer(p) => p.on_stream_open(ctx, stream, info),
            Node::Client(c) => c.on_stream_open(ctx, stream, info),
            Node::Tracker(_) | Node::Server(_) => {}
        }
    }
    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        match self {
            Node::Peer(p) => p.on_stream_data(ctx, stream, data),
            Node::Server(s) => s.on_stream_data(ctx, stream, data),
            Node::Client(c) => c.on_stream_data(ctx, stream, data),
            Node::Tracker(_) => {}
        }
    }
    fn on_stream_writable(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if let Node::Peer(p) = self {
            p.on_stream_writable(ctx, stream);
        }
    }
    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        match self {
            Node::Peer(p) => p.on_stream_closed(ctx, stream),
            Node::Server(_) | Node::Client(_) => {
                let _ = ctx.close(stream);
            }
            Node::Tracker(_) => {}
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, _: u64) {
        if let Node::Peer(p) = self {
            p.on_timer(ctx);
        }
    }
}

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    /// The parameters make no torrent.
    #[error("cannot describe the file as a torrent: {0}")]
    Metainfo(#[from] l7_p2p::metainfo::MetainfoError),
    /// A parameter is out of range.
    #[error("{0}")]
    Params(String),
}

/// One peer-to-peer run's result; times in seconds of virtual time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwarmRun {
    /// N.
    pub peers: usize,
    /// Free riders among them.
    pub free_riders: usize,
    /// When the last peer completed (`None` if some never did).
    pub measured_s: Option<f64>,
    /// D_P2P.
    pub bound_p2p_s: f64,
    /// D_cs.
    pub bound_cs_s: f64,
    /// measured_s / bound_p2p_s.
    pub ratio: Option<f64>,
    /// Completion time of each compliant peer, in host order.
    pub compliant_done_s: Vec<Option<f64>>,
    /// Completion time of each free rider, in host order.
    pub free_rider_done_s: Vec<Option<f64>>,
    /// Payload bytes the seed uploaded.
    pub seed_uploaded: u64,
}

fn secs(t: Instant) -> f64 {
    t.since_epoch().as_secs_f64()
}

fn validate(p: &Params) -> Result<(), P2pError> {
    if p.peers == 0 || p.server_up == 0 || p.peer_down == 0 || p.file_bytes == 0 {
        return Err(P2pError::Params(
            "peers, file size, server upload and peer download must be above zero".into(),
        ));
    }
    if p.free_riders > p.peers {
        return Err(P2pError::Params(format!(
            "{} free riders among {} peers: pass --free-riders at most --peers",
            p.free_riders, p.peers
        )));
    }
    Ok(())
}

/// Runs the swarm: tracker (host 0), seed (host 1), then N peers, the
/// last `free_riders` of them free riders.
pub fn run_swarm(p: &Params) -> Result<SwarmRun, P2pError> {
    validate(p)?;
    let metainfo = content::metainfo(p.file_bytes, p.piece_bytes)?;
    let remaining = Rc::new(Cell::new(p.peers));
    let mut sim = p.sim();
    let tracker = sim.add_host(
        HostParams::default(),
        Node::Tracker(Box::new(TrackerApp::new(p.seed))),
    );
    let setup = PeerSetup {
        metainfo,
        tracker: Endpoint::new(tracker, TRACKER_PORT),
        rarest_first: p.rarest_first,
        remaining: remaining.clone(),
    };
    let mut seeds = l7_sim::rng::substream(p.seed, l7_sim::rng::Purpose::Experiment, 0);
    let mut add = |sim: &mut Sim<Node>, role: Role, host: HostParams| {
        let index = sim.host_count();
        let seed = rand::RngCore::next_u64(&mut seeds);
        let app = PeerApp::new(role, setup.clone(), index, seed);
        sim.add_host(host, Node::Peer(Box::new(app)))
    };
    add(
        &mut sim,
        Role::Seed,
        HostParams::new(p.server_up, p.peer_down),
    );
    for i in 0..p.peers {
        let role = if i >= p.peers - p.free_riders {
            Role::FreeRider
        } else {
            Role::Leecher
        };
        add(
            &mut sim,
            role,
            HostParams::new(p.peer_up.max(1), p.peer_down),
        );
    }
    sim.run_until(p.horizon());
    let model = p.model();
    let mut compliant = Vec::new();
    let mut riders = Vec::new();
    let mut seed_uploaded = 0;
    for (_, node) in sim.apps() {
        if let Node::Peer(peer) = node {
            let done = peer.done_at().map(secs);
            match peer.role() {
                Role::Seed => seed_uploaded = peer.uploaded(),
                Role::Leecher => compliant.push(done),
                Role::FreeRider => riders.push(done),
            }
        }
    }
    let all: Option<Vec<f64>> = compliant.iter().chain(&riders).copied().collect();
    let measured_s = all.map(|v| v.into_iter().fold(0.0, f64::max));
    let bound_p2p_s = model.p2p();
    Ok(SwarmRun {
        peers: p.peers,
        free_riders: p.free_riders,
        measured_s,
        bound_p2p_s,
        bound_cs_s: model.client_server(),
        ratio: measured_s.map(|m| m / bound_p2p_s),
        compliant_done_s: compliant,
        free_rider_done_s: riders,
        seed_uploaded,
    })
}

/// Runs client-server distribution: a server (host 0) and N clients.
/// Returns when the last client had the file (`None`: never).
pub fn run_client_server(p: &Params) -> Result<Option<f64>, P2pError> {
    validate(p)?;
    let remaining = Rc::new(Cell::new(p.peers));
    let mut sim = p.sim();
    let server = sim.add_host(
        HostParams::new(p.server_up, p.peer_down),
        Node::Server(client_server::Server::new(p.file_bytes)),
    );
    let at = Endpoint::new(server, client_server::SERVER_PORT);
    for _ in 0..p.peers {
        let client = client_server::Client::new(at, p.file_bytes, remaining.clone());
        sim.add_host(
            HostParams::new(p.peer_up.max(1), p.peer_down),
            Node::Client(client),
        );
    }
    sim.run_until(p.horizon());
    let done: Option<Vec<f64>> = sim
        .apps()
        .filter_map(|(_, n)| match n {
            Node::Client(c) => Some(c.done_at().map(secs)),
            _ => None,
        })
        .collect();
    Ok(done.map(|v| v.into_iter().fold(0.0, f64::max)))
}

/// One N of a sweep: both measurements and both bounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// N.
    pub peers: usize,
    /// Measured P2P distribution time.
    pub measured_s: Option<f64>,
    /// Measured client-server distribution time (if asked for).
    pub measured_cs_s: Option<f64>,
    /// D_P2P.
    pub bound_p2p_s: f64,
    /// D_cs.
    pub bound_cs_s: f64,
    /// measured_s / bound_p2p_s.
    pub ratio: Option<f64>,
}

/// Runs `base` for every N in `peers`, with client-server runs if `cs`.
pub fn sweep(
    base: &Params,
    peers: impl IntoIterator<Item = usize>,
    cs: bool,
) -> Result<Vec<SweepPoint>, P2pError> {
    peers
        .into_iter()
        .map(|n| {
            let p = Params {
                peers: n,
                ..base.clone()
            };
            let run = run_swarm(&p)?;
            let measured_cs_s = if cs { run_client_server(&p)? } else { None };
            Ok(SweepPoint {
                peers: n,
                measured_s: run.measured_s,
                measured_cs_s,
                bound_p2p_s: run.bound_p2p_s,
                bound_cs_s: run.bound_cs_s,
                ratio: run.ratio,
            })
        })
        .collect()
}

/// The course's chart: both bounds and the measured curves, in hours.
pub fn sweep_chart(points: &[SweepPoint]) -> Chart {
    let h = |s: f64| s / 3600.0;
    let curve = |f: &dyn Fn(&SweepPoint) -> Option<f64>| -> Vec<(f64, f64)> {
        points
            .iter()
            .filter_map(|p| f(p).map(|y| (p.peers as f64, h(y))))
            .collect()
    };
    let mut series = vec![
        Series::new(
            "client-server bound D_cs",
            curve(&|p| Some(p.bound_cs_s)),
            Mark::Line,
        ),
        Series::new(
            "P2P bound D_P2P",
            curve(&|p| Some(p.bound_p2p_s)),
            Mark::Line,
        ),
        Series::new(
            "P2P measured (l7-p2p engine)",
            curve(&|p| p.measured_s),
            Mark::LinePoints,
        ),
    ];
    if points.iter().any(|p| p.measured_cs_s.is_some()) {
        series.push(Series::new(
            "client-server measured",
            curve(&|p| p.measured_cs_s),
            Mark::LinePoints,
        ));
    }
    Chart {
        title: "Distribution time: client-server vs P2P".into(),
        x_label: "N (peers)".into(),
        y_label: "minimum distribution time (hours)".into(),
        series,
    }
}

/// Completion time of every peer, in host order: compliant peers and free
/// riders as two series.
pub fn completion_chart(run: &SwarmRun) -> Chart {
    let pts = |v: &[Option<f64>], offset: usize| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|t| ((i + offset + 1) as f64, t / 3600.0)))
            .collect()
    };
    let n = run.compliant_done_s.len();
    Chart {
        title: format!(
            "Completion time per peer ({} free riders of {})",
            run.free_riders, run.peers
        ),
        x_label: "peer".into(),
        y_label: "completion time (hours)".into(),
        series: vec![
            Series::new(
                "compliant peers",
                pts(&run.compliant_done_s, 0),
                Mark::Points,
            ),
            Series::new("free riders", pts(&run.free_rider_done_s, n), Mark::Points),
            Series::new(
                "D_P2P",
                vec![
                    (1.0, run.bound_p2p_s / 3600.0),
                    (run.peers as f64, run.bound_p2p_s / 3600.0),
                ],
                Mark::Line,
            ),
        ],
    }
}

/// The mean of the times present.
pub fn mean(v: &[Option<f64>]) -> Option<f64> {
    let got: Vec<f64> = v.iter().flatten().copied().collect();
    (!got.is_empty()).then(|| got.iter().sum::<f64>() / got.len() as f64)
}

/// One row of the free-rider table: K free riders among N.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeRiderRow {
    /// K.
    pub free_riders: usize,
    /// Mean completion time of the compliant peers.
    pub compliant_mean_s: Option<f64>,
    /// Mean completion time of the free riders.
    pub free_rider_mean_s: Option<f64>,
    /// When the last peer of either kind completed.
    pub measured_s: Option<f64>,
    /// D_P2P counting only the compliant peers' upload.
    pub bound_p2p_s: f64,
}

/// The course's homework: K = 0..=`max_k` free riders among `base.peers`.
pub fn free_rider_table(base: &Params, max_k: usize) -> Result<Vec<FreeRiderRow>, P2pError> {
    (0..=max_k.min(base.peers))
        .map(|k| {
            let run = run_swarm(&Params {
                free_riders: k,
                ..base.clone()
            })?;
            Ok(FreeRiderRow {
                free_riders: k,
                compliant_mean_s: mean(&run.compliant_done_s),
                free_rider_mean_s: mean(&run.free_rider_done_s),
                measured_s: run.measured_s,
                bound_p2p_s: run.bound_p2p_s,
            })
        })
        .collect()
}

/// Mean completion of compliant peers and free riders against K.
pub fn free_rider_chart(rows: &[FreeRiderRow], peers: usize) -> Chart {
    let curve = |f: &dyn Fn(&FreeRiderRow) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| f(r).map(|y| (r.free_riders as f64, y / 3600.0)))
            .collect()
    };
    Chart {
        title: format!("Free riders among {peers} peers"),
        x_label: "K (free riders)".into(),
        y_label: "mean completion time (hours)".into(),
        series: vec![
            Series::new(
                "compliant peers",
                curve(&|r| r.compliant_mean_s),
                Mark::LinePoints,
            ),
            Series::new(
                "free riders",
                curve(&|r| r.free_rider_mean_s),
                Mark::LinePoints,
            ),
            Series::new("D_P2P", curve(&|r| Some(r.bound_p2p_s)), Mark::Line),
        ],
    }
}

/// Rarest first and random piece selection on the same swarm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionCompare {
    /// With rarest first.
    pub rarest_first: SwarmRun,
    /// With random selection.
    pub random: SwarmRun,
}

/// Runs `base` with both piece-selection policies.
pub fn compare_selection(base: &Params) -> Result<SelectionCompare, P2pError> {
    Ok(SelectionCompare {
        rarest_first: run_swarm(&Params {
            rarest_first: true,
            ..base.clone()
        })?,
        random: run_swarm(&Params {
            rarest_first: false,
            ..base.clone()
        })?,
    })
}

/// Each policy's completion times, sorted: how many peers had the file by when.
pub fn selection_chart(c: &SelectionCompare) -> Chart {
    let cdf = |run: &SwarmRun| -> Vec<(f64, f64)> {
        let mut t: Vec<f64> = run.compliant_done_s.iter().flatten().copied().collect();
        t.sort_by(f64::total_cmp);
        t.iter()
            .enumerate()
            .map(|(i, s)| (s / 3600.0, (i + 1) as f64))
            .collect()
    };
    Chart {
        title: "Piece selection: rarest first vs random".into(),
        x_label: "time (hours)".into(),
        y_label: "peers with the whole file".into(),
        series: vec![
            Series::new("rarest first", cdf(&c.rarest_first), Mark::LinePoints),
            Series::new("random", cdf(&c.random), Mark::LinePoints),
        ],
    }
}
