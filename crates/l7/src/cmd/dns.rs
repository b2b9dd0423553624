//! `l7 dns serve`, an authoritative server for zone files reloaded on SIGHUP
//! (a broken new zone keeps the old ones serving, with the error logged;
//! `--rrl` limits response rates), and
//! `l7 dns resolve`, the local DNS server (an iterative caching resolver).

use std::sync::{Arc, RwLock};

use anyhow::{Context, anyhow};
use l7_dns::authority::{Authority, RateLimiter, RrlConfig};
use l7_dns::resolver::{Hosts, Resolver, ResolverConfig, RootHint, parse_root_hints};
use l7_net::dns::resolver;
use l7_net::dns::routes as dns_routes;
use l7_net::dns::server;
use l7_net::dns::zones::{self, SharedAuthority, ZoneSpec};
use l7_net::prefix::Prefix;
use l7_net::tcp::{ConnLimits, bind_tcp, bind_udp};
use l7_world::state::{WorldState, default_path};

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{DnsResolveArgs, DnsServeArgs, Global};

/// Loads the zones (and the routing file), the whole set or nothing.
fn build(
    specs: &[ZoneSpec],
    acl: &[Prefix],
    routes: Option<&std::path::Path>,
) -> Result<(Authority, Option<u16>), String> {
    let acl = acl.to_vec();
    let authority = Authority::new(zones::load(specs)?)
        .with_transfer_acl(move |client, _| Prefix::any_contains(&acl, client));
    match routes {
        None => Ok((authority, None)),
        Some(path) => {
            let file = dns_routes::load(path)?;
            let authority = authority
                .with_routes(file.table())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((authority, file.health_port))
        }
    }
}

pub async fn serve(a: DnsServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let specs: Vec<ZoneSpec> = a
        .zones
        .iter()
        .map(|z| ZoneSpec::parse(z).map_err(|e| anyhow!(e)))
        .collect::<anyhow::Result<_>>()?;
    let acl: Vec<Prefix> = a
        .allow_transfer
        .iter()
        .map(|s| Prefix::parse(s).map_err(|e| anyhow!("--allow-transfer {e}")))
        .collect::<anyhow::Result<_>>()?;
    let rrl = match a.rrl {
        Some(0) => {
            return Err(anyhow!(
                "--rrl 0 would answer nothing: give 1 or more responses per second"
            ));
        }
        Some(rate) => Some(RateLimiter::new(RrlConfig {
            responses_per_second: rate,
            slip: a.rrl_slip,
            ..RrlConfig::default()
        })),
        None => None,
    };
    let (authority, health_port) =
        build(&specs, &acl, a.routes.as_deref()).map_err(|e| anyhow!(e))?;
    let apexes: Vec<String> = authority
        .zones()
        .iter()
        .map(|z| z.apex().to_string())
        .collect();
    let shared: SharedAuthority = Arc::new(RwLock::new(Arc::new(authority)));
    let shutdown = shutdown_on_signals()?;
    let udp = bind_udp(at).await?;
    let tcp = bind_tcp(at).await?;
    ready(
        &format!("authoritative DNS server for {}", apexes.join(" ")),
        &[format!("udp {at}"), format!("tcp {at}")],
        g,
    );
    let notify: Vec<std::net::SocketAddr> = a
        .notify
        .iter()
        .map(|s| addr::listen(s).map_err(|e| anyhow!("--notify {e}")))
        .collect::<anyhow::Result<_>>()?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let reload_target = shared.clone();
    let routes_file = a.routes.clone();
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match build(&specs, &acl, routes_file.as_deref()) {
                Ok((new, _)) => {
                    let new = Arc::new(new);
                    if let Ok(mut cur) = reload_target.write() {
                        *cur = new.clone();
                    }
                    tracing::info!("SIGHUP: zones reloaded");
                    server::notify_secondaries(&new, &notify).await;
                }
                Err(e) => {
                    tracing::error!("SIGHUP: reload failed, still serving the old zones: {e}")
                }
            }
        }
    });
    if let Some(port) = health_port {
        tokio::spawn(dns_routes::check_edges(
            shared.clone(),
            port,
            shutdown.clone(),
        ));
    }
    let limits = ConnLimits {
        idle_timeout: server::TCP_IDLE,
        max_connections: 1024,
    };
    // The UDP loop runs as a task on a worker, beside the I/O driver, not on
    // the main thread: a wake-up per datagram would cost a thread switch.
    let udp = tokio::spawn(server::serve_udp_limited(
        udp,
        shared.clone(),
        rrl,
        shutdown.clone(),
    ));
    server::serve_tcp(tcp, shared, limits, shutdown).await;
    let udp_answered = udp.await.unwrap_or(0);
    if g.json {
        crate::output::json_line(&serde_json::json!({ "udp_queries_answered": udp_answered }));
    } else {
        eprintln!("answered {udp_answered} UDP queries");
    }
    Ok(0)
}

