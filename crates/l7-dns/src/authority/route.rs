//! Request routing for a CDN (the course's KingCDN): an owner name whose
//! A (or AAAA) RRset lists every edge is answered with the one edge meant
//! for the asking client — the longest client prefix that holds the EDNS
//! Client Subnet (RFC 7871 §7.2.1) when the query carries one, else the
//! querier's own address — with a short TTL, and a default edge for
//! clients no prefix matches. An edge marked dead is skipped.
//!
//! Health is an input: the driver probes the edges and calls
//! [`Routes::set_alive`]; nothing here does I/O or reads a clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use l7_wire::prefix::Prefix;

use crate::wire::{LowerName, Name};

/// How one owner name is routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The routed name (its address RRset in the zone lists every edge).
    pub owner: Name,
    /// TTL of routed answers: short, so clients come back to be re-routed.
    pub ttl: u32,
    /// The edge for clients no prefix matches.
    pub default: IpAddr,
    /// Client networks and the edge each is sent to.
    pub clients: Vec<(Prefix, IpAddr)>,
}

/// Who is asking: the network in a Client Subnet option, or the address
/// the query came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// RFC 7871: the client's network as the resolver gave it.
    Subnet(Prefix),
    /// The querier's source address (no Client Subnet option).
    Source(IpAddr),
}

/// The edge chosen for one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The edge's address.
    pub edge: IpAddr,
    /// RFC 7871 §7.2.1 SCOPE PREFIX-LENGTH: how many leading bits of the
    /// client's address the answer holds for (0 without a Client Subnet).
    pub scope: u8,
}

/// Every routed name of a server, with the edges' health.
#[derive(Debug, Default)]
pub struct Routes {
    by_owner: HashMap<Box<[u8]>, Route>,
    /// Each edge once, alive until the driver says otherwise.
    edges: Vec<(IpAddr, AtomicBool)>,
}

impl Routes {
    /// Indexes `routes` by owner; every edge starts alive.
    pub fn new(routes: impl IntoIterator<Item = Route>) -> Routes {
        let mut out = Routes::default();
        for route in routes {
            let targets = std::iter::once(route.default).chain(route.clients.iter().map(|c| c.1));
            for edge in targets {
                if !out.edges.iter().any(|(e, _)| *e == edge) {
                    out.edges.push((edge, AtomicBool::new(true)));
                }
            }
            let key = LowerName::from_name(&route.owner).wire().into();
            out.by_owner.insert(key, route);
        }
        out
    }

    /// True when no name is routed.
    pub fn is_empty(&self) -> bool {
        self.by_owner.is_empty()
    }

    /// Every routed name.
    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.by_owner.values()
    }

    /// The route of an owner given as lowercased wire bytes.
    pub fn get(&self, lower: &[u8]) -> Option<&Route> {
        self.by_owner.get(lower)
    }

    /// Every edge named by a route, once each.
    pub fn edges(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.edges.iter().map(|(e, _)| *e)
    }

    /// Records the outcome of a health check of `edge`.
    pub fn set_alive(&self, edge: IpAddr, alive: bool) {
        if let Some((_, a)) = self.edges.iter().find(|(e, _)| *e == edge) {
            a.store(alive, Ordering::Relaxed);
        }
    }

    /// False only for an edge whose last health check failed.
    pub fn is_alive(&self, edge: IpAddr) -> bool {
        self.edges
            .iter()
            .find(|(e, _)| *e == edge)
            .is_none_or(|(_, a)| a.load(Ordering::Relaxed))
    }

    /// The edge for `asker` among `candidates` (the owner's addresses in the
    /// zone): the longest matching client prefix's edge, else the default;
    /// a dead one gives way to the default, then to the first live
    /// candidate; when every edge is dead the routed one is given anyway.
    pub fn choose(&self, route: &Route, asker: Asker, candidates: &[IpAddr]) -> Choice {
        let (client, subnet) = match asker {
            Asker::Subnet(p) => (p, true),
            Asker::Source(ip) => (Prefix::new(ip, 128), false),
        };
        let matched = route
            .clients
            .iter()
            .filter(|(p, _)| p.covers(&client))
            .max_by_key(|(p, _)| p.len());
        let routed = matched.map_or(route.default, |m| m.1);
        let edge = [routed, route.default]
            .into_iter()
            .chain(candidates.iter().copied())
            .find(|e| self.is_alive(*e) && candidates.contains(e))
            .unwrap_or(routed);
        // RFC 7871 §7.1.2: a source prefix of 0 carries no client data.
        let scope = if subnet && !client.is_empty() {
            scope(route, &client, matched.map_or(0, |m| m.0.len()))
        } else {
            0
        };
        Choice { edge, scope }
    }
}

