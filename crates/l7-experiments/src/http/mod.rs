//! Page load time (Kurose & Ross §2.2): a base page and N referenced
//! objects over a path of given RTT and bandwidth, fetched by l7-http's
//! server connection and response reader with non-persistent connections
//! (serial or k in parallel), one persistent connection (one request at a
//! time, or pipelined), or multiplexed; and head-of-line blocking, one
//! large object before three small ones.
//!
//! Multiplexed mode stands in for HTTP/2, which l7 does not implement yet:
//! each object gets its own already-open connection, so responses share
//! the link the way HTTP/2's interleaved frames do. Its connection setups
//! overlap the base page's.

mod client;
pub(crate) mod server;

use std::time::Duration;

use l7_sim::{App, Ctx, Endpoint, HostParams, LinkParams, Sim, SimConfig, StreamId, StreamInfo};
use l7_wire::Instant;
use serde::Serialize;

use crate::plot::{Chart, Mark, Series};
use client::Browser;
use server::{HTTP_PORT, WebServer};

/// How the browser uses connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One connection per object, at most `parallel` at a time.
    NonPersistent {
        /// k.
        parallel: usize,
    },
    /// One connection; the next request after the previous response.
    Persistent,
    /// One connection; every object requested at once.
    Pipelined,
    /// One open connection per object, all transferring at once.
    Multiplexed,
}

impl Mode {
    /// A short name for tables and legends.
    pub fn label(self) -> String {
        match self {
            Mode::NonPersistent { parallel: 1 } => "non-persistent, serial".into(),
            Mode::NonPersistent { parallel } => format!("non-persistent, {parallel} parallel"),
            Mode::Persistent => "persistent, no pipelining".into(),
            Mode::Pipelined => "persistent, pipelined".into(),
            Mode::Multiplexed => "multiplexed (HTTP/2-like)".into(),
        }
    }
}

/// The network and page of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Base page size, bytes.
    pub base_bytes: u64,
    /// Referenced objects' sizes, bytes.
    pub objects: Vec<u64>,
    /// Round-trip time between browser and server.
    pub rtt: Duration,
    /// Bandwidth of the path, bits/s.
    pub bandwidth_bps: u64,
    /// Seed.
    pub seed: u64,
}

impl Page {
    /// Seconds to transmit `bytes` at the path's bandwidth.
    fn transmit(&self, bytes: u64) -> f64 {
        bytes as f64 * 8.0 / self.bandwidth_bps as f64
    }

    /// The course's estimate for `mode`: 2 RTT per non-persistent object
    /// (per round of k in parallel), 2 RTT for the base page and then one
    /// RTT per object persistent, or one RTT for all pipelined, plus the
    /// time to transmit every byte.
    pub fn formula_s(&self, mode: Mode) -> f64 {
        let rtt = self.rtt.as_secs_f64();
        let n = self.objects.len() as f64;
        let all = self.transmit(self.base_bytes + self.objects.iter().sum::<u64>());
        let rtts = match mode {
            Mode::NonPersistent { parallel } => 2.0 + 2.0 * (n / parallel.max(1) as f64).ceil(),
            Mode::Persistent => 2.0 + n,
            Mode::Pipelined | Mode::Multiplexed => 3.0,
        };
        rtts * rtt + all
    }
}

#[derive(Debug)]
enum Node {
    Browser(Box<Browser>),
    Server(WebServer),
}

impl App for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if let Node::Browser(b) = self {
            b.on_start(ctx);
        }
    }
    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, _: StreamInfo) {
        match self {
            Node::Browser(b) => b.on_stream_open(ctx, stream),
            Node::Server(s) => s.on_stream_open(ctx, stream),
        }
    }
    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        match self {
            Node::Browser(b) => b.on_stream_data(ctx, stream, data),
            Node::Server(s) => s.on_stream_data(ctx, stream, data),
        }
    }
    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        match self {
            Node::Browser(b) => b.on_stream_closed(ctx, stream),
            Node::Server(s) => s.on_stream_closed(ctx, stream),
        }
    }
}

/// One page load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Load {
    /// How connections were used.
    pub mode: Mode,
    /// Its name.
    pub label: String,
    /// When the last object arrived (`None`: never).
    pub page_load_s: Option<f64>,
    /// The course's estimate.
    pub formula_s: f64,
    /// When each object arrived (0: the base page).
    pub object_done_s: Vec<Option<f64>>,
    /// Connections opened.
    pub connections: usize,
}

