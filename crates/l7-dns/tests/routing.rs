//! Request routing (a CDN's DNS) end to end through bytes: the world's
//! kingcdn.com zone and routes, queries with EDNS Client Subnet from two
//! documentation networks (RFC 7871) and without, answered with different
//! edges, a short TTL and the scope set; hickory-proto reads every routed
//! answer, Client Subnet option included, as we do.

use std::net::IpAddr;
use std::path::Path;

use hickory_proto::op::Message as HMessage;
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption as HOption};
use l7_dns::authority::{Authority, Reply, Route, Routes, Transport};
use l7_dns::wire::{ClientSubnet, Edns, EdnsOption, Message, Question, RData, RecordType};
use l7_dns::zone::{NoIncludes, Zone};
use l7_wire::prefix::Prefix;

const STL: &str = "127.0.40.11";
const SFO: &str = "127.0.40.12";
const VIDEO: &str = "video.netcinema.kingcdn.com";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn kingcdn() -> Zone {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../worlds/textbook/kingcdn.com.zone");
    let text = std::fs::read(path).unwrap();
    Zone::from_master_file(
        &text,
        "kingcdn.com.zone",
        &"kingcdn.com".parse().unwrap(),
        &mut NoIncludes,
    )
    .unwrap()
}

/// The routes of worlds/textbook/kingcdn.com.routes.toml.
fn route() -> Route {
    Route {
        owner: VIDEO.parse().unwrap(),
        ttl: 20,
        default: ip(SFO),
        clients: vec![
            (Prefix::parse("127.122.0.0/16").unwrap(), ip(STL)),
            (Prefix::parse("198.51.100.0/24").unwrap(), ip(STL)),
            (Prefix::parse("203.0.113.0/24").unwrap(), ip(SFO)),
        ],
    }
}

fn server() -> Authority {
    Authority::new([kingcdn()])
        .with_routes(Routes::new([route()]))
        .unwrap()
}

/// Asks for VIDEO from `client`, with a Client Subnet option if given;
/// returns our parse and hickory's.
fn ask(server: &Authority, client: &str, subnet: Option<(&str, u8)>) -> (Message, HMessage) {
    let mut q = Message::query(
        7,
        Question::new(VIDEO.parse().unwrap(), RecordType::A),
        false,
    );
    q.edns = Some(Edns {
        options: subnet
            .map(|(a, len)| EdnsOption::ClientSubnet(ClientSubnet::new(ip(a), len)))
            .into_iter()
            .collect(),
        ..Edns::default()
    });
    let mut out = Vec::new();
    let reply = server.respond(&q.to_bytes(), ip(client), Transport::Udp, &mut out);
    assert_eq!(reply, Reply::Message);
    let ours = Message::parse(&out).unwrap().0;
    let theirs = HMessage::from_vec(&out).expect("hickory reads our routed answer");
    (ours, theirs)
}

fn edge(m: &Message) -> IpAddr {
    assert_eq!(m.answers.len(), 1, "one edge: {m:?}");
    assert_eq!(m.answers[0].ttl, 20, "the route's short TTL");
    match &m.answers[0].rdata {
        RData::A(a) => IpAddr::V4(*a),
        other => panic!("not an address: {other:?}"),
    }
}

fn subnet(m: &Message) -> ClientSubnet {
    m.edns
        .as_ref()
        .and_then(|e| e.client_subnet())
        .cloned()
        .expect("the Client Subnet option is echoed")
}

/// Hickory's view of the answer and option must equal ours.
fn agree(ours: &Message, theirs: &HMessage) {
    let h_edge: Vec<IpAddr> = theirs
        .answers()
        .iter()
        .filter_map(|r| r.data().as_a().map(|a| IpAddr::V4(a.0)))
        .collect();
    assert_eq!(h_edge, vec![edge(ours)]);
    assert_eq!(theirs.answers()[0].ttl(), 20);
    let ecs = subnet(ours);
    let h = theirs.extensions().as_ref().expect("hickory sees the OPT");
    match h.options().get(EdnsCode::Subnet) {
        Some(HOption::Subnet(c)) => {
            assert_eq!(c.addr(), ecs.address);
            assert_eq!(c.source_prefix(), ecs.source_prefix);
            assert_eq!(c.scope_prefix(), ecs.scope_prefix);
        }
        other => panic!("hickory finds no Client Subnet: {other:?}"),
    }
}

