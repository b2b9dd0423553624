//! The local DNS server's cache (Kurose & Ross §2.4): l7-dns's iterative
//! resolver asks l7-dns authorities (the root, one server per TLD and one
//! per second-level domain, made up from the names asked about) over paths
//! with the given RTTs, for a stream of questions one after another. A cold cache walks root → TLD → authority;
//! a cached answer costs no upstream query; a cached delegation skips the
//! root and TLD; TTLs decide how long each lasts.

mod names;
mod zones;

use std::time::Duration;

use l7_dns::authority::{Authority, Reply, Transport};
use l7_dns::resolver::{Resolver, ResolverConfig};
use l7_dns::wire::{Class, Name, Question, Rcode, RecordType};
use l7_sim::{App, Ctx, Endpoint, HostId, HostParams, LinkParams, Sim, SimConfig};
use l7_wire::Instant;
use rand::Rng;
use serde::Serialize;

use crate::plot::{Chart, Mark, Series};

pub use names::{Hierarchy, generated as generated_names, parse as parse_names};

/// DNS port.
const PORT: u16 = 53;
/// The resolver's source port.
const RESOLVER_PORT: u16 = 5353;

/// One experiment's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// RTT between the resolver and the root server.
    pub rtt_root: Duration,
    /// RTT between the resolver and the TLD server.
    pub rtt_tld: Duration,
    /// RTT between the resolver and each authoritative server.
    pub rtt_auth: Duration,
    /// The names asked about, most popular first (see [`parse_names`] and
    /// [`generated_names`]); each needs two labels or more.
    pub names: Vec<Name>,
    /// Questions asked, one after another.
    pub queries: usize,
    /// Time from one question's start to the next's (later if it is slow).
    pub interval: Duration,
    /// TTL of the answers (A records), seconds.
    pub ttl: u32,
    /// Seed: which names are asked (popular names more often).
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            rtt_root: Duration::from_millis(100),
            rtt_tld: Duration::from_millis(60),
            rtt_auth: Duration::from_millis(40),
            names: generated_names(3, 10),
            queries: 100,
            interval: Duration::from_secs(10),
            ttl: 300,
            seed: 1,
        }
    }
}

/// Why the experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// A generated zone did not load (a bug, reported as such).
    #[error("simulated zone failed to load: {0}")]
    Zone(#[from] l7_dns::zone::ZoneError),
    /// A parameter is out of range.
    #[error("{0}")]
    Params(String),
}

/// One question's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    /// When it was asked, seconds.
    pub at_s: f64,
    /// The name.
    pub name: String,
    /// Time to the answer, milliseconds.
    pub latency_ms: f64,
    /// Queries the resolver sent upstream for it.
    pub upstream: u64,
    /// The answer had NOERROR.
    pub ok: bool,
}

/// A run's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// TTL used.
    pub ttl: u32,
    /// Every question.
    pub queries: Vec<QueryResult>,
    /// Mean latency, ms.
    pub mean_latency_ms: f64,
    /// Questions answered with no upstream query.
    pub cache_hits: usize,
    /// Upstream queries in all.
    pub upstream_total: u64,
}

#[derive(Debug)]
struct Stub {
    resolver: Resolver,
    /// Questions to ask, in order.
    plan: Vec<Name>,
    interval: Duration,
    next: usize,
    current: Option<(Instant, u64)>,
    results: Vec<QueryResult>,
    timer: Option<l7_sim::TimerId>,
}

#[derive(Debug)]
enum Node {
    Server(Box<Authority>),
    Resolver(Box<Stub>),
}

impl Stub {
    fn ask(&mut self, ctx: &mut Ctx<'_>) {
        let Some(name) = self.plan.get(self.next).cloned() else {
            ctx.stop();
            return;
        };
        let now = ctx.now();
        self.current = Some((now, self.resolver.upstream_queries()));
        let question = Question {
            name,
            qtype: RecordType::A,
            qclass: Class::IN,
        };
        self.resolver.start(now, question, self.next as u64);
        self.pump(ctx);
    }

    fn pump(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        while let Some(t) = self.resolver.poll_transmit() {
            if let Some(to) = Endpoint::from_socket_addr(t.server) {
                ctx.send_datagram(RESOLVER_PORT, to, t.query);
            }
        }
        while let Some(done) = self.resolver.poll_event() {
            let Some((started, upstream_before)) = self.current.take() else {
                continue;
            };
            self.results.push(QueryResult {
                at_s: started.since_epoch().as_secs_f64(),
                name: self.plan[self.next].to_string(),
                latency_ms: now.saturating_duration_since(started).as_secs_f64() * 1e3,
                upstream: self.resolver.upstream_queries() - upstream_before,
                ok: done.response.rcode == Rcode::NOERROR,
            });
            self.next += 1;
            let due = Instant::ZERO + self.interval * self.next as u32;
            ctx.set_timer(due.max(now), 1);
        }
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        if let Some(at) = self.resolver.poll_timeout() {
            self.timer = Some(ctx.set_timer(at, 0));
        }
    }
}

impl App for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if let Node::Resolver(s) = self {
            s.ask(ctx);
        }
    }
    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, port: u16, from: Endpoint, payload: &[u8]) {
        match self {
            Node::Server(auth) => {
                let mut out = Vec::new();
                let client = from.socket_addr().ip();
                if auth.respond(payload, client, Transport::Udp, &mut out) == Reply::Message {
                    ctx.send_datagram(port, from, out);
                }
            }
            Node::Resolver(s) => {
                s.resolver
                    .handle_response(ctx.now(), from.socket_addr(), payload);
                s.pump(ctx);
            }
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        if let Node::Resolver(s) = self {
            if token == 1 {
                s.ask(ctx);
            } else {
                s.timer = None;
                s.resolver.handle_timeout(ctx.now());
                s.pump(ctx);
            }
        }
    }
}

