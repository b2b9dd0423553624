//! The resolver stepped with explicit time against in-memory authoritative
//! servers built from l7's own `authority` module: a root, the com and net
//! TLDs, and authoritative servers for example.com, example.net and a
//! glueless glueless.com.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use l7_dns::authority::{Authority, Reply, Transport};
use l7_dns::resolver::{Cached, Hosts, Resolved, Resolver, ResolverConfig, RootHint};
use l7_dns::wire::{Message, Name, Question, RData, Rcode, Record, RecordType};
use l7_dns::zone::{NoIncludes, Zone};
use l7_wire::Instant;

const ROOT: &str = "$TTL 86400
. SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
. NS a.root-servers.net.
a.root-servers.net. A 198.41.0.4
com. 172800 NS a.gtld-servers.net.
net. 172800 NS a.gtld-servers.net.
a.gtld-servers.net. 172800 A 192.5.6.30
";
const COM: &str = "$TTL 172800
@ SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
@ NS a.gtld-servers.net.
example NS ns1.example
example NS ns2.example
ns1.example A 192.0.2.53
ns2.example A 192.0.2.54
glueless NS ns.example.net.
";
const NET: &str = "$TTL 172800
@ SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
@ NS a.gtld-servers.net.
a.gtld-servers.net. A 192.5.6.30
example NS ns1.example.com.
";
const EXAMPLE_NET: &str = "$TTL 3600
@ SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
@ NS ns1.example.com.
ns A 192.0.2.55
www A 192.0.2.90
";
const GLUELESS: &str = "$TTL 3600
@ SOA ns.example.net. hostmaster.example.net. 1 7200 3600 1209600 300
@ NS ns.example.net.
www A 192.0.2.200
";

fn example_com() -> String {
    let mut z = String::from(
        "$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ NS ns2
ns1 A 192.0.2.53
ns2 A 192.0.2.54
www A 192.0.2.80
alias CNAME www
to-net CNAME www.example.net.
short 5 A 192.0.2.81
old DNAME example.net.
loop1 CNAME loop2
loop2 CNAME loop1
",
    );
    for i in 0..12 {
        z.push_str(&format!("big TXT \"{}\"\n", "t".repeat(100 + i)));
    }
    z
}