#[test]
fn two_client_subnets_get_two_edges_with_the_scope_set() {
    let s = server();
    // Both asked through the same resolver address: only the subnet differs.
    let (a, ha) = ask(&s, "127.0.0.1", Some(("198.51.100.0", 24)));
    let (b, hb) = ask(&s, "127.0.0.1", Some(("203.0.113.0", 24)));
    assert_eq!(edge(&a), ip(STL));
    assert_eq!(edge(&b), ip(SFO));
    assert!(a.flags.authoritative && b.flags.authoritative);
    // RFC 7871 §7.2.1: the answer holds for the whole /24 asked about.
    assert_eq!(subnet(&a).scope_prefix, 24);
    assert_eq!(subnet(&b).scope_prefix, 24);
    assert_eq!(subnet(&a).source_prefix, 24);
    agree(&a, &ha);
    agree(&b, &hb);
    // An unmatched network gets the default, scoped to a block no route splits.
    let (c, hc) = ask(&s, "127.0.0.1", Some(("192.0.2.0", 24)));
    assert_eq!(edge(&c), ip(SFO));
    assert!(subnet(&c).scope_prefix > 0);
    agree(&c, &hc);
}

#[test]
fn without_client_subnet_the_queriers_address_decides() {
    let s = server();
    let (nyu, _) = ask(&s, "127.122.0.53", None);
    let (other, _) = ask(&s, "127.0.0.1", None);
    assert_eq!(edge(&nyu), ip(STL), "dns.nyu.edu's network");
    assert_eq!(edge(&other), ip(SFO), "the default");
    assert!(nyu.edns.unwrap().client_subnet().is_none());
}

#[test]
fn a_dead_edge_is_skipped() {
    let s = server();
    s.routes().set_alive(ip(STL), false);
    let (m, _) = ask(&s, "127.0.0.1", Some(("198.51.100.0", 24)));
    assert_eq!(edge(&m), ip(SFO));
    s.routes().set_alive(ip(STL), true);
    let (m, _) = ask(&s, "127.0.0.1", Some(("198.51.100.0", 24)));
    assert_eq!(edge(&m), ip(STL));
}

#[test]
fn unrouted_names_answer_as_before_and_bad_routes_are_refused() {
    let s = server();
    let mut q = Message::query(
        1,
        Question::new("cdn-stl.kingcdn.com".parse().unwrap(), RecordType::A),
        false,
    );
    q.edns = Some(Edns {
        options: vec![EdnsOption::ClientSubnet(ClientSubnet::new(
            ip("198.51.100.0"),
            24,
        ))],
        ..Edns::default()
    });
    let mut out = Vec::new();
    s.respond(&q.to_bytes(), ip("127.0.0.1"), Transport::Udp, &mut out);
    let m = Message::parse(&out).unwrap().0;
    assert_eq!(m.answers[0].ttl, 3600);
    assert_eq!(subnet(&m).scope_prefix, 0, "not client-dependent");
    // An edge the zone does not list, or a name without addresses.
    let mut bad = route();
    bad.default = ip("192.0.2.1");
    let e = Authority::new([kingcdn()])
        .with_routes(Routes::new([bad]))
        .unwrap_err();
    assert!(e.contains("192.0.2.1"), "{e}");
    let mut bad = route();
    bad.owner = "nothing.kingcdn.com".parse().unwrap();
    assert!(
        Authority::new([kingcdn()])
            .with_routes(Routes::new([bad]))
            .is_err()
    );
}
