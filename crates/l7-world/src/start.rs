//! Starting a world: bind every service of every host (so a failure is
//! reported with its reason while the rest keep running), then run them all
//! until shutdown.

use std::net::SocketAddr;

use l7_net::tcp::{ConnLimits, bind_tcp, bind_udp};
use l7_net::{Shutdown, chat, echo, ping};
use l7_sockets::ping::LossModel;
use tokio::task::JoinSet;

use crate::state::{HostState, ServiceState};
use crate::{PortPlan, Service, World};

/// The world's services running in the background.
pub struct Running {
    /// Every host with each socket's outcome.
    pub hosts: Vec<HostState>,
    /// The tasks serving; they end after shutdown.
    pub tasks: JoinSet<()>,
}

/// Binds and starts every service of `world`.
pub async fn start(world: &World, plan: PortPlan, shutdown: &Shutdown) -> Running {
    let mut tasks = JoinSet::new();
    let mut hosts = Vec::new();
    for host in &world.hosts {
        let mut services = Vec::new();
        for svc in &host.services {
            let port = plan.port(svc.port());
            let addr = SocketAddr::from((host.address, port));
            for transport in svc.transports() {
                let result = start_one(svc, transport, addr, shutdown, &mut tasks).await;
                if let Err(e) = &result {
                    tracing::warn!("{} {} on {}: {e}", host.name, svc.role(), transport);
                }
                services.push(ServiceState {
                    role: svc.role().to_string(),
                    transport: transport.to_string(),
                    port,
                    error: result.err(),
                });
            }
        }
        hosts.push(HostState {
            name: host.name.clone(),
            address: host.address,
            about: host.about.clone(),
            services,
        });
    }
    Running { hosts, tasks }
}

async fn start_one(
    svc: &Service,
    transport: &str,
    addr: SocketAddr,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<(), String> {
    let sd = shutdown.clone();
    let limits = ConnLimits::default();
    match (svc, transport) {
        (Service::Echo { .. }, "tcp") => {
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            tasks.spawn(echo::serve_tcp(l, limits, sd));
        }
        (Service::Echo { .. }, _) => {
            let s = bind_udp(addr).await.map_err(|e| e.to_string())?;
            tasks.spawn(echo::serve_udp(s, sd));
        }
        (Service::Banner { text, .. }, _) => {
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            tasks.spawn(echo::serve_banner(l, text.clone(), sd));
        }
        (Service::Chat { .. }, _) => {
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            let limits = ConnLimits {
                idle_timeout: std::time::Duration::from_secs(3600),
                ..limits
            };
            tasks.spawn(chat::serve(l, limits, sd));
        }
        (Service::Ping { loss, seed, .. }, _) => {
            let s = bind_udp(addr).await.map_err(|e| e.to_string())?;
            let seed = seed.unwrap_or_else(rand::random);
            tasks.spawn(ping::serve(s, LossModel::new(*loss, seed), sd));
        }
    }
    Ok(())
}
