//! The textbook's CDN example under `l7 up`: video.netcinema.com is a CNAME
//! into kingcdn.com, whose name server (dns.kingcdn.com) answers each asker
//! with one edge: dns.nyu.edu's network gets cdn-stl, other resolvers the
//! default cdn-sfo, and a Client Subnet option (dig +subnet) picks by the
//! client's network. The edges run as reverse proxies (health-checked).
//! `l7 play` of the world's video goes the same way: through dns.nyu.edu
//! and the CNAME to cdn-stl, which serves every video and audio segment
//! (X-Cache).
//!
//! Each test runs a whole world on the world's fixed addresses: they take
//! turns.

use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;

use l7_interop::*;

const STL: &str = "127.0.40.11";
const SFO: &str = "127.0.40.12";

/// One world at a time.
static WORLD: Mutex<()> = Mutex::new(());

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
    let _turn = WORLD.lock().unwrap_or_else(|e| e.into_inner());
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

/// The X-Cache field of edge `at`'s answer to a GET of `path` for video.netcinema.com.
fn edge_cache(at: &str, path: &str) -> String {
    x_cache(
        &format!("http://{at}{path}"),
        &["-H", "Host: video.netcinema.com"],
    )
}

#[test]
fn l7_play_streams_the_world_video_through_the_edge_dns_picks() {
    let _turn = WORLD.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Scratch::new("world-cdn-play");
    let (_up, state) = start_world(&dir.0);
    // The origin packages its video at the first start (ffmpeg, tens of
    // seconds): meanwhile it answers 503 with a Retry-After, and `l7 play`,
    // started at once, waits that out.
    let origin = format!(
        "http://127.0.40.1:{}/manifest.mpd",
        port(&state, "video.netcinema.com", "dash")
    );
    let first = stdout(
        &tool("curl")
            .args(["-s", "-i", "--max-time", "10", &origin])
            .output()
            .unwrap(),
    );
    // ffmpeg takes tens of seconds at the first start: the origin is
    // still packaging when the world is up.
    assert!(first.starts_with("HTTP/1.1 503"), "{first}");
    assert!(first.contains("\r\nRetry-After: 5\r\n"), "{first}");
    let o = std::process::Command::new(l7_bin())
        .args(["play", "http://video.netcinema.com/manifest.mpd", "--json"])
        .args(["--timeout", "120s"])
        .env("L7_STATE", dir.join("world.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // dns.nyu.edu followed the CNAME into kingcdn.com, which chose cdn-stl.
    let resolved = lines
        .iter()
        .find_map(|l| l.get("resolved"))
        .unwrap_or_else(|| panic!("no resolution reported: {}", stdout(&o)));
    assert_eq!(resolved["address"], STL, "{resolved}");
    assert_eq!(resolved["world_host"], "cdn-stl.kingcdn.com", "{resolved}");
    assert_eq!(resolved["via"], "dns.nyu.edu", "{resolved}");
    // The 60 s video in 4 s segments, played to the end.
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["segments"], 15, "{}", stdout(&o));
    let played = lines.iter().filter(|l| l.get("segment").is_some()).count();
    assert_eq!(played, 15, "{}", stdout(&o));
    // cdn-stl has each segment in its cache, at one video rung at least
    // (representations 0-2; the player fetched it there), and its audio
    // (representation 3).
    let at = format!("{STL}:{}", port(&state, "cdn-stl.kingcdn.com", "proxy"));
    for n in 1..=15 {
        let hits = (0..3)
            .filter(|r| edge_cache(&at, &format!("/chunk-{r}-{n:05}.m4s")) == "HIT")
            .count();
        assert!(hits >= 1, "segment {n} was not served by cdn-stl");
        let audio = edge_cache(&at, &format!("/chunk-3-{n:05}.m4s"));
        assert_eq!(audio, "HIT", "audio segment {n} was not served by cdn-stl");
    }
}
