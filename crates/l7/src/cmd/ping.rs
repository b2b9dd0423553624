//! `l7 ping ADDR` (the pinger lab's client, printing what iputils ping
//! prints) and `l7 ping serve` (the lab's lossy UDP server).

use std::time::Instant;

use anyhow::bail;
use l7_net::ping::{self, PingOutcome, PingPlan};
use l7_net::tcp::bind_udp;
use l7_sockets::ping::LossModel;
use l7_sockets::stats::{RttStats, loss_percent};
use serde_json::json;

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{Global, PingCmd, PingServeCmd};
use crate::output::{json_line, ms};

pub async fn run(p: PingCmd, g: &Global) -> anyhow::Result<i32> {
    if let Some(PingServeCmd::Serve(a)) = p.serve {
        if !(0.0..=1.0).contains(&a.loss) {
            bail!(
                "--loss {} is not a fraction between 0 and 1 (0.3 drops 30%)",
                a.loss
            );
        }
        let at = addr::listen(&a.listen)?;
        let shutdown = shutdown_on_signals()?;
        let socket = bind_udp(at).await?;
        let seed = a.seed.unwrap_or_else(rand::random);
        ready(
            &format!("ping server (loss {}, seed {seed})", a.loss),
            &[format!("udp {at}")],
            g,
        );
        ping::serve(socket, LossModel::new(a.loss, seed), shutdown).await;
        return Ok(0);
    }
    let Some(target) = p.client.addr else {
        bail!("l7 ping needs a server address, e.g. `l7 ping 127.0.0.1:12000`, or `l7 ping serve`");
    };
    let to = addr::resolve(&target).await?;
    let plan = PingPlan {
        count: p.client.count,
        timeout: p.client.timeout,
        interval: p.client.interval,
    };
    let shutdown = shutdown_on_signals()?;
    if !g.json {
        println!(
            "PING {to}: {} pings, timeout {}",
            plan.count,
            l7_net::error::fmt_duration(plan.timeout)
        );
    }
    let started = Instant::now();
    let json = g.json;
    let outcomes = ping::run(to, plan, &shutdown, |o| match o {
        PingOutcome::Reply { seq, rtt, bytes } if json => {
            json_line(&json!({"seq": seq, "rtt_ms": rtt.as_secs_f64() * 1e3, "bytes": bytes}))
        }
        PingOutcome::TimedOut { seq } if json => json_line(&json!({"seq": seq, "timeout": true})),
        PingOutcome::Reply { seq, rtt, bytes } => {
            println!("{bytes} bytes from {to}: seq={seq} time={} ms", ms(*rtt))
        }
        PingOutcome::TimedOut { seq } => println!("Request timed out (seq={seq})"),
    })
    .await?;
    let rtts: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            PingOutcome::Reply { rtt, .. } => Some(*rtt),
            PingOutcome::TimedOut { .. } => None,
        })
        .collect();
    let (sent, got) = (outcomes.len(), rtts.len());
    let loss = loss_percent(sent, got);
    let stats = RttStats::from_samples(&rtts);
    if g.json {
        let mut summary = json!({"transmitted": sent, "received": got, "loss_percent": loss});
        if let Some(s) = stats {
            summary["rtt_ms"] = json!({
                "min": s.min.as_secs_f64() * 1e3, "avg": s.avg.as_secs_f64() * 1e3,
                "max": s.max.as_secs_f64() * 1e3, "mdev": s.mdev.as_secs_f64() * 1e3,
            });
        }
        json_line(&summary);
    } else {
        println!("\n--- {to} ping statistics ---");
        println!(
            "{sent} packets transmitted, {got} received, {}% packet loss, time {}ms",
            (loss * 100.0).round() / 100.0,
            started.elapsed().as_millis()
        );
        if let Some(s) = stats {
            println!(
                "rtt min/avg/max/mdev = {}/{}/{}/{} ms",
                ms(s.min),
                ms(s.avg),
                ms(s.max),
                ms(s.mdev)
            );
        }
    }
    Ok(if got > 0 { 0 } else { 1 })
}
