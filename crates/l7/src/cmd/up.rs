//! `l7 up`: start every service of a world on its hosts' loopback addresses,
//! print the hosts and a tour of commands that work right now, leave a state
//! file for l7's clients, and stop cleanly on Ctrl-C or SIGTERM.

/// Prints a line, ignoring a closed stdout: `l7 up | head` must not stop
/// the world when `head` exits.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use std::net::Ipv4Addr;
use std::time::{SystemTime, UNIX_EPOCH};

use l7_world::ca::WorldCa;
use l7_world::state::{HostState, WorldState, default_path};
use l7_world::{PortPlan, World, start};

use super::shutdown_on_signals;
use crate::cli::{Global, UpArgs};
use crate::output::json_line;

pub async fn run(a: UpArgs, g: &Global) -> anyhow::Result<i32> {
    let world = match &a.world {
        Some(p) => World::load(p)?,
        None => World::textbook(),
    };
    let plan = match a.port_offset {
        Some(offset) => PortPlan { offset },
        None => PortPlan::detect(),
    };
    let state_path = a.state.unwrap_or_else(default_path);
    // Services' data (Maildirs) lives beside the state file, per world.
    let data = a.data.unwrap_or_else(|| {
        state_path
            .parent()
            .map_or_else(|| ".".into(), |d| d.join("data").join(&world.name))
    });
    // The CA outlives restarts so clients trust it once.
    let ca = WorldCa::load_or_create(&data.join("ca")).map_err(anyhow::Error::msg)?;
    let shutdown = shutdown_on_signals()?;
    let mut running = start::start(&world, plan, &data, &shutdown).await;
    let state = WorldState {
        pid: std::process::id(),
        world: world.name.clone(),
        ports: plan,
        started_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        hosts: running.hosts.clone(),
        data: data.clone(),
        mail_accounts: running.mail_accounts.clone(),
        ca_cert: Some(ca.cert_path().to_path_buf()),
    };
    if let Err(e) = state.write(&state_path) {
        eprintln!(
            "l7: cannot write the state file {} ({e}); l7's clients will not find this world by name — pass --state FILE",
            state_path.display()
        );
    }
    let failed = running
        .hosts
        .iter()
        .flat_map(|h| &h.services)
        .filter(|s| s.error.is_some())
        .count();
    if g.json {
        let mut v = serde_json::to_value(&state)?;
        v["state_file"] = state_path.display().to_string().into();
        json_line(&v);
    } else {
        print_banner(&world, plan, &running.hosts, failed);
        print_tour(&running.hosts, &data);
        print_mail_accounts(&running.mail_accounts);
        say!("\nstate file: {}", state_path.display());
        say!(
            "world CA: {}   (trust it: curl --cacert FILE, SSL_CERT_FILE=FILE)",
            ca.cert_path().display()
        );
        say!(
            "data (Maildirs...): {}   (Ctrl-C stops the world)",
            data.display()
        );
    }
    shutdown.wait().await;
    while running.tasks.join_next().await.is_some() {}
    let _ = std::fs::remove_file(&state_path);
    if !g.json {
        say!("world {:?} stopped", world.name);
    }
    Ok(0)
}

fn print_banner(world: &World, plan: PortPlan, hosts: &[HostState], failed: usize) {
    say!("l7 world {:?}: {} hosts", world.name, hosts.len());
    if plan.offset == 0 {
        say!("ports: standard (this process may bind ports below 1024)");
    } else {
        say!(
            "ports: below 1024 moved by +{} (no permission for standard ports: run as root for 53, 25, 80...); l7's clients know the offset",
            plan.offset
        );
    }
    say!();
    for h in hosts {
        let services: Vec<String> = h
            .services
            .iter()
            .map(|s| match &s.error {
                None => format!("{} {}/{}", s.role, s.port, s.transport),
                Some(_) => format!("{} {}/{} FAILED", s.role, s.port, s.transport),
            })
            .collect();
        let what = if services.is_empty() {
            format!("({})", h.about)
        } else {
            services.join(", ")
        };
        say!("  {:<26} {:<16} {what}", h.name, h.address);
    }
    if failed > 0 {
        say!("\n{failed} service(s) failed to start; the rest are running:");
        for h in hosts {
            for s in &h.services {
                if let Some(e) = &s.error {
                    say!("  {} {} {}/{}: {e}", h.name, s.role, s.port, s.transport);
                }
            }
        }
    }
}

/// The world's mail accounts and how to use them.
fn print_mail_accounts(accounts: &[l7_world::state::MailAccount]) {
    if accounts.is_empty() {
        return;
    }
    say!("\nMail accounts (submission with STARTTLS + AUTH; l7's clients know these):");
    for a in accounts {
        say!(
            "  {:<22} password {}   server {}:{}",
            a.address,
            a.password,
            a.server,
            a.submission_port
        );
    }
    if let (Some(from), Some(to)) = (accounts.first(), accounts.get(1)) {
        say!(
            "  l7 mail send --from {} --to {} --subject Hello --body \"Do you like ketchup?\" --trace",
            from.address,
            to.address
        );
    }
}

