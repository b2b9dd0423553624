//! `l7 dns query`: dig's output for one exchange, or with `--trace` every
//! step of the iterative walk from the root (the course's iterated query).

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, anyhow, bail};
use l7_dns::wire::{Message, Name, Record, RecordType};
use l7_net::dns::client::{self, Exchange, Step};
use l7_world::state::{WorldState, default_path};
use serde_json::{Value, json};

use crate::cli::{DnsQueryArgs, Global};
use crate::output::json_line;

struct Request {
    name: Name,
    qtype: RecordType,
    server: Option<String>,
}

fn parse_words(words: &[String]) -> anyhow::Result<Request> {
    let (mut name, mut qtype, mut server) = (None, None, None);
    for w in words {
        if let Some(s) = w.strip_prefix('@') {
            server = Some(s.to_string());
        } else if let Some(t) =
            RecordType::from_mnemonic(&w.to_ascii_uppercase()).filter(|_| name.is_some())
        {
            qtype = Some(t);
        } else if name.is_none() {
            name = Some(
                w.parse::<Name>()
                    .map_err(|e| anyhow!("{w:?} is not a domain name: {e:?}"))?,
            );
        } else {
            bail!(
                "{w:?} is not a record type (A, AAAA, NS, MX, CNAME, SOA, TXT, PTR, SRV, CAA, ANY...)"
            );
        }
    }
    Ok(Request {
        name: name.context("which name? e.g. l7 dns query www.networkutopia.com")?,
        qtype: qtype.unwrap_or(RecordType::A),
        server,
    })
}

/// `HOST[:PORT]` with port 53 by default; world host names work.
async fn server_addr(s: &str) -> anyhow::Result<SocketAddr> {
    if let Ok(ip) = s
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, 53));
    }
    let with_port = if s.contains(':') {
        s.to_string()
    } else {
        format!("{s}:53")
    };
    crate::addr::resolve(&with_port).await
}

/// The running world's DNS service on `host`, if any.
fn world_dns(host: &str, role: &str) -> Option<SocketAddr> {
    let w = WorldState::load_running(&default_path())?;
    let h = w.hosts.iter().find(|h| h.name == host)?;
    let s = h
        .services
        .iter()
        .find(|s| s.role == role && s.error.is_none())?;
    Some(SocketAddr::from((h.address, s.port)))
}

/// The first `nameserver` of /etc/resolv.conf.
fn system_resolver() -> Option<SocketAddr> {
    let conf = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    conf.lines().find_map(|l| {
        let ip: IpAddr = l.strip_prefix("nameserver")?.trim().parse().ok()?;
        Some(SocketAddr::new(ip, 53))
    })
}

pub async fn run(a: DnsQueryArgs, g: &Global) -> anyhow::Result<i32> {
    let req = parse_words(&a.words)?;
    if g.trace {
        let root = match &a.root {
            Some(r) => server_addr(r).await?,
            None => world_dns("a.root-servers.net", "dns")
                .context("--trace starts at a root server: run `l7 up`, or pass --root ADDR")?,
        };
        let json = g.json;
        let mut show = |step: &Step| print_step(step, json);
        let reply = client::trace(&req.name, req.qtype, root, a.timeout, &mut show).await?;
        return Ok(status_code(&reply));
    }
    let server = match &req.server {
        Some(s) => server_addr(s).await?,
        None => world_dns("dns.nyu.edu", "resolver")
            .or_else(system_resolver)
            .context("no DNS server to ask: name one with @SERVER")?,
    };
    let q = client::query(&req.name, req.qtype, !a.norec);
    let ex = client::exchange(server, &q, a.tcp, a.timeout).await?;
    if g.json {
        json_line(&exchange_json(&ex));
    } else if a.short {
        for r in &ex.reply.answers {
            println!("{}", r.rdata);
        }
    } else {
        print!("{}", ex.reply);
        println!();
        println!(";; Query time: {} msec", ex.elapsed.as_millis());
        println!(
            ";; SERVER: {}#{}({})",
            ex.server.ip(),
            ex.server.port(),
            if ex.tcp { "TCP" } else { "UDP" }
        );
        println!(";; MSG SIZE  rcvd: {}", ex.size);
    }
    Ok(status_code(&ex.reply))
}

/// Exit 0 for an answer or a clean negative answer, 1 for a server failure.
fn status_code(m: &Message) -> i32 {
    match m.rcode.mnemonic() {
        Some("NOERROR") | Some("NXDOMAIN") => 0,
        _ => 1,
    }
}

fn print_step(step: &Step, json: bool) {
    let ex = &step.exchange;
    if json {
        let mut v = exchange_json(ex);
        v["asked"] = json!(format!("{} {}", step.name, step.qtype));
        json_line(&v);
        return;
    }
    println!(
        ";; asking {}#{} for {} {}",
        ex.server.ip(),
        ex.server.port(),
        step.name,
        step.qtype
    );
    let m = &ex.reply;
    for r in m.answers.iter().chain(&m.authority).chain(&m.additional) {
        println!("{r}");
    }
    let kind = if !m.answers.is_empty() {
        "answer"
    } else if m.flags.authoritative || m.authority.iter().all(|r| r.rtype() != RecordType::NS) {
        "no such data (authoritative)"
    } else {
        "referral"
    };
    println!(
        ";; Received {} bytes from {}#{} in {} ms: {kind}, status {}\n",
        ex.size,
        ex.server.ip(),
        ex.server.port(),
        ex.elapsed.as_millis(),
        m.rcode
    );
}

fn records_json(rs: &[Record]) -> Value {
    rs.iter()
        .map(|r| {
            json!({"name": r.name.to_string(), "ttl": r.ttl, "class": r.class.to_string(),
                   "type": r.rtype().to_string(), "data": r.rdata.to_string()})
        })
        .collect()
}

fn exchange_json(ex: &Exchange) -> Value {
    let m = &ex.reply;
    let flags = m.flags.names();
    json!({
        "server": ex.server.to_string(), "tcp": ex.tcp, "time_ms": ex.elapsed.as_secs_f64() * 1e3,
        "size": ex.size, "id": m.id, "status": m.rcode.to_string(), "flags": flags,
        "question": m.questions.iter().map(|q| json!({"name": q.name.to_string(), "type": q.qtype.to_string()})).collect::<Vec<_>>(),
        "answer": records_json(&m.answers), "authority": records_json(&m.authority),
        "additional": records_json(&m.additional),
    })
}
