//! The flow model at swarm scale: 1,000 hosts each fetch a few MiB from
//! random senders with BitTorrent-like traffic (17-byte requests, 16 KiB
//! blocks, a pipeline of requests per connection). Reports wall-clock time
//! and event counts; checks every byte arrives and no uplink beats its
//! capacity. Larger runs: `L7_SIM_SCALE_HOSTS`, `L7_SIM_SCALE_MIB`,
//! `L7_SIM_SCALE_DEPTH`, `L7_SIM_SCALE_QUANTUM_MS`, e.g.
//! `L7_SIM_SCALE_MIB=64 cargo test --release -p l7-sim --test scale -- --nocapture`.

use l7_sim::{
    App, Ctx, Endpoint, HostId, HostParams, LinkParams, Sim, SimConfig, StreamId, StreamInfo,
};
use l7_wire::Instant;
use rand::Rng;
use std::collections::BTreeMap;
use std::time::Duration;

const BLOCK: usize = 16 * 1024;
const REQUEST: usize = 17;
const PORT: u16 = 6881;

/// A downloading connection: blocks still to request, blocks in flight,
/// bytes of the block being received.
#[derive(Debug)]
struct Download {
    to_request: usize,
    in_flight: usize,
    partial: usize,
}

#[derive(Debug)]
struct Peer {
    hosts: u32,
    fanout: usize,
    depth: usize,
    quota: usize,
    downloads: BTreeMap<StreamId, Download>,
    /// Request bytes received per uploading connection, not yet answered.
    requests: BTreeMap<StreamId, usize>,
    received: usize,
    /// Blocks this host uploaded.
    served: usize,
    done_at: Option<Instant>,
}

impl Peer {
    fn request(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let Some(d) = self.downloads.get_mut(&stream) else {
            return;
        };
        while d.in_flight < self.depth && d.to_request > 0 {
            ctx.write(stream, vec![0u8; REQUEST]).unwrap();
            d.to_request -= 1;
            d.in_flight += 1;
        }
        if d.to_request == 0 && d.in_flight == 0 {
            ctx.close(stream).unwrap();
        }
    }
}

impl App for Peer {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        let me = ctx.host().index() as u32;
        let mut chosen = Vec::new();
        while chosen.len() < self.fanout {
            let other = ctx.rng().random_range(0..self.hosts);
            if other != me && !chosen.contains(&other) {
                chosen.push(other);
            }
        }
        let blocks = self.quota / BLOCK;
        for (i, other) in chosen.into_iter().enumerate() {
            let host = HostId::from_ip(std::net::Ipv4Addr::from(0x0A00_0001 + other)).unwrap();
            let stream = ctx.connect(Endpoint::new(host, PORT)).unwrap();
            let share = blocks / self.fanout + usize::from(i < blocks % self.fanout);
            self.downloads.insert(
                stream,
                Download {
                    to_request: share,
                    in_flight: 0,
                    partial: 0,
                },
            );
        }
    }

    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, info: StreamInfo) {
        if info.initiated_here {
            self.request(ctx, stream);
        }
    }

    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        if let Some(d) = self.downloads.get_mut(&stream) {
            self.received += data.len();
            d.partial += data.len();
            while d.partial >= BLOCK {
                d.partial -= BLOCK;
                d.in_flight -= 1;
            }
            if self.received >= self.quota && self.done_at.is_none() {
                self.done_at = Some(ctx.now());
            }
            self.request(ctx, stream);
        } else {
            let pending = self.requests.entry(stream).or_default();
            *pending += data.len();
            while *pending >= REQUEST {
                *pending -= REQUEST;
                self.served += 1;
                ctx.write(stream, vec![0u8; BLOCK]).unwrap();
            }
        }
    }

    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if self.requests.remove(&stream).is_some() {
            ctx.close(stream).unwrap();
        }
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn thousand_hosts_exchange_blocks_through_the_flow_model() {
    let hosts = env("L7_SIM_SCALE_HOSTS", 1000) as u32;
    let mib = env("L7_SIM_SCALE_MIB", 2) as usize;
    let depth = env("L7_SIM_SCALE_DEPTH", 8) as usize;
    let quantum = Duration::from_millis(env("L7_SIM_SCALE_QUANTUM_MS", 0));
    let seed = env("L7_SIM_SEED", 42);
    // Uplinks from 5 to 50 Mbit/s, downlinks 100 Mbit/s: unequal shares
    // keep event times apart, as in a real swarm.
    let mut draw = l7_sim::rng::substream(seed, l7_sim::rng::Purpose::Experiment, 0);
    let ups: Vec<u64> = (0..hosts)
        .map(|_| draw.random_range(5..=50) * 1_000_000)
        .collect();
    let down = 100_000_000u64;
    let quota = mib * 1024 * 1024;

    let wall = std::time::Instant::now();
    let mut sim = Sim::new(SimConfig {
        seed,
        rate_quantum: quantum,
        default_link: LinkParams::with_latency(Duration::from_millis(20)),
        ..SimConfig::default()
    });
    for &up in &ups {
        let peer = Peer {
            hosts,
            fanout: 4,
            depth,
            quota,
            downloads: BTreeMap::new(),
            requests: BTreeMap::new(),
            received: 0,
            served: 0,
            done_at: None,
        };
        sim.add_host(HostParams::new(up, down), peer);
    }
    sim.run();
    let elapsed = wall.elapsed();
    let stats = sim.stats();

    let finish = sim.apps().filter_map(|(_, p)| p.done_at).max().unwrap();
    let mut bound = 0f64;
    for (h, peer) in sim.apps() {
        assert_eq!(
            peer.received, quota,
            "seed {seed}: {h} got {} of {quota} bytes",
            peer.received
        );
        // Requests travel outside the sharing model; blocks do not.
        let upload_time = (peer.served * BLOCK) as f64 * 8.0 / ups[h.index()] as f64;
        bound = bound.max(upload_time);
    }
    let total: u64 = sim
        .apps()
        .map(|(h, _)| sim.counters(h).stream_bytes_received)
        .sum();
    let blocks = hosts as u64 * (quota / BLOCK) as u64;
    assert_eq!(
        total,
        blocks * (BLOCK + REQUEST) as u64,
        "seed {seed}: bytes lost or invented"
    );
    // No host can have uploaded faster than its uplink.
    let finish_s = finish.since_epoch().as_secs_f64();
    assert!(
        finish_s >= bound,
        "seed {seed}: finished at {finish_s} s, below the capacity bound {bound} s"
    );
    println!(
        "scale: {hosts} hosts x {mib} MiB (depth {depth}, quantum {quantum:?}): {:.2} s wall, \
         {:.1} s virtual (busiest uplink bound {bound:.1} s), {} events, {} rate recomputations, \
         peak {} active flows, {} streams",
        elapsed.as_secs_f64(),
        finish_s,
        stats.events,
        stats.rate_recomputations,
        stats.peak_active_flows,
        stats.streams,
    );
}