/// The questions: popular names more often (weight 1/rank, Zipf-like,
/// ranked in the order of [`Params::names`]).
fn plan(p: &Params) -> Vec<Name> {
    let mut rng = l7_sim::rng::substream(p.seed, l7_sim::rng::Purpose::Experiment, 0);
    let total = p.names.len();
    let weights: Vec<f64> = (0..total).map(|i| 1.0 / (i + 1) as f64).collect();
    let sum: f64 = weights.iter().sum();
    (0..p.queries)
        .map(|_| {
            let mut x = rng.random::<f64>() * sum;
            let mut pick = total - 1;
            for (i, w) in weights.iter().enumerate() {
                if x < *w {
                    pick = i;
                    break;
                }
                x -= w;
            }
            p.names[pick].clone()
        })
        .collect()
}

/// Runs the stream of questions.
pub fn run(p: &Params) -> Result<Run, DnsError> {
    if p.names.is_empty() || p.queries == 0 {
        return Err(DnsError::Params(
            "no names to ask, or --queries 0: give at least one name and one query".into(),
        ));
    }
    if let Some(n) = p.names.iter().find(|n| n.label_count() < 2) {
        return Err(DnsError::Params(format!(
            "{n} has no second-level domain to serve it: list names of two labels or more"
        )));
    }
    let h = Hierarchy::of(&p.names);
    let mut sim = Sim::new(SimConfig {
        seed: p.seed,
        ..SimConfig::default()
    });
    let host = HostParams::default();
    let mut serve = |a: Authority| sim.add_host(host, Node::Server(Box::new(a)));
    let root = serve(zones::root(&h)?);
    let tlds: Vec<HostId> = (0..h.tlds.len())
        .map(|t| zones::tld(&h, t).map(&mut serve))
        .collect::<Result<_, _>>()?;
    let auths: Vec<HostId> = (0..h.domains.len())
        .map(|d| zones::domain(&h, d, p.ttl).map(&mut serve))
        .collect::<Result<_, _>>()?;
    let config = ResolverConfig {
        root_hints: zones::hints(),
        upstream_port: PORT,
        ..ResolverConfig::default()
    };
    let stub = Stub {
        resolver: Resolver::new(config, p.seed),
        plan: plan(p),
        interval: p.interval,
        next: 0,
        current: None,
        results: Vec::new(),
        timer: None,
    };
    // Paths are set before the resolver starts (its host starts at once).
    let resolver = HostId::from_ip(std::net::Ipv4Addr::from(
        0x0A00_0001 + sim.host_count() as u32,
    ))
    .ok_or_else(|| DnsError::Params("too many hosts".into()))?;
    let link = |sim: &mut Sim<Node>, to: HostId, rtt: Duration| {
        sim.set_link(resolver, to, LinkParams::with_latency(rtt / 2));
    };
    link(&mut sim, root, p.rtt_root);
    for t in &tlds {
        link(&mut sim, *t, p.rtt_tld);
    }
    for a in &auths {
        link(&mut sim, *a, p.rtt_auth);
    }
    sim.add_host(host, Node::Resolver(Box::new(stub)));
    let horizon = p.interval * p.queries as u32 + Duration::from_secs(3600);
    sim.run_until(Instant::ZERO + horizon);
    let Node::Resolver(stub) = sim.app(resolver) else {
        unreachable!("the last host is the resolver")
    };
    let queries = stub.results.clone();
    let n = queries.len().max(1) as f64;
    Ok(Run {
        ttl: p.ttl,
        mean_latency_ms: queries.iter().map(|q| q.latency_ms).sum::<f64>() / n,
        cache_hits: queries.iter().filter(|q| q.upstream == 0).count(),
        upstream_total: queries.iter().map(|q| q.upstream).sum(),
        queries,
    })
}

/// The same stream with each TTL.
pub fn ttl_sweep(p: &Params, ttls: &[u32]) -> Result<Vec<Run>, DnsError> {
    ttls.iter()
        .map(|&ttl| run(&Params { ttl, ..p.clone() }))
        .collect()
}

/// Latency and upstream queries of every question.
pub fn run_chart(run: &Run) -> Chart {
    let lat = run
        .queries
        .iter()
        .enumerate()
        .map(|(i, q)| ((i + 1) as f64, q.latency_ms))
        .collect();
    Chart {
        title: format!("Resolver latency per question (answer TTL {} s)", run.ttl),
        x_label: "question".into(),
        y_label: "resolution time (ms)".into(),
        series: vec![Series::new("latency", lat, Mark::Points)],
    }
}

/// Mean latency and share of cache hits against the TTL.
pub fn ttl_chart(runs: &[Run]) -> Chart {
    let pts = |f: &dyn Fn(&Run) -> f64| runs.iter().map(|r| (r.ttl as f64, f(r))).collect();
    Chart {
        title: "Caching: mean resolution time against answer TTL".into(),
        x_label: "answer TTL (s)".into(),
        y_label: "mean resolution time (ms)".into(),
        series: vec![Series::new(
            "mean latency",
            pts(&|r| r.mean_latency_ms),
            Mark::LinePoints,
        )],
    }
}
