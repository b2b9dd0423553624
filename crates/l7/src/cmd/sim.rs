//! `l7 sim ...`: runs an experiment of `l7-experiments`, prints a table (or
//! JSON with `--json`) and writes the plot asked for with `--plot`.

use std::path::Path;

use anyhow::Context;
use l7_experiments::dash;
use l7_experiments::dns;
use l7_experiments::http::{self, Page};
use l7_experiments::p2p::{self, Params};
use l7_experiments::plot::{self, Chart};
use serde::Serialize;

use crate::cli::{Global, SimDashArgs, SimDnsArgs, SimHttpArgs, SimP2pArgs};

/// Seconds, with hours beside them when long.
fn dur(s: Option<f64>) -> String {
    match s {
        None => "never".into(),
        Some(s) if s >= 3600.0 => format!("{s:.0} s ({:.2} h)", s / 3600.0),
        Some(s) => format!("{s:.3} s"),
    }
}

fn ratio(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.3}"))
}

/// Prints `value` as one JSON document.
fn json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Writes the chart if `--plot` was given, and says so on stderr.
fn write_plot(chart: &Chart, path: Option<&Path>) -> anyhow::Result<()> {
    if let Some(path) = path {
        plot::write(chart, path)?;
        eprintln!("plot written to {}", path.display());
    }
    Ok(())
}

fn params(a: &SimP2pArgs) -> Params {
    let course = Params::course(a.file, a.peers);
    let peer_up = a.peer_up.unwrap_or(course.peer_up);
    let server_up = a.server_up.unwrap_or(10 * peer_up);
    Params {
        piece_bytes: a.piece.unwrap_or(course.piece_bytes),
        server_up,
        peer_up,
        peer_down: a.peer_down.unwrap_or(server_up),
        latency: a.latency,
        seed: a.seed,
        ..course
    }
}

/// `l7 sim p2p`.
pub fn p2p(a: SimP2pArgs, g: &Global) -> anyhow::Result<i32> {
    let base = params(&a);
    let plot = a.plot.as_deref();
    if let Some(range) = a.sweep.clone() {
        let points = p2p::sweep(&base, range, a.client_server).context("sweep failed")?;
        write_plot(&p2p::sweep_chart(&points), plot)?;
        if g.json {
            json(&serde_json::json!({ "points": points }))?;
        } else {
            println!(
                "{:>4}  {:>22}  {:>22}  {:>6}  {:>22}  {:>22}",
                "N", "P2P measured", "D_P2P", "ratio", "client-server measured", "D_cs"
            );
            for p in &points {
                println!(
                    "{:>4}  {:>22}  {:>22}  {:>6}  {:>22}  {:>22}",
                    p.peers,
                    dur(p.measured_s),
                    dur(Some(p.bound_p2p_s)),
                    ratio(p.ratio),
                    if a.client_server {
                        dur(p.measured_cs_s)
                    } else {
                        "-".into()
                    },
                    dur(Some(p.bound_cs_s)),
                );
            }
        }
        return Ok(0);
    }
    if let Some(k) = a.free_riders {
        let rows = p2p::free_rider_table(&base, k).context("free-rider runs failed")?;
        write_plot(&p2p::free_rider_chart(&rows, base.peers), plot)?;
        if g.json {
            json(&serde_json::json!({ "peers": base.peers, "rows": rows }))?;
        } else {
            println!("{} peers; K of them never upload", base.peers);
            println!(
                "{:>3}  {:>22}  {:>22}  {:>22}  {:>22}",
                "K", "compliant (mean)", "free riders (mean)", "last peer", "D_P2P"
            );
            for r in &rows {
                println!(
                    "{:>3}  {:>22}  {:>22}  {:>22}  {:>22}",
                    r.free_riders,
                    dur(r.compliant_mean_s),
                    if r.free_riders == 0 {
                        "-".into()
                    } else {
                        dur(r.free_rider_mean_s)
                    },
                    dur(r.measured_s),
                    dur(Some(r.bound_p2p_s)),
                );
            }
        }
        return Ok(0);
    }
    if a.compare_selection {
        let c = p2p::compare_selection(&base).context("runs failed")?;
        write_plot(&p2p::selection_chart(&c), plot)?;
        if g.json {
            json(&c)?;
        } else {
            for (name, run) in [("rarest first", &c.rarest_first), ("random", &c.random)] {
                println!(
                    "{name:>12}: all {} peers done at {}, mean {}, ratio to D_P2P {}",
                    run.peers,
                    dur(run.measured_s),
                    dur(p2p::mean(&run.compliant_done_s)),
                    ratio(run.ratio)
                );
            }
        }
        return Ok(0);
    }
    let run = p2p::run_swarm(&base).context("swarm run failed")?;
    let cs = if a.client_server {
        p2p::run_client_server(&base).context("client-server run failed")?
    } else {
        None
    };
    write_plot(&p2p::completion_chart(&run), plot)?;
    if g.json {
        json(&serde_json::json!({ "run": run, "measured_cs_s": cs }))?;
    } else {
        println!(
            "P2P, {} peers: last done at {}",
            run.peers,
            dur(run.measured_s)
        );
        println!(
            "  D_P2P {}  (ratio {})",
            dur(Some(run.bound_p2p_s)),
            ratio(run.ratio)
        );
        if a.client_server {
            println!("client-server: last done at {}", dur(cs));
        }
        println!("  D_cs  {}", dur(Some(run.bound_cs_s)));
    }
    Ok(if run.measured_s.is_some() { 0 } else { 1 })
}

