//! Starting a world: bind every service of every host (so a failure is
//! reported with its reason while the rest keep running), then run them all
//! until shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use l7_dns::authority::Authority;
use l7_dns::resolver::{Resolver, ResolverConfig, RootHint};
use l7_dns::zone::NoIncludes;
use l7_http::files::{FileServer, FilesConfig};
use l7_http::server::ServerConfig as HttpConfig;
use l7_net::dns::{
    resolver as dns_resolver, routes as dns_routes, server as dns_server, zones as dns_zones,
};
use l7_net::http::access_log::AccessLog;
use l7_net::http::server::{self as http_server, Origin};
use l7_net::http::shop::DemoShop;
use l7_net::p2p::tracker::{self as p2p_tracker, Tracker};
use l7_net::prefix::Prefix;
use l7_net::tcp::{ConnLimits, bind_tcp, bind_udp};
use l7_net::{Shutdown, chat, echo, ping};
use l7_p2p::tracker::{Registry, RegistryConfig};
use l7_sockets::ping::LossModel;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::ca::WorldCa;
use crate::state::{HostState, MailAccount, ServiceState};
use crate::{PortPlan, Service, World};

/// The world's services running in the background.
pub struct Running {
    /// Every host with each socket's outcome.
    pub hosts: Vec<HostState>,
    /// The tasks serving; they end after shutdown.
    pub tasks: JoinSet<()>,
    /// The mail accounts made for this run, with their passwords.
    pub mail_accounts: Vec<MailAccount>,
}

