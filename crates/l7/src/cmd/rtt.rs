//! `l7 rtt`: application-level RTT over UDP and TCP side by side, with the
//! TCP handshake shown apart from the request/response (lab task 3).

use l7_net::rtt::{self, Samples};
use l7_sockets::stats::RttStats;
use serde_json::{Value, json};

use crate::addr;
use crate::cli::{Global, RttArgs};
use crate::output::{json_line, ms};

pub async fn run(a: RttArgs, g: &Global) -> anyhow::Result<i32> {
    let to = addr::resolve(&a.addr).await?;
    let (tcp, udp) = match (a.tcp, a.udp) {
        (false, false) => (true, true),
        both => both,
    };
    let mut rows: Vec<(&str, &str, Samples)> = Vec::new();
    if udp {
        rows.push((
            "udp",
            "UDP request/reply",
            rtt::udp(to, a.count, a.timeout).await?,
        ));
    }
    if tcp {
        rows.push((
            "tcp_connect",
            "TCP connect (handshake)",
            rtt::tcp_connect(to, a.count, a.timeout).await?,
        ));
        rows.push((
            "tcp",
            "TCP request/reply",
            rtt::tcp_request(to, a.count, a.timeout).await?,
        ));
    }
    if g.json {
        let mut out = json!({"server": to.to_string(), "samples": a.count});
        for (key, _, s) in &rows {
            out[*key] = summary_json(s);
        }
        json_line(&out);
        return Ok(0);
    }
    println!("RTT to {to}, {} samples each\n", a.count);
    println!(
        "{:<26}{:>6}{:>7}{:>12}{:>12}{:>12}",
        "", "ok", "lost", "min ms", "median ms", "p99 ms"
    );
    for (_, label, s) in &rows {
        match RttStats::from_samples(&s.rtts) {
            Some(st) => println!(
                "{label:<26}{:>6}{:>7}{:>12}{:>12}{:>12}",
                st.count,
                s.lost,
                ms(st.min),
                ms(st.median),
                ms(st.p99)
            ),
            None => println!("{label:<26}{:>6}{:>7}  no replies", 0, s.lost),
        }
    }
    if tcp {
        println!(
            "\nA new TCP connection costs the handshake (one RTT) before its first request;\nUDP sends the request at once, with no connection and no delivery guarantee."
        );
    }
    Ok(0)
}

fn summary_json(s: &Samples) -> Value {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    match RttStats::from_samples(&s.rtts) {
        Some(st) => json!({
            "ok": st.count, "lost": s.lost, "min_ms": ms(st.min), "median_ms": ms(st.median),
            "p99_ms": ms(st.p99), "avg_ms": ms(st.avg), "max_ms": ms(st.max),
        }),
        None => json!({"ok": 0, "lost": s.lost}),
    }
}