/// `l7 sim http`.
pub fn http(a: SimHttpArgs, g: &Global) -> anyhow::Result<i32> {
    if a.bandwidth == 0 {
        anyhow::bail!("--bandwidth must be above zero, e.g. 10Mbit");
    }
    let plot = a.plot.as_deref();
    let (loads, chart) = if a.hol {
        let page = http::hol_page(a.rtt, a.bandwidth, a.large, a.object_size, a.seed);
        let loads = http::hol(&page);
        let chart = http::hol_chart(&loads);
        (loads, chart)
    } else {
        let page = Page {
            base_bytes: a.object_size,
            objects: vec![a.object_size; a.objects],
            rtt: a.rtt,
            bandwidth_bps: a.bandwidth,
            seed: a.seed,
        };
        let chart = http::objects_chart(&page, a.parallel, a.objects.max(1));
        (http::compare(&page, a.parallel), chart)
    };
    write_plot(&chart, plot)?;
    if g.json {
        return json(&serde_json::json!({ "loads": loads })).map(|()| 0);
    }
    let rtt = a.rtt.as_secs_f64();
    if a.hol {
        println!(
            "object 1: {} bytes; objects 2-4: {} bytes each",
            a.large, a.object_size
        );
        for l in &loads {
            let at: Vec<String> = l.object_done_s[1..]
                .iter()
                .map(|t| t.map_or("never".into(), |t| format!("{:.1} ms", t * 1e3)))
                .collect();
            println!("{:>28}: arrivals {}", l.label, at.join(", "));
        }
        return Ok(0);
    }
    println!(
        "{:>28}  {:>12}  {:>12}  {:>8}  {:>5}",
        "mode", "measured", "formula", "RTTs", "conns"
    );
    for l in &loads {
        println!(
            "{:>28}  {:>12}  {:>12}  {:>8}  {:>5}",
            l.label,
            dur(l.page_load_s),
            dur(Some(l.formula_s)),
            l.page_load_s
                .map_or("-".into(), |t| format!("{:.1}", t / rtt)),
            l.connections
        );
    }
    Ok(0)
}

/// `l7 sim dns`.
pub fn dns(a: SimDnsArgs, g: &Global) -> anyhow::Result<i32> {
    let p = dns::Params {
        rtt_root: a.rtt_root,
        rtt_tld: a.rtt_tld,
        rtt_auth: a.rtt_auth,
        names: match &a.names {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read names file {}", path.display()))?;
                dns::parse_names(&text, &path.display().to_string())?
            }
            None => dns::generated_names(a.domains, a.generated_names),
        },
        queries: a.queries,
        interval: a.interval,
        ttl: u32::try_from(a.ttl.as_secs()).unwrap_or(u32::MAX),
        seed: a.seed,
    };
    let plot = a.plot.as_deref();
    if !a.ttls.is_empty() {
        let runs = dns::ttl_sweep(&p, &a.ttls)?;
        write_plot(&dns::ttl_chart(&runs), plot)?;
        if g.json {
            return json(&serde_json::json!({ "runs": runs })).map(|()| 0);
        }
        println!(
            "{:>8}  {:>12}  {:>10}  {:>9}",
            "TTL (s)", "mean (ms)", "cache hits", "upstream"
        );
        for r in &runs {
            println!(
                "{:>8}  {:>12.1}  {:>6}/{:<3}  {:>9}",
                r.ttl,
                r.mean_latency_ms,
                r.cache_hits,
                r.queries.len(),
                r.upstream_total
            );
        }
        return Ok(0);
    }
    let run = dns::run(&p)?;
    write_plot(&dns::run_chart(&run), plot)?;
    if g.json {
        return json(&run).map(|()| 0);
    }
    println!(
        "{:>8}  {:<24}  {:>10}  {:>8}",
        "at (s)", "name", "time (ms)", "upstream"
    );
    for q in &run.queries {
        println!(
            "{:>8.1}  {:<24}  {:>10.1}  {:>8}",
            q.at_s, q.name, q.latency_ms, q.upstream
        );
    }
    println!(
        "mean {:.1} ms; {} of {} answered from the cache; {} upstream queries",
        run.mean_latency_ms,
        run.cache_hits,
        run.queries.len(),
        run.upstream_total
    );
    Ok(0)
}

