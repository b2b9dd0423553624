//! `l7 play`: flags to a [`PlayConfig`], one line per segment as it
//! arrives, the QoE summary, and the optional trace and plot files. Under a
//! running world, host names go through the world's resolver (dns.nyu.edu),
//! so the CDN's request routing picks the edge the video comes from.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use l7_dash::abr::Abr;
use l7_dash::player::{Config, SegmentRecord};
use l7_dash::trace::{Step, Trace};
use l7_experiments::plot::{self, Chart, Mark, Series};
use l7_http::client::Url;
use l7_net::dash::player::{self, AudioFetch, PlayConfig, PlayEvent, Played};
use l7_net::dash::resolve;
use l7_net::http::client_tls::client_config;
use l7_net::http::fetch::{FetchConfig, Resolver};
use l7_world::state::{WorldState, default_path};

use super::get::resolver;
use crate::cli::{Global, PlayArgs};

pub async fn run(a: PlayArgs, g: &Global) -> anyhow::Result<i32> {
    let url = Url::parse(&a.url).with_context(|| format!("{}: not a URL", a.url))?;
    let abr = Abr::by_name(&a.abr)?;
    let mut config = PlayConfig {
        url,
        abr,
        player: Config {
            startup_s: a.startup.as_secs_f64(),
            buffer_cap_s: a.buffer.as_secs_f64(),
            abandon: !a.no_abandon,
        },
        fetch: FetchConfig {
            proxy: None,
            tls: client_config(&[], &[b"http/1.1"]).map_err(|e| anyhow!(e))?,
            http2: false,
            persistent: true,
            follow: true,
            connect_timeout: a.timeout,
            read_timeout: a.timeout,
        },
        resolver: resolver(),
    };
    let json = g.json;
    if let Some(world) = WorldState::load_running(&default_path())
        && let Some((name, server)) = world_resolver(&world)
    {
        announce_route(&world, &name, server, &config.url, a.timeout, json).await;
        config.resolver = through_world_dns(&world, server, a.timeout);
    }
    if !json {
        println!(
            "{:>7}  {:>4}  {:>12}  {:>13}  {:>8}  {:>7}  audio",
            "time", "seg", "bitrate", "throughput", "buffer", "stall"
        );
    }
    let played = player::play(config, |e| print_event(e, json)).await?;
    print_summary(&played, &a.abr, json);
    if let Some(path) = &a.trace_out {
        let trace = measured_trace(&played.records)?;
        std::fs::write(
            path,
            trace.emit(&format!("throughput measured by l7 play {}", a.url)),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &a.plot {
        plot::write(&chart(&played, &a.abr), path)?;
    }
    Ok(0)
}

/// The world's local DNS server (dns.nyu.edu's resolver), if it runs.
fn world_resolver(world: &WorldState) -> Option<(String, SocketAddr)> {
    world.hosts.iter().find_map(|h| {
        let s = h
            .services
            .iter()
            .find(|s| s.role == "resolver" && s.error.is_none())?;
        Some((h.name.clone(), SocketAddr::from((h.address, s.port))))
    })
}

/// Host names through the world's resolver (CNAMEs into a CDN followed), at
/// the world's ports; a name it cannot answer (or an address) is resolved
/// as `l7 get` does.
fn through_world_dns(world: &WorldState, server: SocketAddr, timeout: Duration) -> Resolver {
    let plan = world.ports;
    let dns = resolve::via_dns(server, timeout, move |p| plan.port(p));
    let fallback = resolver();
    Arc::new(move |host: String, port: u16| {
        let (dns, fallback) = (dns.clone(), fallback.clone());
        Box::pin(async move {
            if host.parse::<IpAddr>().is_err() {
                match dns(host.clone(), port).await {
                    Ok(at) => return Ok(at),
                    Err(e) => tracing::info!("{e}; resolving {host} as l7 get does"),
                }
            }
            fallback(host, port).await
        })
    })
}

/// Says where the MPD's host name led: the address the world's resolver
/// gave and the world host that has it (a CDN edge).
async fn announce_route(
    world: &WorldState,
    resolver_name: &str,
    server: SocketAddr,
    url: &Url,
    timeout: Duration,
    json: bool,
) {
    let host = url.host.clone();
    if host.parse::<IpAddr>().is_ok() {
        return;
    }
    let Ok(ip) = resolve::lookup(server, &host, timeout).await else {
        return;
    };
    let at = world
        .hosts
        .iter()
        .find(|h| IpAddr::V4(h.address) == ip)
        .map_or("", |h| h.name.as_str());
    if json {
        crate::output::json_line(&serde_json::json!({
            "resolved": { "host": host, "address": ip.to_string(), "world_host": at, "via": resolver_name },
        }));
    } else {
        println!("{host} is {ip} ({at}), says {resolver_name}");
    }
}

fn print_event(e: &PlayEvent, json: bool) {
    match (e, json) {
        (PlayEvent::Segment(r, audio), true) => crate::output::json_line(&serde_json::json!({
            "segment": r, "audio": audio,
        })),
        (PlayEvent::Segment(r, audio), false) => println!(
            "{:>6.1}s  {:>4}  {:>7.0} kbit/s  {:>6.2} Mbit/s  {:>6.1} s  {:>5.2} s  {}",
            r.done_s,
            r.segment,
            r.bitrate_bps / 1e3,
            r.throughput_bps / 1e6,
            r.buffer_s,
            r.stall_s,
            audio_column(audio)
        ),
        (
            &PlayEvent::Abandoned {
                segment,
                rung,
                bytes,
                at_s,
            },
            true,
        ) => crate::output::json_line(&serde_json::json!({
            "abandoned": { "segment": segment, "rung": rung, "bytes": bytes, "at_s": at_s },
        })),
        (
            &PlayEvent::Abandoned {
                segment,
                rung,
                bytes,
                at_s,
            },
            false,
        ) => println!(
            "{at_s:>6.1}s  {segment:>4}  abandoned at rung {rung} after {bytes} bytes: it would stall"
        ),
    }
}

/// The audio segments fetched with a video segment: `a3 16 kB`, `-` if none.
fn audio_column(audio: &[AudioFetch]) -> String {
    let words: Vec<String> = audio
        .iter()
        .map(|f| format!("a{} {:.1} kB", f.segment, f.bytes as f64 / 1e3))
        .collect();
    if words.is_empty() {
        "-".into()
    } else {
        words.join(", ")
    }
}

fn print_summary(p: &Played, abr: &str, json: bool) {
    let s = &p.summary;
    if json {
        crate::output::json_line(
            &serde_json::json!({ "abr": abr, "summary": s, "audio": p.audio }),
        );
        return;
    }
    println!(
        "{abr}: {} segments, mean bitrate {:.0} kbit/s, rebuffering {:.2} s in {} stalls, \
         {} switches, start-up {}, {} abandoned, QoE_lin {:.2}",
        s.segments,
        s.mean_bitrate_bps / 1e3,
        s.rebuffer_s,
        s.rebuffer_count,
        s.switches,
        s.startup_delay_s
            .map_or("never".to_string(), |d| format!("{d:.2} s")),
        s.abandoned,
        s.qoe_lin
    );
    if let Some(a) = &p.audio {
        println!(
            "audio: {} segments at {:.0} kbit/s, {:.1} kB",
            a.segments,
            a.bitrate_bps as f64 / 1e3,
            a.bytes as f64 / 1e3
        );
    }
}

/// Each segment's measured throughput from its request on, as a trace.
fn measured_trace(records: &[SegmentRecord]) -> anyhow::Result<Trace> {
    let mut steps: Vec<Step> = Vec::new();
    for r in records {
        let at_s = if steps.is_empty() { 0.0 } else { r.requested_s };
        if steps.last().is_some_and(|s| at_s <= s.at_s) {
            continue;
        }
        steps.push(Step {
            at_s,
            kbps: (r.throughput_bps / 1e3).round(),
        });
    }
    let end = records.last().map_or(1.0, |r| r.done_s);
    Trace::new(steps, end).map_err(|e| anyhow!("no trace to write: {e}"))
}

fn chart(p: &Played, abr: &str) -> Chart {
    let pts = |f: &dyn Fn(&SegmentRecord) -> f64| -> Vec<(f64, f64)> {
        p.records.iter().map(|r| (r.done_s, f(r))).collect()
    };
    Chart {
        title: format!("l7 play --abr {abr}: QoE_lin {:.1}", p.summary.qoe_lin),
        x_label: "time (s)".into(),
        y_label: "Mbit/s (bitrate, throughput); s (buffer)".into(),
        series: vec![
            Series::new(
                "bitrate (Mbit/s)",
                pts(&|r| r.bitrate_bps / 1e6),
                Mark::LinePoints,
            ),
            Series::new(
                "throughput (Mbit/s)",
                pts(&|r| r.throughput_bps / 1e6),
                Mark::Line,
            ),
            Series::new("buffer (s)", pts(&|r| r.buffer_s), Mark::Line),
        ],
    }
}
