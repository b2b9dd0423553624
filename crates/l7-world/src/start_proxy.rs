//! The world's caching proxies: cache.nyu.edu, `l7 proxy` in forward mode,
//! and the CDN edges (cdn-stl, cdn-sfo), the same proxy in reverse mode in
//! front of one origin; each keeps its store under the host's data
//! directory and resolves the world's hosts by the world file (their ports
//! moved by the world's offset) and any other name by the system.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use l7_http::cache::DiskStore;
use l7_http::client::Url;
use l7_http::server::ServerConfig;
use l7_net::Shutdown;
use l7_net::http::client_tls::client_config;
use l7_net::http::fetch::{FetchConfig, Resolver};
use l7_net::http::proxy::{self, Proxy, ProxyConfig};
use l7_net::prefix::Prefix;
use l7_net::tcp::{ConnLimits, bind_tcp};
use tokio::task::JoinSet;

use crate::{PortPlan, World};

/// The most the world's proxy keeps on disk.
const STORE_BYTES: u64 = 1 << 30;

/// Binds the proxy on `addr` (a reverse proxy for `origin` if given) and
/// runs it in `tasks` until shutdown.
pub async fn start(
    world: &World,
    plan: PortPlan,
    data: &Path,
    addr: SocketAddr,
    origin: Option<&str>,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<(), String> {
    let origin = match origin {
        Some(o) => match Url::parse(o) {
            Ok(url) if !url.tls => Some(url),
            Ok(_) => return Err(format!("origin {o}: only http:// origins are supported")),
            Err(e) => return Err(format!("origin {o}: {e}")),
        },
        None => None,
    };
    let hosts: HashMap<String, Ipv4Addr> = world
        .hosts
        .iter()
        .map(|h| (h.name.clone(), h.address))
        .collect();
    let hosts = Arc::new(hosts);
    let resolver: Resolver = Arc::new(move |host: String, port: u16| {
        let hosts = hosts.clone();
        Box::pin(async move {
            if let Some(ip) = hosts.get(&host.to_ascii_lowercase()) {
                return Ok(SocketAddr::from((*ip, plan.port(port))));
            }
            tokio::net::lookup_host((host.as_str(), port))
                .await
                .ok()
                .and_then(|mut a| a.next())
                .ok_or_else(|| format!("cannot resolve {host}"))
        })
    });
    let store = DiskStore::open(&data.join("cache"), STORE_BYTES)
        .map_err(|e| format!("cannot open the cache in {}: {e}", data.display()))?;
    let config = ProxyConfig {
        origin,
        allow: Prefix::LOOPBACK.to_vec(),
        purge_from: Prefix::LOOPBACK.to_vec(),
        connect_ports: vec![443, plan.port(443)],
        fetch: FetchConfig {
            proxy: None,
            tls: client_config(&[], &[b"http/1.1"])?,
            http2: false,
            persistent: true,
            follow: false,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
        },
        resolver,
        server: ServerConfig::default(),
    };
    let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
    let proxy = Arc::new(Proxy::new(config, store));
    tasks.spawn(proxy::serve(
        l,
        proxy,
        ConnLimits::default(),
        shutdown.clone(),
    ));
    Ok(())
}