/// The trace `--shape` names: a shipped one, else a file.
fn dash_trace(name: &str) -> anyhow::Result<(String, l7_dash::trace::Trace)> {
    if let Some(t) = dash::traces::shipped(name) {
        return Ok((name.to_string(), t?));
    }
    let text = std::fs::read_to_string(name).with_context(|| {
        format!("cannot read trace {name:?} — name a shipped trace (steady, step-down, oscillating, 3g, lte) or a file")
    })?;
    let t = l7_dash::trace::Trace::parse(&text).with_context(|| format!("in {name}"))?;
    Ok((name.to_string(), t))
}

/// `l7 sim dash`.
pub fn dash(a: SimDashArgs, g: &Global) -> anyhow::Result<i32> {
    let traces = match (&a.shape, a.compare) {
        (Some(name), _) => vec![dash_trace(name)?],
        (None, true) => dash::traces::SHIPPED
            .iter()
            .map(|(n, _)| dash_trace(n))
            .collect::<anyhow::Result<_>>()?,
        (None, false) => vec![dash_trace("steady")?],
    };
    let (name, trace) = traces[0].clone();
    let mut p = dash::Params::new(&name, trace.clone(), &a.abr);
    p.session_s = a.session.as_secs_f64();
    p.segment_s = a.segment.as_secs_f64();
    p.config.abandon = !a.no_abandon;
    p.seed = a.seed;
    if p.segment_s <= 0.0 || p.session_s < p.segment_s {
        anyhow::bail!("--session must be at least one --segment long, and --segment above zero");
    }
    let plot = a.plot.as_deref();
    if a.compare {
        let runs = dash::compare(&p, &traces)?;
        write_plot(&dash::compare_chart(&runs), plot)?;
        if g.json {
            let rows: Vec<_> = runs
                .iter()
                .map(
                    |r| serde_json::json!({ "trace": r.trace, "abr": r.abr, "summary": r.summary }),
                )
                .collect();
            return json(&serde_json::json!({ "runs": rows })).map(|()| 0);
        }
        println!(
            "{:<12} {:<7} {:>10} {:>10} {:>6} {:>8} {:>9} {:>9}",
            "trace", "abr", "bitrate", "rebuffer", "stalls", "switches", "abandoned", "QoE_lin"
        );
        for r in &runs {
            let s = &r.summary;
            println!(
                "{:<12} {:<7} {:>5.0} kb/s {:>8.2} s {:>6} {:>8} {:>9} {:>9.1}",
                r.trace,
                r.abr,
                s.mean_bitrate_bps / 1e3,
                s.rebuffer_s,
                s.rebuffer_count,
                s.switches,
                s.abandoned,
                s.qoe_lin
            );
        }
        return Ok(0);
    }
    let run = dash::run(&p)?;
    write_plot(&dash::run_chart(&run, &trace), plot)?;
    if g.json {
        return json(&run).map(|()| 0);
    }
    println!(
        "{:>8} {:>4} {:>5} {:>10} {:>12} {:>8} {:>7}",
        "time (s)", "seg", "rung", "bitrate", "throughput", "buffer", "stall"
    );
    for r in &run.segments {
        println!(
            "{:>8.1} {:>4} {:>5} {:>5.0} kb/s {:>7.0} kb/s {:>6.1} s {:>5.2} s",
            r.done_s,
            r.segment,
            r.rung,
            r.bitrate_bps / 1e3,
            r.throughput_bps / 1e3,
            r.buffer_s,
            r.stall_s
        );
    }
    let s = &run.summary;
    println!(
        "{} on {}: mean bitrate {:.0} kbit/s, rebuffering {:.2} s in {} stalls, {} switches, start-up {}, {} abandoned, QoE_lin {:.1}",
        run.abr,
        run.trace,
        s.mean_bitrate_bps / 1e3,
        s.rebuffer_s,
        s.rebuffer_count,
        s.switches,
        dur(s.startup_delay_s),
        s.abandoned,
        s.qoe_lin
    );
    Ok(if run.ended_s.is_some() { 0 } else { 1 })
}
