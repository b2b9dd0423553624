//! Tests counting the upstream queries of iterative walks through a small
//! in-memory hierarchy of [`Authority`] servers (root, two TLDs, one
//! server for two second-level zones, one of them glueless): a warm cut or
//! name-server address must never be asked for again.

use std::collections::HashMap;
use std::net::IpAddr;

use l7_wire::Instant;

use super::{Resolver, ResolverConfig, RootHint};
use crate::authority::{Authority, Reply, Transport};
use crate::wire::{Name, Question, RecordType};
use crate::zone::{NoIncludes, Zone};

fn zone(apex: &str, text: &str) -> Zone {
    let apex: Name = apex.parse().unwrap();
    let text = format!("$TTL 3600\n@ IN SOA ns hostmaster 1 3600 600 604800 300\n{text}");
    Zone::from_master_file(text.as_bytes(), "test", &apex, &mut NoIncludes).unwrap()
}

fn hierarchy() -> HashMap<IpAddr, Authority> {
    let ip = |n: u8| IpAddr::from([192, 0, 2, n]);
    let mut servers = HashMap::new();
    servers.insert(
        ip(1),
        Authority::new([zone(
            ".",
            "@ NS a.root.\na.root. A 192.0.2.1\nt. NS ns.t.\nns.t. A 192.0.2.2\nu. NS ns.t.\n",
        )]),
    );
    servers.insert(
        ip(2),
        Authority::new([
            zone(
                "t.",
                "@ NS ns\nns A 192.0.2.2\nd NS ns.d\nns.d A 192.0.2.3\n",
            ),
            // d.u's server is named in t.: no glue can come with it.
            zone("u.", "@ NS ns.t.\nd NS ns.d.t.\n"),
        ]),
    );
    servers.insert(
        ip(3),
        Authority::new([
            zone(
                "d.t.",
                "@ NS ns\nns A 192.0.2.3\nh1 A 10.0.0.1\nh2 A 10.0.0.2\n",
            ),
            zone("d.u.", "@ NS ns.d.t.\nh1 A 10.0.1.1\nh2 A 10.0.1.2\n"),
        ]),
    );
    servers
}

/// Resolves `names` one after the other; the upstream queries each took.
fn walk(names: &[&str]) -> Vec<u64> {
    let servers = hierarchy();
    let config = ResolverConfig {
        root_hints: vec![RootHint {
            name: "a.root".parse().unwrap(),
            addr: IpAddr::from([192, 0, 2, 1]),
        }],
        ..ResolverConfig::default()
    };
    let mut r = Resolver::new(config, 7);
    let now = Instant::from_millis(1_000);
    let mut counts = Vec::new();
    for (token, name) in names.iter().enumerate() {
        let before = r.upstream_queries();
        r.start(
            now,
            Question::new(name.parse().unwrap(), RecordType::A),
            token as u64,
        );
        while let Some(t) = r.poll_transmit() {
            let mut out = Vec::new();
            let reply = servers[&t.server.ip()].respond(
                &t.query,
                IpAddr::from([127, 0, 0, 1]),
                Transport::Udp,
                &mut out,
            );
            assert!(matches!(reply, Reply::Message));
            r.handle_response(now, t.server, &out);
        }
        let done = r.poll_event().expect("the walk ends");
        assert!(!done.response.answers.is_empty(), "{name} resolved");
        counts.push(r.upstream_queries() - before);
    }
    counts
}

#[test]
fn each_cut_and_server_address_is_asked_for_once() {
    // h1.d.t: root, t., d.t. Then h2.d.t: d.t. only. h1.d.u: root (for
    // u.), u., then d.t.'s server, whose address came as glue from t.;
    // h2.d.u: d.u.'s server only.
    assert_eq!(
        walk(&["h1.d.t", "h2.d.t", "h1.d.u", "h2.d.u"]),
        [3, 1, 3, 1]
    );
}

#[test]
fn a_glueless_server_is_resolved_once() {
    // h1.d.u first: root, u., then ns.d.t's address (t. from the cached
    // root cut, then d.t.), then d.u.; the second name reuses all of it.
    assert_eq!(walk(&["h1.d.u", "h2.d.u", "h1.d.t"]), [5, 1, 1]);
}