/// Commands that work against the running services, with l7 and real tools.
fn print_tour(hosts: &[HostState], data: &std::path::Path) {
    let find = |role: &str, transport: &str| -> Option<(String, Ipv4Addr, u16)> {
        hosts.iter().find_map(|h| {
            h.services
                .iter()
                .find(|s| s.role == role && s.transport == transport && s.error.is_none())
                .map(|s| (h.name.clone(), h.address, s.port))
        })
    };
    let mut tour: Vec<(String, String)> = Vec::new();
    if let Some((name, ip, port)) = find("echo", "tcp") {
        tour.push((
            format!("l7 echo send {name}:{port} hello --timing"),
            "TCP: uppercase reply, times and RTT".into(),
        ));
        tour.push((
            format!("l7 echo send {name}:{port} hello --udp"),
            "the same over UDP".into(),
        ));
        tour.push((
            format!("nc {ip} {port}"),
            "type lines, get them upper-cased".into(),
        ));
        tour.push((
            format!("l7 rtt {name}:{port} -n 50"),
            "UDP vs TCP RTT, handshake apart".into(),
        ));
    }
    if let Some((_, ip, port)) = find("banner", "tcp") {
        tour.push((
            format!("nc {ip} {port}"),
            "\"Thank you for connecting\"".into(),
        ));
    }
    if let Some((name, ip, port)) = find("chat", "tcp") {
        tour.push((
            format!("l7 chat join {name}:{port} --name alice"),
            format!("and `nc {ip} {port}` as bob"),
        ));
    }
    if let Some((name, _, port)) = find("ping", "udp") {
        tour.push((
            format!("l7 ping {name}:{port} -c 10"),
            "the lab's lossy pinger".into(),
        ));
    }
    if let Some((name, ip, port)) = find("web", "tcp") {
        let resolve = format!("--resolve {name}:{port}:{ip}");
        tour.push((
            format!(
                "curl -v {resolve} http://{name}:{port}/wireshark-labs/HTTP-wireshark-file1.html"
            ),
            "the HTTP lab's first GET".into(),
        ));
        tour.push((
            format!("curl -c jar -b jar {resolve} http://{name}:{port}/shop"),
            "cookies: run it twice and be greeted back".into(),
        ));
    }
    let dns_at = |host: &str| -> Option<String> {
        let h = hosts.iter().find(|h| h.name == host)?;
        let s = h
            .services
            .iter()
            .find(|s| s.role == "dns" && s.error.is_none())?;
        Some(match s.port {
            53 => format!("@{}", h.address),
            p => format!("@{} -p {p}", h.address),
        })
    };
    if let (Some(root), Some(com), Some(auth)) = (
        dns_at("a.root-servers.net"),
        dns_at("a.gtld-servers.net"),
        dns_at("dns1.networkutopia.com"),
    ) {
        let name = "www.networkutopia.com";
        tour.push((
            format!("dig {root} {name} +norec"),
            "the root refers you to com's TLD server".into(),
        ));
        tour.push((
            format!("dig {com} {name} +norec"),
            "com refers you to dns1.networkutopia.com, with glue".into(),
        ));
        tour.push((
            format!("dig {auth} {name}"),
            "the authoritative answer (flag aa)".into(),
        ));
    }
    if let Some(cdn) = dns_at("dns.kingcdn.com") {
        tour.push((
            "l7 dns query video.netcinema.com".into(),
            "a CNAME into KingCDN, then the edge chosen for dns.nyu.edu".into(),
        ));
        tour.push((
            format!("dig {cdn} video.netcinema.kingcdn.com +subnet=203.0.113.0/24"),
            "the edge for another client network (RFC 7871 scope set)".into(),
        ));
    }
    let bob = hosts
        .iter()
        .find(|h| h.name == "hamburger.edu")
        .and_then(|h| {
            let s = h
                .services
                .iter()
                .find(|s| s.role == "smtp" && s.error.is_none())?;
            Some((h.address, s.port))
        });
    if let Some((ip, port)) = bob {
        tour.push((
            format!("swaks --server {ip}:{port} --from alice@crepes.fr --to bob@hamburger.edu"),
            "alice's mail lands in bob's Maildir".into(),
        ));
    }
    if let Some((_, ip, port)) = find("tracker", "tcp") {
        tour.push((
            format!("mktorrent -a http://{ip}:{port}/announce FILE"),
            "then seed and fetch it with aria2c, via the world's tracker".into(),
        ));
    }
    if let Some((name, _, _)) = find("seed", "tcp") {
        let torrent = data.join(&name).join(l7_world::seed::TORRENT_FILE);
        tour.push((
            format!("l7 torrent get {} -o downloads", torrent.display()),
            format!("64 MiB from {name}, through the world's tracker"),
        ));
    }
    if let Some((name, _, _)) = find("dash", "tcp") {
        tour.push((
            format!("l7 play http://{name}/manifest.mpd --abr hybrid"),
            "adaptive streaming: bitrate, buffer and QoE per segment".into(),
        ));
    }
    tour.push(("l7 world status".into(), "what runs where".into()));
    let width = tour.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    say!("\nTry:");
    for (cmd, why) in tour {
        say!("  {cmd:<width$}   # {why}");
    }
}