/// Binds and starts every service of `world`; services keep their data
/// (Maildirs) under `data`, one directory per host.
pub async fn start(world: &World, plan: PortPlan, data: &Path, shutdown: &Shutdown) -> Running {
    let mut tasks = JoinSet::new();
    let mut hosts = Vec::new();
    let mail_accounts = Mutex::new(Vec::new());
    for host in &world.hosts {
        let mut services = Vec::new();
        for svc in &host.services {
            let port = plan.port(svc.port());
            let addr = SocketAddr::from((host.address, port));
            let ctx = Ctx {
                world,
                plan,
                data: &data.join(&host.name),
                host: &host.name,
                mail_accounts: &mail_accounts,
                world_data: data,
            };
            let error = start_service(&ctx, svc, addr, shutdown, &mut tasks)
                .await
                .err();
            if let Some(e) = &error {
                tracing::warn!("{} {}: {e}", host.name, svc.role());
            }
            for transport in svc.transports() {
                services.push(ServiceState {
                    role: svc.role().to_string(),
                    transport: transport.to_string(),
                    port,
                    error: error.clone(),
                });
            }
            for (role, port) in svc.extra_ports() {
                services.push(ServiceState {
                    role: role.to_string(),
                    transport: "tcp".to_string(),
                    port: plan.port(port),
                    error: error.clone(),
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
    Running {
        hosts,
        tasks,
        mail_accounts: mail_accounts.into_inner().unwrap_or_default(),
    }
}

/// Binds every socket of one service, then spawns its tasks; nothing runs
/// unless every bind succeeded.
/// What a service needs to know of its world and host.
struct Ctx<'a> {
    world: &'a World,
    plan: PortPlan,
    /// This host's data directory.
    data: &'a Path,
    host: &'a str,
    /// Mail accounts made so far (for the state file).
    mail_accounts: &'a Mutex<Vec<MailAccount>>,
    /// The world's data directory (the CA lives in `ca/` there).
    world_data: &'a Path,
}

async fn start_service(
    ctx: &Ctx<'_>,
    svc: &Service,
    addr: SocketAddr,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<(), String> {
    let sd = shutdown.clone();
    let limits = ConnLimits::default();
    match svc {
        Service::Echo { tcp, udp, .. } => {
            let l = if *tcp {
                Some(bind_tcp(addr).await.map_err(|e| e.to_string())?)
            } else {
                None
            };
            let s = if *udp {
                Some(bind_udp(addr).await.map_err(|e| e.to_string())?)
            } else {
                None
            };
            if let Some(l) = l {
                tasks.spawn(echo::serve_tcp(l, limits, sd.clone()));
            }
            if let Some(s) = s {
                tasks.spawn(echo::serve_udp(s, sd));
            }
        }
        Service::Banner { text, .. } => {
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            tasks.spawn(echo::serve_banner(l, text.clone(), sd));
        }
        Service::Chat { .. } => {
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            let limits = ConnLimits {
                idle_timeout: Duration::from_secs(3600),
                ..limits
            };
            tasks.spawn(chat::serve(l, limits, sd));
        }
        Service::Ping { loss, seed, .. } => {
            let s = bind_udp(addr).await.map_err(|e| e.to_string())?;
            let seed = seed.unwrap_or_else(rand::random);
            tasks.spawn(ping::serve(s, LossModel::new(*loss, seed), sd));
        }
        Service::Dns { zones, routes, .. } => {
            let mut loaded = Vec::new();
            for name in zones {
                let (file, text) = ctx.world.read_file(name)?;
                loaded.push(dns_zones::parse_zone(&text, &file, None, &mut NoIncludes)?);
            }
            // Secondaries on this machine (NSD, Knot) may transfer the world's zones.
            let mut authority = Authority::new(loaded).with_transfer_acl(|ip, _| ip.is_loopback());
            let mut health_port = None;
            if let Some(name) = routes {
                let (file, text) = ctx.world.read_file(name)?;
                let text = String::from_utf8(text).map_err(|_| format!("{file}: not UTF-8"))?;
                let routing = dns_routes::parse(&text, &file)?;
                authority = authority
                    .with_routes(routing.table())
                    .map_err(|e| format!("{file}: {e}"))?;
                health_port = routing.health_port.map(|p| ctx.plan.port(p));
            }
            let shared = Arc::new(RwLock::new(Arc::new(authority)));
            if let Some(port) = health_port {
                tasks.spawn(dns_routes::check_edges(shared.clone(), port, sd.clone()));
            }
            let (shared_udp, sd_udp) = (shared.clone(), sd.clone());
            let s = bind_udp(addr).await.map_err(|e| e.to_string())?;
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            let tcp_limits = ConnLimits {
                idle_timeout: dns_server::TCP_IDLE,
                max_connections: 1024,
            };
            tasks.spawn(async move {
                dns_server::serve_udp(s, shared_udp, sd_udp).await;
            });
            tasks.spawn(dns_server::serve_tcp(l, shared, tcp_limits, sd));
        }
        Service::Smtp {
            domains,
            users,
            submission,
            submissions,
            ..
        } => {
            let listeners = crate::mail::Listeners {
                mx: addr,
                submission: submission.map(|p| SocketAddr::from((addr.ip(), ctx.plan.port(p)))),
                submissions: submissions.map(|p| SocketAddr::from((addr.ip(), ctx.plan.port(p)))),
            };
            let host = crate::mail::MailHost {
                world: ctx.world,
                plan: ctx.plan,
                data: ctx.data,
                name: ctx.host,
            };
            let accounts =
                crate::mail::start(&host, domains, users, listeners, shutdown, tasks).await?;
            ctx.mail_accounts
                .lock()
                .map_err(|_| "mail accounts lock poisoned".to_string())?
                .extend(accounts);
        }
        Service::Tracker { .. } => {
            let registry = Registry::new(RegistryConfig::default(), rand::random());
            let tracker = Tracker::new(registry, rand::random());
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            let s = bind_udp(addr).await.map_err(|e| e.to_string())?;
            let origin = Arc::new(Origin {
                handler: tracker.clone(),
                config: HttpConfig::default(),
                log: AccessLog::off(),
            });
            tasks.spawn(http_server::serve(l, origin, None, limits, sd.clone()));
            tasks.spawn(p2p_tracker::serve_udp(s, tracker, sd));
        }
        Service::Web {
            site,
            tls,
            demo_shop,
            ..
        } => {
            let root = crate::sites::site_root(ctx.world, site, ctx.data)?;
            let files = FileServer::new(&root, FilesConfig::default())
                .map_err(|e| format!("cannot serve {}: {e}", root.display()))?;
            let tls = match tls {
                true => {
                    let ca = WorldCa::load_or_create(&ctx.world_data.join("ca"))?;
                    let alpn: &[&[u8]] = &[b"h2", b"http/1.1"];
                    let config = ca.server_tls(ctx.host, &ctx.data.join("tls"), alpn)?;
                    Some(TlsAcceptor::from(config))
                }
                false => None,
            };
            let log_path = ctx.data.join("access.log");
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
            let (config, log) = (HttpConfig::default(), AccessLog::to(Box::new(log)));
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            if *demo_shop {
                let handler = DemoShop::open(files, &ctx.data.join("shop.sqlite"))?;
                let origin = Arc::new(Origin {
                    handler,
                    config,
                    log,
                });
                tasks.spawn(http_server::serve(l, origin, tls, limits, sd));
            } else {
                let origin = Arc::new(Origin {
                    handler: files,
                    config,
                    log,
                });
                tasks.spawn(http_server::serve(l, origin, tls, limits, sd));
            }
        }
        Service::Resolver { root, .. } => {
            let root_host = ctx
                .world
                .host(root)
                .ok_or_else(|| format!("no host {root}"))?;
            let root_hints = vec![RootHint {
                name: root_host
                    .name
                    .parse()
                    .map_err(|e| format!("root {root}: {e:?}"))?,
                addr: root_host.address.into(),
            }];
            let config = ResolverConfig {
                root_hints,
                upstream_port: ctx.plan.port(53),
                ..ResolverConfig::default()
            };
            let s = bind_udp(addr).await.map_err(|e| e.to_string())?;
            let l = bind_tcp(addr).await.map_err(|e| e.to_string())?;
            // Upstream queries leave from the host's own address (the CDN's
            // DNS routes dns.nyu.edu's clients by it).
            let handle = dns_resolver::spawn(
                Resolver::new(config, rand::random()),
                Prefix::LOOPBACK.to_vec(),
                dns_resolver::upstream_source(addr.ip()),
            );
            let tcp_limits = ConnLimits {
                idle_timeout: dns_server::TCP_IDLE,
                max_connections: 1024,
            };
            tasks.spawn(dns_resolver::serve_udp(s, handle.clone(), sd.clone()));
            tasks.spawn(dns_resolver::serve_tcp(l, handle, tcp_limits, sd));
        }
        Service::Proxy { origin, .. } => {
            let (world, plan, origin) = (ctx.world, ctx.plan, origin.as_deref());
            crate::start_proxy::start(world, plan, ctx.data, addr, origin, shutdown, tasks).await?;
        }
        Service::Seed {
            tracker,
            file,
            size,
            ..
        } => {
            let t = ctx
                .world
                .host(tracker)
                .ok_or_else(|| format!("no host {tracker}"))?;
            let tracker_port = t
                .services
                .iter()
                .find(|s| matches!(s, Service::Tracker { .. }))
                .map(|s| ctx.plan.port(s.port()))
                .ok_or_else(|| format!("{tracker} runs no tracker"))?;
            let tracker_addr = SocketAddr::from((t.address, tracker_port));
            let dir = ctx.data.to_path_buf();
            let task = crate::seed::start(dir, file.clone(), *size, addr, tracker_addr, sd).await?;
            tasks.spawn(task);
        }
        Service::Dash { .. } => {
            crate::start_dash::start(ctx.data, addr, shutdown, tasks).await?;
        }
    }
    Ok(())
}