pub async fn resolve(a: DnsResolveArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let (root_hints, hints_from, port) = match &a.root_hints {
        Some(p) => {
            let text = std::fs::read(p)
                .with_context(|| format!("cannot read root hints {}", p.display()))?;
            let file = p.display().to_string();
            let hints = parse_root_hints(&text, &file).map_err(|e| anyhow!("root hints: {e}"))?;
            (hints, file, a.upstream_port)
        }
        None => match world_root() {
            Some((hint, port)) => (vec![hint], "the running world's root".to_string(), port),
            None => {
                let hints =
                    parse_root_hints(resolver::INTERNET_ROOT_HINTS.as_bytes(), "named.root")
                        .map_err(|e| anyhow!("built-in root hints: {e}"))?;
                (
                    hints,
                    "the Internet's root servers".to_string(),
                    a.upstream_port,
                )
            }
        },
    };
    let hosts = match &a.hosts {
        Some(p) => Hosts::parse(
            &std::fs::read_to_string(p)
                .with_context(|| format!("cannot read hosts file {}", p.display()))?,
        )
        .map_err(|e| anyhow!("{}: {e}", p.display()))?,
        None => Hosts::default(),
    };
    let allowed: Vec<Prefix> = if a.allow.is_empty() {
        Prefix::LOOPBACK.to_vec()
    } else {
        a.allow
            .iter()
            .map(|s| Prefix::parse(s).map_err(|e| anyhow!("--allow {e}")))
            .collect::<anyhow::Result<_>>()?
    };
    let config = ResolverConfig {
        root_hints,
        upstream_port: port,
        cache_capacity: a.cache_size,
        hosts,
        ..ResolverConfig::default()
    };
    let shutdown = shutdown_on_signals()?;
    let udp = bind_udp(at).await?;
    let tcp = bind_tcp(at).await?;
    let source = resolver::upstream_source(at.ip());
    let handle = resolver::spawn(Resolver::new(config, rand::random()), allowed, source);
    ready(
        &format!("resolver (root hints: {hints_from})"),
        &[format!("udp {at}"), format!("tcp {at}")],
        g,
    );
    let limits = ConnLimits {
        idle_timeout: server::TCP_IDLE,
        max_connections: 1024,
    };
    // On a worker, like `l7 dns serve`'s UDP loop.
    let udp = tokio::spawn(resolver::serve_udp(udp, handle.clone(), shutdown.clone()));
    resolver::serve_tcp(tcp, handle, limits, shutdown).await;
    let _ = udp.await;
    Ok(0)
}

/// The running world's root server as a root hint, and the world's DNS port.
fn world_root() -> Option<(RootHint, u16)> {
    let w = WorldState::load_running(&default_path())?;
    let h = w.hosts.iter().find(|h| h.name == "a.root-servers.net")?;
    let s = h.services.iter().find(|s| s.role == "dns")?;
    let hint = RootHint {
        name: h.name.parse().ok()?,
        addr: h.address.into(),
    };
    Some((hint, s.port))
}
