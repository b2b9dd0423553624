//! `l7 tracker serve`: a BitTorrent tracker over HTTP and UDP.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Context, bail};
use l7_http::server::ServerConfig;
use l7_net::http::access_log::AccessLog;
use l7_net::http::server::{self, Origin};
use l7_net::p2p::tracker::{self, Tracker};
use l7_net::tcp::{ConnLimits, bind_tcp, bind_udp};
use l7_p2p::metainfo::InfoHash;
use l7_p2p::tracker::{Registry, RegistryConfig};

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{Global, TrackerServeArgs};

pub async fn serve(a: TrackerServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let whitelist = match &a.whitelist {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let mut set = HashSet::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                match InfoHash::from_hex(line) {
                    Some(h) => set.insert(h),
                    None => bail!(
                        "{}:{}: {line:?} is not a 40-digit hex info-hash",
                        p.display(),
                        i + 1
                    ),
                };
            }
            Some(set)
        }
    };
    let config = RegistryConfig {
        interval: a.interval,
        whitelist,
        ..RegistryConfig::default()
    };
    let tracker = Tracker::new(Registry::new(config, rand::random()), rand::random());
    let shutdown = shutdown_on_signals()?;
    let tcp = bind_tcp(at).await?;
    let udp = bind_udp(at).await?;
    ready(
        "tracker",
        &[format!("http://{at}/announce"), format!("udp://{at}")],
        g,
    );
    let origin = Arc::new(Origin {
        handler: tracker.clone(),
        config: ServerConfig::default(),
        log: AccessLog::off(),
    });
    tokio::join!(
        server::serve(tcp, origin, None, ConnLimits::default(), shutdown.clone()),
        tracker::serve_udp(udp, tracker, shutdown)
    );
    Ok(0)
}
