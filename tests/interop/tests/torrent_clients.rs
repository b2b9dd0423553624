//! `l7 torrent get` and `l7 torrent seed` trading with the other real
//! clients issue 4 names, on loopback with DHT, LSD and peer exchange off:
//! rtorrent (libtorrent-rakshasa) downloads from our seeder and seeds to
//! us; libtorrent (rasterbar, qBittorrent's engine, driven from Debian's
//! python3-libtorrent) seeds to us, downloads from us, and joins a swarm
//! of l7 peers. Every peer ends with the seed's bytes. `--trace` shows the messages exchanged with rtorrent.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use l7_interop::*;

mod torrent_common;
use torrent_common::*;

/// A peer process, killed (and reaped) when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// rtorrent without a terminal (daemon mode), no rc file, its session in
/// `dir/NAME-session`, saving into `dir/NAME`, listening on `port`,
/// started on the torrent. It hash-checks what is already there first.
fn rtorrent(s: &Setup, name: &str, port: u16) -> Peer {
    let into = s.path(name);
    let session = s.path(&format!("{name}-session"));
    std::fs::create_dir_all(&into).unwrap();
    std::fs::create_dir_all(&session).unwrap();
    let opts = [
        "system.daemon.set=true".to_owned(),
        format!("directory.default.set={}", into.display()),
        format!("session.path.set={}", session.display()),
        format!("network.port_range.set={port}-{port}"),
        "network.port_random.set=no".to_owned(),
        "network.bind_address.set=127.0.0.1".to_owned(),
        "dht.mode.set=disable".to_owned(),
        "protocol.pex.set=no".to_owned(),
        "trackers.use_udp.set=yes".to_owned(),
        format!("load.start={}", s.torrent.display()),
    ];
    let mut c = tool("rtorrent");
    c.arg("-n");
    for o in &opts {
        c.args(["-o", o]);
    }
    Peer(
        c.env("TERM", "dumb")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rtorrent"),
    )
}

/// The libtorrent driver in tests/interop/peers (`seed` or `get`).
fn libtorrent(s: &Setup, mode: &str, into: &str, port: u16, peer: Option<&str>) -> Command {
    std::fs::create_dir_all(s.path(into)).unwrap();
    // Debian's python3-libtorrent is built for Debian's python3.
    let mut c = tool("/usr/bin/python3");
    c.arg(peer_script("libtorrent_peer.py"))
        .arg(mode)
        .arg(&s.torrent)
        .arg(s.path(into))
        .arg(port.to_string())
        .arg("240");
    if let Some(p) = peer {
        c.arg(p);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn rtorrent_downloads_from_our_seeder_through_our_tracker() {
    let s = Setup::new("clients-rtorrent-leech", 6 * PIECE + 4321, "http");
    let _seeder = s.l7_seeder(&format!("127.0.0.1:{}", free_port()), &[]);
    let _leech = rtorrent(&s, "leech", free_port());
    s.wait_downloaded("leech", Duration::from_secs(240), "rtorrent");
}

#[test]
fn we_download_from_an_rtorrent_seeder_through_our_tracker() {
    let s = Setup::new("clients-rtorrent-seed", 5 * PIECE + 17, "http");
    // rtorrent saves into (and so seeds from) directory/NAME: the seed dir.
    let _seeder = rtorrent(&s, "seed", free_port());
    let last = s.l7_get_to_end("leech", &[]);
    assert_eq!(last["downloaded"], s.data.len());
}

#[test]
fn we_download_from_a_libtorrent_seeder_through_our_udp_tracker() {
    let s = Setup::new("clients-libtorrent-seed", 7 * PIECE + 3, "udp");
    let port = free_port();
    let _seeder = Peer(libtorrent(&s, "seed", "seed", port, None).spawn().unwrap());
    wait_tcp(port);
    let last = s.l7_get_to_end("leech", &[]);
    assert_eq!(last["downloaded"], s.data.len());
}

#[test]
fn libtorrent_downloads_from_our_seeder() {
    let s = Setup::new("clients-libtorrent-leech", 6 * PIECE + 99, "http");
    let seed_at = format!("127.0.0.1:{}", free_port());
    let _seeder = s.l7_seeder(&seed_at, &[]);
    let leech = libtorrent(&s, "get", "leech", free_port(), Some(&seed_at))
        .spawn()
        .unwrap();
    let out = wait_output(leech, Duration::from_secs(280), "libtorrent");
    assert!(
        out.status.success(),
        "libtorrent failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    s.assert_downloaded("leech");
}

#[test]
fn a_swarm_of_l7_peers_and_libtorrent_ends_identical() {
    let s = Setup::new("clients-swarm", 20 * PIECE + 1, "http");
    let _seeder = s.l7_seeder(
        &format!("127.0.0.1:{}", free_port()),
        &["--upload-limit", "24Mbit"],
    );
    let lt = libtorrent(&s, "get", "libtorrent", free_port(), None)
        .spawn()
        .unwrap();
    let one = s.l7_get("l7-one", &format!("127.0.0.1:{}", free_port()), &[]);
    let two = s.l7_get("l7-two", &format!("127.0.0.1:{}", free_port()), &[]);
    for (child, what) in [(one, "l7 one"), (two, "l7 two"), (lt, "libtorrent")] {
        let out = wait_output(child, Duration::from_secs(280), what);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
    }
    for d in ["l7-one", "l7-two", "libtorrent"] {
        s.assert_downloaded(d);
    }
}

#[test]
fn trace_prints_one_line_per_message_each_way() {
    let s = Setup::new("clients-trace", 3 * PIECE + 5, "http");
    let _seeder = rtorrent(&s, "seed", free_port());
    let get = s.l7_get("leech", &format!("127.0.0.1:{}", free_port()), &["--trace"]);
    let out = wait_output(get, Duration::from_secs(240), "l7 --trace torrent get");
    assert!(out.status.success(), "{}", stderr(&out));
    s.assert_downloaded("leech");
    let trace = stderr(&out);
    for line in [
        "> handshake ",
        "< handshake ",
        "> interested",
        "< unchoke",
        "> request ",
        "< piece ",
    ] {
        assert!(trace.contains(line), "no {line:?} in:\n{trace}");
    }
    // Four 16 KiB blocks per full piece, and the last piece's 5 bytes.
    let pieces = trace.lines().filter(|l| l.contains(" < piece ")).count();
    assert!(pieces > 3 * 16, "{pieces} piece lines");
}
