//! The simulated DNS hierarchy as master files: the root zone (host 0)
//! delegating `com` to its TLD server (host 1), which delegates
//! `domainJ.com` to its authoritative server (host 2 + J), with glue.
//! Delegations live two days (as in the real com zone); the answers'
//! TTL is the experiment's.

use l7_dns::authority::Authority;
use l7_dns::resolver::RootHint;
use l7_dns::wire::Name;
use l7_dns::zone::{NoIncludes, Zone, ZoneError};
use l7_sim::HostId;

/// TTL of NS records and glue.
const DELEGATION_TTL: u32 = 172_800;

/// Host index of the root server.
pub const ROOT: u32 = 0;
/// Host index of the com TLD server.
pub const TLD: u32 = 1;

/// Host index of `domainJ.com`'s server.
pub fn auth_host(domain: usize) -> u32 {
    2 + domain as u32
}

fn ip(host: u32) -> std::net::Ipv4Addr {
    HostId::from_ip(std::net::Ipv4Addr::from(0x0A00_0001 + host))
        .map(HostId::ip)
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)
}

fn zone(apex: &str, text: String) -> Result<Authority, ZoneError> {
    let apex = Name::from_text(apex.as_bytes(), None).map_err(|e| ZoneError {
        file: "sim.zone".into(),
        line: 0,
        what: format!("apex {apex}: {e}"),
    })?;
    let zone = Zone::from_master_file(text.as_bytes(), "sim.zone", &apex, &mut NoIncludes)?;
    Ok(Authority::new([zone]))
}

/// The root server's zone.
pub fn root() -> Result<Authority, ZoneError> {
    zone(
        ".",
        format!(
            "$TTL {DELEGATION_TTL}\n\
             . IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n\
             . IN NS a.root-servers.net.\n\
             a.root-servers.net. IN A {}\n\
             com. IN NS a.gtld-servers.net.\n\
             a.gtld-servers.net. IN A {}\n",
            ip(ROOT),
            ip(TLD)
        ),
    )
}

/// The com TLD server's zone, delegating `domains` second-level domains.
pub fn tld(domains: usize) -> Result<Authority, ZoneError> {
    let mut text = format!(
        "$TTL {DELEGATION_TTL}\n\
         com. IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n\
         com. IN NS a.gtld-servers.net.\n"
    );
    for d in 0..domains {
        text += &format!(
            "domain{d}.com. IN NS ns.domain{d}.com.\nns.domain{d}.com. IN A {}\n",
            ip(auth_host(d))
        );
    }
    zone("com.", text)
}

/// `domainJ.com` with `names` hosts `host0..` whose A records live `ttl` seconds.
pub fn domain(d: usize, names: usize, ttl: u32) -> Result<Authority, ZoneError> {
    let mut text = format!(
        "$TTL {ttl}\n\
         @ IN SOA ns admin 1 3600 600 86400 {ttl}\n\
         @ {DELEGATION_TTL} IN NS ns\n\
         ns {DELEGATION_TTL} IN A {}\n",
        ip(auth_host(d))
    );
    for i in 0..names {
        text += &format!("host{i} IN A 10.200.{}.{}\n", d % 256, i % 256);
    }
    zone(&format!("domain{d}.com."), text)
}

/// The resolver's root hints.
pub fn hints() -> Vec<RootHint> {
    vec![RootHint {
        name: Name::from_text(b"a.root-servers.net.", None).unwrap_or_else(|_| Name::root()),
        addr: ip(ROOT).into(),
    }]
}
