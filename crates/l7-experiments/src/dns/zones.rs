//! The simulated DNS hierarchy as master files, made up from a
//! [`Hierarchy`]: the root zone (host 0) delegates each TLD to its server
//! `a.nic.TLD` with glue; each TLD zone delegates its second-level domains
//! to their servers `ns.DOMAIN` with glue; each domain's zone holds an A
//! record for every listed name below it. Delegations live two days (as in
//! the real com zone); the answers' TTL is the experiment's.

use l7_dns::authority::Authority;
use l7_dns::resolver::RootHint;
use l7_dns::wire::Name;
use l7_dns::zone::{NoIncludes, Zone, ZoneError};
use l7_sim::HostId;

use super::names::Hierarchy;

/// TTL of NS records and glue.
const DELEGATION_TTL: u32 = 172_800;

/// Host index of the root server.
pub const ROOT: u32 = 0;

/// The address of host `host` in the simulation.
pub fn ip(host: u32) -> std::net::Ipv4Addr {
    HostId::from_ip(std::net::Ipv4Addr::from(0x0A00_0001 + host))
        .map(HostId::ip)
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)
}

fn zone(apex: &Name, text: String) -> Result<Authority, ZoneError> {
    let zone = Zone::from_master_file(text.as_bytes(), "sim.zone", apex, &mut NoIncludes)?;
    Ok(Authority::new([zone]))
}

/// The root server's zone.
pub fn root(h: &Hierarchy) -> Result<Authority, ZoneError> {
    let mut text = format!(
        "$TTL {DELEGATION_TTL}\n\
         . IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n\
         . IN NS a.root-servers.net.\n\
         a.root-servers.net. IN A {}\n",
        ip(ROOT)
    );
    for (t, tld) in h.tlds.iter().enumerate() {
        text += &format!(
            "{tld} IN NS a.nic.{tld}\na.nic.{tld} IN A {}\n",
            ip(h.tld_host(t))
        );
    }
    zone(&Name::root(), text)
}

/// TLD `t`'s zone, delegating its second-level domains.
pub fn tld(h: &Hierarchy, t: usize) -> Result<Authority, ZoneError> {
    let apex = &h.tlds[t];
    let mut text = format!(
        "$TTL {DELEGATION_TTL}\n\
         {apex} IN SOA a.nic.{apex} hostmaster.nic.{apex} 1 1800 900 604800 86400\n\
         {apex} IN NS a.nic.{apex}\n\
         a.nic.{apex} IN A {}\n",
        ip(h.tld_host(t))
    );
    for (d, domain) in h.domains.iter().enumerate().filter(|(_, d)| d.tld == t) {
        let a = &domain.apex;
        text += &format!("{a} IN NS ns.{a}\nns.{a} IN A {}\n", ip(h.domain_host(d)));
    }
    zone(apex, text)
}

/// Domain `d`'s zone: its listed names' A records live `ttl` seconds.
pub fn domain(h: &Hierarchy, d: usize, ttl: u32) -> Result<Authority, ZoneError> {
    let domain = &h.domains[d];
    let apex = &domain.apex;
    let server: Name = format!("ns.{apex}")
        .parse()
        .unwrap_or_else(|_| apex.clone());
    let mut text = format!(
        "$TTL {ttl}\n\
         {apex} IN SOA {server} admin.{apex} 1 3600 600 86400 {ttl}\n\
         {apex} {DELEGATION_TTL} IN NS {server}\n\
         {server} {DELEGATION_TTL} IN A {}\n",
        ip(h.domain_host(d))
    );
    // The server's own name, when listed, is answered by its A record above.
    for (i, name) in domain
        .names
        .iter()
        .enumerate()
        .filter(|(_, n)| **n != server)
    {
        text += &format!("{name} IN A 10.200.{}.{}\n", d % 256, i % 256);
    }
    zone(apex, text)
}

/// The resolver's root hints.
pub fn hints() -> Vec<RootHint> {
    vec![RootHint {
        name: Name::from_text(b"a.root-servers.net.", None).unwrap_or_else(|_| Name::root()),
        addr: ip(ROOT).into(),
    }]
}