/// Loads `page` with `mode`.
pub fn load(page: &Page, mode: Mode) -> Load {
    let mut sim = Sim::new(SimConfig {
        seed: page.seed,
        default_link: LinkParams::with_latency(page.rtt / 2),
        ..SimConfig::default()
    });
    let host = HostParams::symmetric(page.bandwidth_bps);
    let mut sizes = vec![page.base_bytes];
    sizes.extend(&page.objects);
    let server = sim.add_host(host, Node::Server(WebServer::new(sizes)));
    let browser = Browser::new(Endpoint::new(server, HTTP_PORT), mode, page.objects.len());
    let b = sim.add_host(host, Node::Browser(Box::new(browser)));
    sim.run_until(Instant::ZERO + Duration::from_secs(3600));
    let Node::Browser(browser) = sim.app(b) else {
        unreachable!("host {b} is the browser")
    };
    let object_done_s: Vec<Option<f64>> = browser
        .done()
        .iter()
        .map(|t| t.map(|t| t.since_epoch().as_secs_f64()))
        .collect();
    let all: Option<Vec<f64>> = object_done_s.iter().copied().collect();
    Load {
        mode,
        label: mode.label(),
        page_load_s: all.map(|v| v.into_iter().fold(0.0, f64::max)),
        formula_s: page.formula_s(mode),
        object_done_s,
        connections: browser.connections(),
    }
}

/// Every mode on one page: serial and k-parallel non-persistent,
/// persistent, pipelined, multiplexed.
pub fn compare(page: &Page, parallel: usize) -> Vec<Load> {
    let mut modes = vec![Mode::NonPersistent { parallel: 1 }];
    if parallel > 1 {
        modes.push(Mode::NonPersistent { parallel });
    }
    modes.extend([Mode::Persistent, Mode::Pipelined, Mode::Multiplexed]);
    modes.into_iter().map(|m| load(page, m)).collect()
}

/// Page load time against the number of objects, measured and by formula,
/// per mode.
pub fn objects_chart(page: &Page, parallel: usize, max_objects: usize) -> Chart {
    let mut series = Vec::new();
    let pages: Vec<Page> = (1..=max_objects)
        .map(|n| Page {
            objects: vec![page.objects.first().copied().unwrap_or(10_000); n],
            ..page.clone()
        })
        .collect();
    let runs: Vec<Vec<Load>> = pages.iter().map(|p| compare(p, parallel)).collect();
    for m in 0..runs.first().map_or(0, Vec::len) {
        let pts = runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r[m].page_load_s.map(|t| ((i + 1) as f64, t * 1e3)))
            .collect();
        series.push(Series::new(runs[0][m].label.clone(), pts, Mark::LinePoints));
    }
    Chart {
        title: format!(
            "Page load time (RTT {} ms, {:.1} Mbit/s)",
            page.rtt.as_millis(),
            page.bandwidth_bps as f64 / 1e6
        ),
        x_label: "referenced objects N".into(),
        y_label: "page load time (ms)".into(),
        series,
    }
}

/// The head-of-line page: one `large` object, then three `small` ones.
pub fn hol_page(rtt: Duration, bandwidth_bps: u64, large: u64, small: u64, seed: u64) -> Page {
    Page {
        base_bytes: 1000,
        objects: vec![large, small, small, small],
        rtt,
        bandwidth_bps,
        seed,
    }
}

/// HTTP/1.1 (one persistent, pipelined connection) against multiplexing on
/// the head-of-line page.
pub fn hol(page: &Page) -> Vec<Load> {
    vec![load(page, Mode::Pipelined), load(page, Mode::Multiplexed)]
}

/// When each object of the head-of-line page arrived, per mode.
pub fn hol_chart(loads: &[Load]) -> Chart {
    let series = loads
        .iter()
        .map(|l| {
            let pts = l
                .object_done_s
                .iter()
                .enumerate()
                .skip(1)
                .filter_map(|(i, t)| t.map(|t| (i as f64, t * 1e3)))
                .collect();
            Series::new(l.label.clone(), pts, Mark::LinePoints)
        })
        .collect();
    Chart {
        title: "Head-of-line blocking: object 1 large, 2-4 small".into(),
        x_label: "object".into(),
        y_label: "arrival time (ms)".into(),
        series,
    }
}
