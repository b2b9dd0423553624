//! Request routing by `l7 dns serve --routes` (a CDN's DNS, RFC 7871),
//! asked by real clients: dig and kdig send Client Subnet options from two
//! documentation networks and get different edges with the scope set; an
//! edge whose HTTP port stops answering is skipped until it comes back.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use l7_interop::*;

mod dns_common;
use dns_common::serve;

const STL: &str = "127.0.40.11";
const SFO: &str = "127.0.40.12";
const VIDEO: &str = "video.netcinema.kingcdn.com";

/// The world's kingcdn.com zone, whose routed name lists both edges.
fn zone() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../worlds/textbook/kingcdn.com.zone")
}

/// A routing file like the world's, its health checks on `port`.
fn routes(dir: &Scratch, port: u16) -> String {
    let path = dir.join("routes.toml");
    std::fs::write(
        &path,
        format!(
            r#"health_port = {port}
[[route]]
name = "{VIDEO}"
ttl = 20
default = "{SFO}"
[route.clients]
"198.51.100.0/24" = "{STL}"
"203.0.113.0/24" = "{SFO}"
"#
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn ask(tool_name: &str, s: &Server, subnet: &str) -> String {
    let out = tool(tool_name)
        .args(["@127.0.0.1", "-p", &s.addr.port().to_string()])
        .arg("+time=3")
        .arg(if tool_name == "dig" {
            "+tries=2"
        } else {
            "+retry=1"
        })
        .args([VIDEO, "A"])
        .arg(format!("+subnet={subnet}"))
        .output()
        .unwrap();
    stdout(&out)
}

/// The one edge in dig's or kdig's answer section, with its TTL.
fn answer(text: &str) -> (String, String) {
    let edges: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with(VIDEO))
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 5 && f[3] == "A")
        .collect();
    assert_eq!(edges.len(), 1, "one edge expected: {text}");
    (edges[0][4].to_string(), edges[0][1].to_string())
}

fn edge(text: &str) -> String {
    answer(text).0
}

/// Health-check listeners on the edges' addresses.
fn listen(edge: &str, port: u16) -> TcpListener {
    TcpListener::bind((edge, port)).unwrap()
}

#[test]
fn dig_and_kdig_from_two_subnets_get_two_edges_with_the_scope_set() {
    let dir = Scratch::new("dns-routing-subnets");
    let port = free_port();
    let _stl = listen(STL, port);
    let _sfo = listen(SFO, port);
    let s = serve(&zone(), &["--routes", &routes(&dir, port)]);
    for client in ["dig", "kdig"] {
        let a = ask(client, &s, "198.51.100.0/24");
        let b = ask(client, &s, "203.0.113.0/24");
        assert_eq!(edge(&a), STL, "{a}");
        assert_eq!(edge(&b), SFO, "{b}");
        // RFC 7871 §7.2.1: the scope (after source) is set in the echoed option.
        assert!(a.contains("CLIENT-SUBNET: 198.51.100.0/24/24"), "{a}");
        assert!(b.contains("CLIENT-SUBNET: 203.0.113.0/24/24"), "{b}");
        assert_eq!(answer(&a).1, "20", "the route's short TTL: {a}");
    }
    // A name the routes do not name is answered as the zone says, scope 0.
    let out = tool("dig")
        .args(["@127.0.0.1", "-p", &s.addr.port().to_string()])
        .args(["+subnet=198.51.100.0/24", "cdn-stl.kingcdn.com"])
        .output()
        .unwrap();
    let plain = stdout(&out);
    assert!(
        plain.contains("CLIENT-SUBNET: 198.51.100.0/24/0"),
        "{plain}"
    );
}

#[test]
fn a_dead_edge_is_skipped_until_it_answers_again() {
    let dir = Scratch::new("dns-routing-health");
    let port = free_port();
    let _stl = listen(STL, port);
    let sfo = listen(SFO, port);
    let s = serve(&zone(), &["--routes", &routes(&dir, port)]);
    assert_eq!(edge(&ask("dig", &s, "203.0.113.0/24")), SFO);
    drop(sfo);
    let now_edge = |want: &str| {
        // Checks run every few seconds; allow a slow machine many rounds.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = edge(&ask("dig", &s, "203.0.113.0/24"));
            if got == want {
                return;
            }
            assert!(Instant::now() < deadline, "still {got}, wanted {want}");
            std::thread::sleep(Duration::from_millis(250));
        }
    };
    now_edge(STL);
    let _sfo = listen(SFO, port);
    now_edge(SFO);
}
