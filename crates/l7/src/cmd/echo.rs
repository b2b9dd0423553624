//! `l7 echo serve` and `l7 echo send`.

use std::io::BufRead;

use l7_net::echo::{self, Exchange, TcpEchoClient, UdpEchoClient};
use l7_net::tcp::{ConnLimits, bind_tcp, bind_udp};
use serde_json::json;

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{EchoSendArgs, EchoServeArgs, Global};
use crate::output::{clock, json_line, ms, text, unix};

pub async fn serve(a: EchoServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let shutdown = shutdown_on_signals()?;
    let limits = ConnLimits {
        max_connections: a.max_connections,
        idle_timeout: a.idle_timeout,
    };
    if let Some(text) = a.banner {
        let l = bind_tcp(at).await?;
        ready("banner server", &[format!("tcp {at}")], g);
        echo::serve_banner(l, text, shutdown).await;
        return Ok(0);
    }
    let (tcp, udp) = match (a.tcp, a.udp) {
        (false, false) => (true, true),
        both => both,
    };
    let tcp = if tcp { Some(bind_tcp(at).await?) } else { None };
    let udp = if udp { Some(bind_udp(at).await?) } else { None };
    let mut listening = Vec::new();
    if tcp.is_some() {
        listening.push(format!("tcp {at}"));
    }
    if udp.is_some() {
        listening.push(format!("udp {at}"));
    }
    ready("echo server", &listening, g);
    let s2 = shutdown.clone();
    tokio::join!(
        async move {
            if let Some(l) = tcp {
                echo::serve_tcp(l, limits, shutdown).await
            }
        },
        async move {
            if let Some(s) = udp {
                echo::serve_udp(s, s2).await
            }
        }
    );
    Ok(0)
}

pub async fn send(a: EchoSendArgs, g: &Global) -> anyhow::Result<i32> {
    let to = addr::resolve(&a.addr).await?;
    let messages: Vec<Vec<u8>> = if a.message.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map(|l| l.map(String::into_bytes))
            .collect::<Result<_, _>>()?
    } else {
        vec![a.message.join(" ").into_bytes()]
    };
    if a.udp {
        let mut c = UdpEchoClient::connect(to, a.timeout).await?;
        for m in &messages {
            let ex = c.request(m).await?;
            show(m, &ex, &a, g);
        }
    } else {
        let mut c = TcpEchoClient::connect(to, a.timeout).await?;
        for m in &messages {
            let ex = c.request(m).await?;
            show(m, &ex, &a, g);
        }
    }
    Ok(0)
}

fn show(request: &[u8], ex: &Exchange, a: &EchoSendArgs, g: &Global) {
    if g.json {
        json_line(&json!({
            "request": text(request),
            "reply": text(&ex.reply),
            "sent_at": unix(ex.sent_at),
            "received_at": unix(ex.received_at),
            "rtt_ms": ex.rtt.as_secs_f64() * 1e3,
        }));
        return;
    }
    if g.trace {
        println!("C: {}", text(request));
        println!("S: {}", text(&ex.reply));
    } else {
        println!("{}", text(&ex.reply));
    }
    if a.timing {
        println!("  sent     {}", clock(ex.sent_at));
        println!("  received {}", clock(ex.received_at));
        println!("  RTT      {} ms", ms(ex.rtt));
    }
}
