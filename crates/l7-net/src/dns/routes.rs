//! Request routing files for `l7 dns serve --routes FILE` (TOML), and the
//! health checker that marks an edge dead when a TCP connection to its
//! HTTP port fails. The choice itself is sans-IO in
//! [`l7_dns::authority::Routes`]; this side only reads files and probes.
//!
//! ```toml
//! health_port = 80             # TCP port probed on every edge; omit for no checks
//!
//! [[route]]
//! name = "video.netcinema.kingcdn.com"   # its A records in the zone list every edge
//! ttl = 20                                # seconds, short: clients come back to be re-routed
//! default = "127.0.40.11"                 # for clients no prefix matches
//!
//! [route.clients]                         # longest prefix of the client wins
//! "198.51.100.0/24" = "127.0.40.11"
//! "203.0.113.0/24" = "127.0.40.12"
//! ```

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use l7_dns::authority::{Route, Routes};
use l7_dns::wire::Name;
use l7_wire::prefix::Prefix;
use serde::Deserialize;
use tokio::net::TcpStream;

use super::zones::SharedAuthority;
use crate::Shutdown;

/// How often every edge is probed.
pub const CHECK_EVERY: Duration = Duration::from_secs(3);
/// How long a probe waits for the TCP handshake.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest TTL a routed answer may carry (a day): routing needs clients back.
const MAX_ROUTE_TTL: u32 = 86_400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    health_port: Option<u16>,
    #[serde(default)]
    route: Vec<RouteEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteEntry {
    name: String,
    ttl: u32,
    default: IpAddr,
    #[serde(default)]
    clients: BTreeMap<String, IpAddr>,
}

/// A routing file as read: the routes, and the port probed on each edge.
#[derive(Debug)]
pub struct RouteFile {
    /// Every routed name.
    pub routes: Vec<Route>,
    /// TCP port of the edges' health check, if any.
    pub health_port: Option<u16>,
}

/// Parses routing-file text named `file` in errors.
pub fn parse(text: &str, file: &str) -> Result<RouteFile, String> {
    let f: File = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let mut routes = Vec::new();
    for r in f.route {
        let owner: Name = r
            .name
            .parse()
            .map_err(|e| format!("{file}: route {:?}: not a domain name: {e}", r.name))?;
        if r.ttl == 0 || r.ttl > MAX_ROUTE_TTL {
            return Err(format!(
                "{file}: route {owner}: ttl {} must be 1 to {MAX_ROUTE_TTL} seconds (a few seconds to minutes is usual)",
                r.ttl
            ));
        }
        let clients = r
            .clients
            .iter()
            .map(|(p, edge)| {
                Prefix::parse(p)
                    .map(|p| (p, *edge))
                    .map_err(|e| format!("{file}: route {owner}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        routes.push(Route {
            owner,
            ttl: r.ttl,
            default: r.default,
            clients,
        });
    }
    Ok(RouteFile {
        routes,
        health_port: f.health_port,
    })
}

/// Reads and parses the routing file at `path`.
pub fn load(path: &std::path::Path) -> Result<RouteFile, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read routing file {file}: {e}"))?;
    parse(&text, &file)
}

impl RouteFile {
    /// The routes, indexed for an authority.
    pub fn table(&self) -> Routes {
        Routes::new(self.routes.iter().cloned())
    }
}

/// Probes every edge of the authority being served on `port` each
/// [`CHECK_EVERY`] until shutdown, marking those that refuse or time out
/// dead (skipped by routing) and those that answer alive again.
pub async fn check_edges(auth: SharedAuthority, port: u16, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(CHECK_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tick.tick() => {}
        }
        let current = super::server::current(&auth);
        let routes = current.routes();
        let probes = routes.edges().map(|edge| async move {
            let to = SocketAddr::new(edge, port);
            let up = matches!(
                tokio::time::timeout(CHECK_TIMEOUT, TcpStream::connect(to)).await,
                Ok(Ok(_))
            );
            (edge, up)
        });
        for (edge, up) in run_all(probes).await {
            if routes.is_alive(edge) != up {
                match up {
                    true => tracing::info!("edge {edge}: port {port} answers again, routing to it"),
                    false => {
                        tracing::warn!(
                            "edge {edge}: port {port} does not answer; routing to the live edges"
                        )
                    }
                }
            }
            routes.set_alive(edge, up);
        }
    }
}

/// Runs the probes at once, so one dead edge delays no other.
async fn run_all<F: std::future::Future<Output = (IpAddr, bool)> + Send + 'static>(
    probes: impl Iterator<Item = F>,
) -> Vec<(IpAddr, bool)> {
    let mut set = tokio::task::JoinSet::new();
    for p in probes {
        set.spawn(p);
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routing_file_reads_and_bad_ones_say_why() {
        let text = r#"
health_port = 8080
[[route]]
name = "video.example.com"
ttl = 20
default = "192.0.2.1"
[route.clients]
"198.51.100.0/24" = "192.0.2.2"
"#;
        let f = parse(text, "r.toml").unwrap();
        assert_eq!(f.health_port, Some(8080));
        assert_eq!(f.routes.len(), 1);
        assert_eq!(f.routes[0].clients[0].0.len(), 24);
        assert!(
            parse(
                "[[route]]\nname = \"x\"\nttl = 0\ndefault = \"192.0.2.1\"",
                "r"
            )
            .is_err()
        );
        let e = parse(
            &text.replace("198.51.100.0/24", "198.51.100.0/33"),
            "r.toml",
        )
        .unwrap_err();
        assert!(e.contains("prefix length"), "{e}");
        assert!(
            parse("colour = 1", "r").is_err(),
            "unknown keys are refused"
        );
    }
}
