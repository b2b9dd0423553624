//! The textbook's CDN example under `l7 up`: video.netcinema.com is a CNAME
//! into kingcdn.com, whose name server (dns.kingcdn.com) answers each asker
//! with one edge: dns.nyu.edu's network gets cdn-stl, other resolvers the
//! default cdn-sfo, and a Client Subnet option (dig +subnet) picks by the
//! client's network. The edges run as reverse proxies (health-checked).

use std::net::{SocketAddr, TcpStream};

use l7_interop::*;

const STL: &str = "127.0.40.11";
const SFO: &str = "127.0.40.12";

/// The port of `host`'s service `role`, from the state file.
fn port(state: &serde_json::Value, host: &str, role: &str) -> u16 {
    let h = state["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == host)
        .unwrap_or_else(|| panic!("no host {host}"));
    let s = h["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == role)
        .unwrap_or_else(|| panic!("{host} runs no {role}"));
    assert!(s["error"].is_null(), "{host}: {s}");
    s["port"].as_u64().unwrap() as u16
}

#[test]
fn video_netcinema_com_is_routed_to_an_edge_by_who_asks() {
    let dir = Scratch::new("world-cdn");
    let (_up, state) = start_world(&dir.0);
    let state_path = dir.join("world.json");
    let l7_state = |args: &[&str]| {
        let o = std::process::Command::new(l7_bin())
            .args(args)
            .env("L7_STATE", &state_path)
            .output()
            .unwrap();
        assert!(o.status.success(), "l7 {args:?}: {}", stderr(&o));
        stdout(&o)
    };
    // Through dns.nyu.edu (the world's resolver): the CNAME, then nyu's edge.
    let via_nyu = l7_state(&["dns", "query", "video.netcinema.com"]);
    assert!(
        via_nyu.contains("CNAME") && via_nyu.contains("video.netcinema.kingcdn.com."),
        "{via_nyu}"
    );
    assert!(via_nyu.contains(STL) && !via_nyu.contains(SFO), "{via_nyu}");
    // Asked directly from 127.0.0.1, another network: the default edge.
    let dns = port(&state, "dns.kingcdn.com", "dns");
    let server = format!("@127.0.40.53:{dns}");
    let direct = l7_state(&[
        "dns",
        "query",
        "video.netcinema.kingcdn.com",
        &server,
        "--short",
    ]);
    assert_eq!(direct.trim(), SFO, "{direct}");
    // dig with Client Subnet options from two documentation networks.
    for (subnet, want) in [("198.51.100.0/24", STL), ("203.0.113.0/24", SFO)] {
        let o = tool("dig")
            .args([
                "@127.0.40.53",
                "-p",
                &dns.to_string(),
                "+time=3",
                "+tries=2",
            ])
            .arg(format!("+subnet={subnet}"))
            .args(["video.netcinema.kingcdn.com", "+short"])
            .output()
            .unwrap();
        assert_eq!(stdout(&o).trim(), want, "{subnet}");
    }
    // Both edges are up as reverse proxies on the world's HTTP port.
    let http = port(&state, "cdn-stl.kingcdn.com", "proxy");
    for edge in [STL, SFO] {
        let at: SocketAddr = format!("{edge}:{http}").parse().unwrap();
        assert!(TcpStream::connect(at).is_ok(), "edge {at} is not listening");
    }
}