/// RFC 7871 §7.2.1: the shortest prefix of the client's address whose every
/// address gets the same answer: at least the matched prefix, and long
/// enough to leave out every more specific client prefix that would route
/// some of its addresses elsewhere (possibly longer than the source prefix,
/// which tells the resolver it sent too few bits).
fn scope(route: &Route, client: &Prefix, matched: u8) -> u8 {
    let addr = client.network();
    route
        .clients
        .iter()
        .filter(|(p, _)| p.len() > matched && p.network().is_ipv4() == addr.is_ipv4())
        .map(|(p, _)| (p.common_bits(addr) + 1).min(p.len()))
        .fold(matched, u8::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> Prefix {
        Prefix::parse(s).unwrap()
    }

    fn route() -> Route {
        Route {
            owner: "video.example".parse().unwrap(),
            ttl: 20,
            default: ip("192.0.2.1"),
            clients: vec![
                (net("10.0.0.0/8"), ip("192.0.2.2")),
                (net("10.1.0.0/16"), ip("192.0.2.1")),
                (net("203.0.113.0/24"), ip("192.0.2.2")),
            ],
        }
    }

    const EDGES: [&str; 2] = ["192.0.2.1", "192.0.2.2"];

    fn edges() -> Vec<IpAddr> {
        EDGES.iter().map(|e| ip(e)).collect()
    }

    #[test]
    fn longest_prefix_wins_and_scope_excludes_more_specific_networks() {
        let routes = Routes::new([route()]);
        let r = routes.iter().next().unwrap();
        let pick = |a: Asker| routes.choose(r, a, &edges());
        // 10.2.0.0/24 matches 10/8; 10.2/15 is the largest block without 10.1/16.
        let c = pick(Asker::Subnet(net("10.2.0.0/24")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.2"), 15));
        let c = pick(Asker::Subnet(net("10.1.7.0/24")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.1"), 16));
        // Unmatched: the default, for 198.51.100/24's block /5 (203/8 shares 4 bits).
        let c = pick(Asker::Subnet(net("198.51.100.0/24")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.1"), 5));
        // A source prefix shorter than a route cannot claim it: the
        // default, for 203.0.0.0/18, the block that leaves 203.0.113/24 out.
        let c = pick(Asker::Subnet(net("203.0.0.0/16")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.1"), 18));
        // No Client Subnet: the querier's address, no scope; /0: no data.
        let c = pick(Asker::Source(ip("10.9.9.9")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.2"), 0));
        let c = pick(Asker::Subnet(net("0.0.0.0/0")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.1"), 0));
        let c = pick(Asker::Subnet(net("2001:db8::/56")));
        assert_eq!((c.edge, c.scope), (ip("192.0.2.1"), 0));
    }

    #[test]
    fn a_dead_edge_is_skipped_until_it_comes_back() {
        let routes = Routes::new([route()]);
        let r = routes.iter().next().unwrap();
        let asker = Asker::Source(ip("203.0.113.9"));
        assert_eq!(routes.choose(r, asker, &edges()).edge, ip("192.0.2.2"));
        routes.set_alive(ip("192.0.2.2"), false);
        assert_eq!(routes.choose(r, asker, &edges()).edge, ip("192.0.2.1"));
        routes.set_alive(ip("192.0.2.1"), false);
        assert_eq!(
            routes.choose(r, asker, &edges()).edge,
            ip("192.0.2.2"),
            "all dead: the routed edge"
        );
        routes.set_alive(ip("192.0.2.2"), true);
        assert_eq!(routes.choose(r, asker, &edges()).edge, ip("192.0.2.2"));
        assert_eq!(routes.edges().count(), 2);
    }
}