fn zone(apex: &str, text: &str) -> Zone {
    Zone::from_master_file(
        text.as_bytes(),
        apex,
        &apex.parse().unwrap(),
        &mut NoIncludes,
    )
    .unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Servers by address, the queries they saw, and a virtual clock.
struct World {
    servers: HashMap<IpAddr, Authority>,
    down: HashSet<IpAddr>,
    now: Instant,
    rtt: Duration,
    /// (server, question name, over TCP) of every query sent.
    log: Vec<(IpAddr, String, bool)>,
}

impl World {
    fn new() -> World {
        let mut servers = HashMap::new();
        servers.insert(ip("198.41.0.4"), Authority::new([zone(".", ROOT)]));
        servers.insert(
            ip("192.5.6.30"),
            Authority::new([zone("com", COM), zone("net", NET)]),
        );
        for ns in ["192.0.2.53", "192.0.2.54"] {
            let mut zones = vec![zone("example.com", &example_com())];
            if ns == "192.0.2.53" {
                zones.push(zone("example.net", EXAMPLE_NET));
            }
            servers.insert(ip(ns), Authority::new(zones));
        }
        servers.insert(
            ip("192.0.2.55"),
            Authority::new([zone("glueless.com", GLUELESS)]),
        );
        World {
            servers,
            down: HashSet::new(),
            now: Instant::from_millis(10_000),
            rtt: Duration::from_millis(20),
            log: Vec::new(),
        }
    }

    fn resolver(&self) -> Resolver {
        Resolver::new(config(), 7)
    }

    /// Delivers queries and replies, and fires timeouts, until nothing is left.
    fn run(&mut self, r: &mut Resolver) -> Vec<Resolved> {
        for _ in 0..1000 {
            let mut replies = Vec::new();
            while let Some(t) = r.poll_transmit() {
                let (query, _) = Message::parse(&t.query).unwrap();
                assert!(
                    !query.flags.recursion_desired,
                    "iterative queries have RD=0"
                );
                self.log.push((
                    t.server.ip(),
                    query.questions[0].name.to_string(),
                    t.over_tcp,
                ));
                if self.down.contains(&t.server.ip()) {
                    continue;
                }
                let Some(server) = self.servers.get(&t.server.ip()) else {
                    continue;
                };
                let transport = if t.over_tcp {
                    Transport::Tcp
                } else {
                    Transport::Udp
                };
                let mut out = Vec::new();
                if server.respond(&t.query, ip("127.0.0.1"), transport, &mut out) == Reply::Message
                {
                    replies.push((t.server, out));
                }
            }
            if !replies.is_empty() {
                self.now = self.now + self.rtt;
                for (from, bytes) in replies {
                    r.handle_response(self.now, from, &bytes);
                }
            } else if let Some(deadline) = r.poll_timeout() {
                self.now = deadline.max(self.now);
                r.handle_timeout(self.now);
            } else {
                break;
            }
        }
        std::iter::from_fn(|| r.poll_event()).collect()
    }

    fn resolve(&mut self, r: &mut Resolver, name: &str, qtype: RecordType) -> Message {
        self.log.clear();
        r.start(self.now, Question::new(name.parse().unwrap(), qtype), 1);
        let mut events = self.run(r);
        assert_eq!(events.len(), 1, "one answer per question");
        assert_eq!(r.active(), 0, "no task left behind");
        events.remove(0).response
    }
}

fn config() -> ResolverConfig {
    ResolverConfig {
        root_hints: vec![RootHint {
            name: "a.root-servers.net".parse().unwrap(),
            addr: ip("198.41.0.4"),
        }],
        ..ResolverConfig::default()
    }
}

fn addresses(m: &Message) -> Vec<String> {
    m.answers
        .iter()
        .filter(|r| r.rtype() == RecordType::A)
        .map(|r| r.rdata.to_string())
        .collect()
}

fn servers_asked(w: &World) -> Vec<String> {
    w.log.iter().map(|(a, _, _)| a.to_string()).collect()
}

#[test]
fn walks_root_tld_authoritative_then_answers_from_cache() {
    let mut w = World::new();
    let mut r = w.resolver();
    let m = w.resolve(&mut r, "www.example.com", RecordType::A);
    assert_eq!(m.rcode, Rcode::NOERROR);
    assert!(m.flags.recursion_available && m.flags.response);
    assert_eq!(addresses(&m), ["192.0.2.80"]);
    assert_eq!(
        servers_asked(&w),
        ["198.41.0.4", "192.5.6.30", "192.0.2.53"]
    );
    // The same question again: from the cache, no upstream query, TTL lowered.
    w.now = w.now + Duration::from_secs(100);
    let again = w.resolve(&mut r, "WWW.example.com", RecordType::A);
    assert!(w.log.is_empty());
    assert_eq!(again.answers[0].ttl, 3600 - 100);
    // A sibling name needs only the authoritative server (the NS set is cached).
    let alias = w.resolve(&mut r, "alias.example.com", RecordType::A);
    assert_eq!(servers_asked(&w), ["192.0.2.53"]);
    assert_eq!(alias.answers[0].rtype(), RecordType::CNAME);
    assert_eq!(addresses(&alias), ["192.0.2.80"]);
}

#[test]
fn ttl_expiry_sends_the_question_upstream_again() {
    let mut w = World::new();
    let mut r = w.resolver();
    w.resolve(&mut r, "short.example.com", RecordType::A);
    w.now = w.now + Duration::from_secs(4);
    w.resolve(&mut r, "short.example.com", RecordType::A);
    assert!(w.log.is_empty(), "still fresh after 4 s of 5");
    w.now = w.now + Duration::from_secs(2);
    let m = w.resolve(&mut r, "short.example.com", RecordType::A);
    assert_eq!(
        servers_asked(&w),
        ["192.0.2.53"],
        "expired: asked again, straight at the zone's server"
    );
    assert_eq!(m.answers[0].ttl, 5);
}

#[test]
fn nxdomain_is_cached_negatively_for_every_type() {
    let mut w = World::new();
    let mut r = w.resolver();
    let m = w.resolve(&mut r, "nope.example.com", RecordType::A);
    assert_eq!(m.rcode, Rcode::NXDOMAIN);
    assert_eq!(
        (m.authority[0].rtype(), m.authority[0].ttl),
        (RecordType::SOA, 300)
    );
    w.now = w.now + Duration::from_secs(10);
    let again = w.resolve(&mut r, "nope.example.com", RecordType::MX);
    assert!(w.log.is_empty());
    assert_eq!(again.rcode, Rcode::NXDOMAIN);
    assert_eq!(again.authority[0].ttl, 290);
    w.now = w.now + Duration::from_secs(300);
    w.resolve(&mut r, "nope.example.com", RecordType::MX);
    assert_eq!(
        servers_asked(&w),
        ["192.0.2.53"],
        "the negative entry expired"
    );
    // NODATA is cached for the name and type only.
    let nodata = w.resolve(&mut r, "www.example.com", RecordType::MX);
    assert_eq!((nodata.rcode, nodata.answers.len()), (Rcode::NOERROR, 0));
    w.resolve(&mut r, "www.example.com", RecordType::MX);
    assert!(w.log.is_empty());
}

#[test]
fn glueless_delegations_resolve_the_name_server_first() {
    let mut w = World::new();
    let mut r = w.resolver();
    let m = w.resolve(&mut r, "www.glueless.com", RecordType::A);
    assert_eq!(addresses(&m), ["192.0.2.200"]);
    let asked: Vec<(String, String)> = w
        .log
        .iter()
        .map(|(a, n, _)| (a.to_string(), n.clone()))
        .collect();
    assert_eq!(asked.first().unwrap().1, "www.glueless.com.");
    // ns1.example.com's address came as glue with com.'s referral: the
    // sub-task goes on with it instead of asking example.com for it.
    assert!(
        !asked.contains(&("192.0.2.53".into(), "ns1.example.com.".into())),
        "{asked:?}"
    );
    assert!(
        asked.contains(&("192.0.2.53".into(), "ns.example.net.".into())),
        "{asked:?}"
    );
    assert_eq!(
        asked.last().unwrap(),
        &("192.0.2.55".to_string(), "www.glueless.com.".to_string())
    );
}

#[test]
fn a_dead_server_times_out_and_the_next_one_answers() {
    let mut w = World::new();
    w.down.insert(ip("192.0.2.53"));
    let mut r = w.resolver();
    let start = w.now;
    let m = w.resolve(&mut r, "www.example.com", RecordType::A);
    assert_eq!(addresses(&m), ["192.0.2.80"]);
    assert_eq!(
        servers_asked(&w),
        ["198.41.0.4", "192.5.6.30", "192.0.2.53", "192.0.2.54"]
    );
    assert!(
        w.now - start >= Duration::from_secs(1),
        "waited for the timeout"
    );
    // The live server is now preferred: no more time lost on the dead one.
    let before = w.now;
    w.resolve(&mut r, "alias.example.com", RecordType::A);
    assert_eq!(servers_asked(&w), ["192.0.2.54"]);
    assert!(w.now - before < Duration::from_secs(1));
}

#[test]
fn every_server_dead_gives_servfail() {
    let mut w = World::new();
    w.down.insert(ip("192.0.2.53"));
    w.down.insert(ip("192.0.2.54"));
    let mut r = w.resolver();
    let m = w.resolve(&mut r, "www.example.com", RecordType::A);
    assert_eq!(m.rcode, Rcode::SERVFAIL);
    // Two tries per server.
    assert_eq!(
        w.log
            .iter()
            .filter(|(a, _, _)| a.to_string().starts_with("192.0.2.5"))
            .count(),
        4
    );
}

#[test]
fn chains_cross_zones_and_truncation_retries_over_tcp() {
    let mut w = World::new();
    let mut r = w.resolver();
    let m = w.resolve(&mut r, "to-net.example.com", RecordType::A);
    assert_eq!(
        m.answers[0].rdata,
        RData::Cname("www.example.net".parse().unwrap())
    );
    assert_eq!(addresses(&m), ["192.0.2.90"]);
    let big = w.resolve(&mut r, "big.example.com", RecordType::TXT);
    assert_eq!(big.answers.len(), 12);
    let tail: Vec<_> = w
        .log
        .iter()
        .map(|(a, _, tcp)| (a.to_string(), *tcp))
        .collect();
    assert_eq!(
        tail,
        [
            ("192.0.2.53".to_string(), false),
            ("192.0.2.53".to_string(), true)
        ]
    );
}

#[test]
fn hosts_file_names_are_answered_first() {
    let mut w = World::new();
    let mut r = Resolver::new(
        ResolverConfig {
            hosts: Hosts::parse("192.0.2.99 www.example.com printer.lab\n").unwrap(),
            ..config()
        },
        1,
    );
    let m = w.resolve(&mut r, "www.example.com", RecordType::A);
    assert!(w.log.is_empty());
    assert_eq!(addresses(&m), ["192.0.2.99"]);
}

#[test]
fn work_per_question_is_bounded() {
    let mut w = World::new();
    let mut r = Resolver::new(
        ResolverConfig {
            max_queries: 2,
            ..config()
        },
        1,
    );
    let m = w.resolve(&mut r, "www.example.com", RecordType::A);
    assert_eq!(m.rcode, Rcode::SERVFAIL);
    assert_eq!(w.log.len(), 2);
}

/// Replies that do not match the query in flight are dropped; the real
/// reply still completes the resolution.
#[test]
fn spoofed_replies_are_ignored() {
    let w = World::new();
    let mut r = w.resolver();
    r.start(
        w.now,
        Question::new("www.example.com".parse().unwrap(), RecordType::A),
        9,
    );
    let t = r.poll_transmit().unwrap();
    let root = &w.servers[&t.server.ip()];
    let mut genuine = Vec::new();
    root.respond(&t.query, ip("127.0.0.1"), Transport::Udp, &mut genuine);
    let (genuine_msg, _) = Message::parse(&genuine).unwrap();

    // A forged answer with the right question but a wrong ID...
    let mut forged = genuine_msg.clone();
    forged.authority.clear();
    forged.answers = vec![Record::new(
        "www.example.com".parse().unwrap(),
        86400,
        RData::A([6, 6, 6, 6].into()),
    )];
    forged.id = genuine_msg.id.wrapping_add(1);
    r.handle_response(w.now, t.server, &forged.to_bytes());
    // ...the right ID from the wrong address...
    forged.id = genuine_msg.id;
    r.handle_response(
        w.now,
        SocketAddr::new(ip("203.0.113.66"), 53),
        &forged.to_bytes(),
    );
    // ...the right ID and address but another question.
    let mut other = forged.clone();
    other.questions[0].name = "www.example.org".parse().unwrap();
    r.handle_response(w.now, t.server, &other.to_bytes());
    // ...and garbage.
    r.handle_response(w.now, t.server, &genuine[..20]);
    assert!(r.poll_event().is_none() && r.poll_transmit().is_none());
    let name: Name = "www.example.com".parse().unwrap();
    assert_eq!(r.cache().get(w.now, &name, RecordType::A), None);

    r.handle_response(w.now, t.server, &genuine);
    let next = r
        .poll_transmit()
        .expect("the genuine referral moves on to com");
    assert_eq!(next.server.ip(), ip("192.5.6.30"));
}

/// A server for example.com adds records for names outside its zone: the
/// answer is used, the extras are never cached.
#[test]
fn out_of_bailiwick_records_are_not_cached() {
    let mut w = World::new();
    let mut r = w.resolver();
    w.resolve(&mut r, "ns1.example.com", RecordType::A);
    r.start(
        w.now,
        Question::new("www.example.com".parse().unwrap(), RecordType::A),
        2,
    );
    let t = r.poll_transmit().unwrap();
    assert_eq!(t.server.ip(), ip("192.0.2.53"));
    let mut out = Vec::new();
    w.servers[&t.server.ip()].respond(&t.query, ip("127.0.0.1"), Transport::Udp, &mut out);
    let (mut poisoned, _) = Message::parse(&out).unwrap();
    let evil = |name: &str, rdata| Record::new(name.parse().unwrap(), 86400, rdata);
    poisoned
        .authority
        .push(evil("com", RData::Ns("ns.evil.test".parse().unwrap())));
    poisoned
        .additional
        .push(evil("www.victim.org", RData::A([6, 6, 6, 6].into())));
    poisoned
        .additional
        .push(evil("a.gtld-servers.net", RData::A([6, 6, 6, 6].into())));
    r.handle_response(w.now, t.server, &poisoned.to_bytes());
    let done = r.poll_event().unwrap();
    assert_eq!(addresses(&done.response), ["192.0.2.80"]);
    let now = w.now;
    let cache = r.cache();
    assert_eq!(
        cache.get(now, &"www.victim.org".parse().unwrap(), RecordType::A),
        None
    );
    assert_eq!(
        cache
            .get(now, &"a.gtld-servers.net".parse().unwrap(), RecordType::A)
            .map(|c| match c {
                Cached::Records(rs) => rs[0].rdata.to_string(),
                other => format!("{other:?}"),
            }),
        Some("192.5.6.30".to_string())
    );
    let com_ns = cache.get(now, &"com".parse().unwrap(), RecordType::NS);
    assert!(
        matches!(com_ns, Some(Cached::Records(rs)) if rs.iter().all(|r| r.rdata.to_string() == "a.gtld-servers.net."))
    );
}

#[test]
fn query_ids_are_random_and_deterministic_per_seed() {
    let ids = |seed| {
        let mut r = Resolver::new(config(), seed);
        (0..4u64)
            .map(|i| {
                r.start(
                    Instant::ZERO,
                    // Under different TLDs, so none waits for another's referral.
                    Question::new(format!("n{i}.example{i}").parse().unwrap(), RecordType::A),
                    i,
                );
                let t = r.poll_transmit().unwrap();
                u16::from_be_bytes([t.query[0], t.query[1]])
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(5), ids(5));
    assert_ne!(ids(5), ids(6));
    assert_eq!(ids(5).iter().collect::<HashSet<_>>().len(), 4);
}

#[test]
fn resolutions_under_way_are_bounded() {
    let w = World::new();
    let mut r = Resolver::new(
        ResolverConfig {
            max_active: 2,
            ..config()
        },
        1,
    );
    for i in 0..3 {
        r.start(
            w.now,
            Question::new(format!("n{i}.example.com").parse().unwrap(), RecordType::A),
            i,
        );
    }
    assert_eq!(r.active(), 2);
    let refused = r.poll_event().unwrap();
    assert_eq!(
        (refused.token, refused.response.rcode),
        (2, Rcode::SERVFAIL)
    );
}

#[test]
fn a_burst_of_cold_questions_under_one_zone_costs_one_referral_each_level() {
    let mut w = World::new();
    let mut r = w.resolver();
    let names = ["www.example.com", "short.example.com", "mail.example.com"];
    for (token, name) in names.iter().enumerate() {
        r.start(
            w.now,
            Question::new(name.parse().unwrap(), RecordType::A),
            token as u64,
        );
    }
    let events = w.run(&mut r);
    assert_eq!(events.len(), 3);
    // The root and com are asked once; example.com's server once per name.
    assert_eq!(servers_asked(&w).len(), 2 + names.len(), "{:?}", w.log);
    assert_eq!(r.active(), 0);
}

#[test]
fn dname_redirects_and_cname_loops_are_cut_short() {
    let mut w = World::new();
    let mut r = w.resolver();
    let m = w.resolve(&mut r, "www.old.example.com", RecordType::A);
    assert_eq!(m.rcode, Rcode::NOERROR);
    assert_eq!(addresses(&m), ["192.0.2.90"]);
    assert!(m.answers.iter().any(|a| a.rtype() == RecordType::CNAME));
    let looped = w.resolve(&mut r, "loop1.example.com", RecordType::A);
    assert_eq!(looped.rcode, Rcode::SERVFAIL);
    assert!(
        w.log.len() <= 3,
        "the loop costs a bounded number of queries: {:?}",
        w.log
    );
}

#[test]
fn identical_questions_in_flight_share_one_walk() {
    let mut w = World::new();
    let mut r = w.resolver();
    let q = |name: &str| Question::new(name.parse().unwrap(), RecordType::A);
    for token in 1..=50 {
        // The name's case differs: still the same question (RFC 4343).
        let name = if token % 2 == 0 {
            "www.example.com"
        } else {
            "WWW.example.COM"
        };
        r.start(w.now, q(name), token);
    }
    r.start(w.now, q("short.example.com"), 99);
    let events = w.run(&mut r);
    // One walk (root, com, example.com) for the fifty; the other question,
    // started at the same time, waits for the same referrals and asks only
    // its own last question.
    assert_eq!(servers_asked(&w).len(), 4, "{:?}", w.log);
    let mut tokens: Vec<u64> = events.iter().map(|e| e.token).collect();
    tokens.sort_unstable();
    assert_eq!(tokens, (1..=50).chain([99]).collect::<Vec<_>>());
    for e in events.iter().filter(|e| e.token != 99) {
        assert_eq!(addresses(&e.response), ["192.0.2.80"]);
    }
    assert_eq!(r.active(), 0);
    // Once answered, the question is no longer "in flight": it comes from the cache.
    w.log.clear();
    r.start(w.now, q("www.example.com"), 100);
    assert_eq!(w.run(&mut r).len(), 1);
    assert!(w.log.is_empty());
}
