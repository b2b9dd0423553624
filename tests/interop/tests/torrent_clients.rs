//! `l7 torrent get` and `l7 torrent seed` trading with the other real
//! clients issue 4 names, on loopback with DHT, LSD and peer exchange off:
//! rtorrent (libtorrent-rakshasa) downloads from our seeder and seeds to
//! us; libtorrent (rasterbar, qBittorrent's engine, driven from Debian's
//! python3-libtorrent) seeds to us and downloads from us; rtorrent,
//! libtorrent and aria2 join a swarm of l7 peers; two libtorrent peers
//! meet only through our seeder's ut_pex (BEP 11). Every peer ends with
//! the seed's bytes. `--trace` shows the messages exchanged with rtorrent.

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

/// rtorrent without a terminal (daemon mode), not reading ~/.rtorrent.rc
/// but an rc file of its own, its session in `dir/NAME-session`, saving into
/// `dir/NAME`, listening on 127.0.0.1:`port`, logging to [`rtorrent_log`],
/// started on the torrent. It hash-checks what is already there first.
/// rtorrent keeps one peer per IP address (libtorrent-rakshasa's PeerList
/// is keyed by address alone), so peers meant to trade with it each take a
/// loopback address of their own.
fn rtorrent(s: &Setup, name: &str, port: u16) -> Peer {
    let into = s.path(name);
    let session = s.path(&format!("{name}-session"));
    std::fs::create_dir_all(&into).unwrap();
    std::fs::create_dir_all(&session).unwrap();
    let rc = s.path(&format!("{name}-rtorrent.rc"));
    let settings = [
        "system.daemon.set = true".to_owned(),
        format!("directory.default.set = \"{}\"", into.display()),
        format!("session.path.set = \"{}\"", session.display()),
        format!("network.port_range.set = {port}-{port}"),
        "network.port_random.set = no".to_owned(),
        "network.bind_address.set = 127.0.0.1".to_owned(),
        "dht.mode.set = disable".to_owned(),
        "protocol.pex.set = no".to_owned(),
        "trackers.use_udp.set = yes".to_owned(),
        format!(
            "log.open_file = \"rtorrent\", \"{}\"",
            rtorrent_log(s, name).display()
        ),
        "log.add_output = \"debug\", \"rtorrent\"".to_owned(),
        format!("load.start = \"{}\"", s.torrent.display()),
    ];
    std::fs::write(&rc, settings.join("\n") + "\n").unwrap();
    Peer(
        tool("rtorrent")
            .arg("-n")
            .arg("-o")
            .arg(format!("import={}", rc.display()))
            .env("TERM", "dumb")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rtorrent"),
    )
}

/// Where [`rtorrent`] NAME logs.
fn rtorrent_log(s: &Setup, name: &str) -> std::path::PathBuf {
    s.path(&format!("{name}-rtorrent.log"))
}

/// The last `n` lines of a log file.
fn tail(path: &std::path::Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Waits for a peer that exits once complete; it must succeed.
fn finished(child: Child, what: &str) -> std::process::Output {
    let out = wait_output(child, Duration::from_secs(280), what);
    assert!(
        out.status.success(),
        "{what}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

/// The libtorrent driver in tests/interop/peers (`seed` or `get`),
/// listening on `listen` (`PORT` on 127.0.0.1, or `HOST:PORT`).
fn libtorrent(s: &Setup, mode: &str, into: &str, listen: &str, peer: Option<&str>) -> Command {
    std::fs::create_dir_all(s.path(into)).unwrap();
    // Debian's python3-libtorrent is built for Debian's python3.
    let mut c = tool("/usr/bin/python3");
    c.arg(peer_script("libtorrent_peer.py"))
        .arg(mode)
        .arg(&s.torrent)
        .arg(s.path(into))
        .arg(listen)
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
    let _seeder = Peer(
        libtorrent(&s, "seed", "seed", &port.to_string(), None)
            .spawn()
            .unwrap(),
    );
    wait_tcp(port);
    let last = s.l7_get_to_end("leech", &[]);
    assert_eq!(last["downloaded"], s.data.len());
}

#[test]
fn libtorrent_downloads_from_our_seeder() {
    let s = Setup::new("clients-libtorrent-leech", 6 * PIECE + 99, "http");
    let seed_at = format!("127.0.0.1:{}", free_port());
    let _seeder = s.l7_seeder(&seed_at, &[]);
    let leech = libtorrent(&s, "get", "leech", &free_port().to_string(), Some(&seed_at))
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
fn a_swarm_of_l7_peers_rtorrent_libtorrent_and_aria2_ends_identical() {
    let s = Setup::new("clients-swarm", 20 * PIECE + 1, "http");
    // Each peer on a loopback address of its own (rtorrent keeps one peer
    // per address); rtorrent and the tracker on 127.0.0.1.
    let at = |host: u8| format!("127.0.0.{host}:{}", free_port());
    let _seeder = s.l7_seeder(&at(2), &["--upload-limit", "24Mbit"]);
    let _rt = rtorrent(&s, "rtorrent", free_port());
    let lt = libtorrent(&s, "get", "libtorrent", &at(5), None)
        .spawn()
        .unwrap();
    std::fs::create_dir_all(s.path("aria2")).unwrap();
    let a = aria2(&s.path("aria2"), &s.torrent, false)
        .arg("--interface=127.0.0.6")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let one = s.l7_get("l7-one", &at(3), &[]);
    let two = s.l7_get("l7-two", &at(4), &[]);
    for (child, what) in [
        (one, "l7 one"),
        (two, "l7 two"),
        (lt, "libtorrent"),
        (a, "aria2c"),
    ] {
        finished(child, what);
    }
    let log = rtorrent_log(&s, "rtorrent");
    s.wait_downloaded_or("rtorrent", Duration::from_secs(240), "rtorrent", || {
        tail(&log, 150)
    });
    for d in ["l7-one", "l7-two", "libtorrent", "aria2"] {
        s.assert_downloaded(d);
    }
}

/// The `pex peer HOST:PORT downloaded N` lines of a libtorrent peer run
/// with LT_PEX=1: the peers it learned only through ut_pex, and the bytes
/// it downloaded from each.
fn pex_peers(out: &std::process::Output) -> Vec<(String, u64)> {
    stdout(out)
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("pex peer ")?;
            let (addr, got) = rest.split_once(" downloaded ")?;
            Some((addr.to_owned(), got.parse().ok()?))
        })
        .collect()
}

#[test]
fn libtorrent_peers_meet_through_our_ut_pex_and_trade() {
    // No tracker answers (port 9 is discard) and DHT and LSD are off: the
    // two libtorrent peers are each given only our seeder's address, so
    // they can learn of each other only from the seeder's ut_pex messages
    // (BEP 11, sent every minute). The seeder is slow enough that both are
    // still downloading when that happens.
    let s = Setup::announcing("clients-pex", 8 * PIECE + 3, "http://127.0.0.1:9/announce");
    let seed_at = format!("127.0.0.2:{}", free_port());
    let _seeder = s.l7_seeder(&seed_at, &["--upload-limit", "160kbit"]);
    let (a_at, b_at) = (
        format!("127.0.0.3:{}", free_port()),
        format!("127.0.0.4:{}", free_port()),
    );
    let spawn = |into: &str, listen: &str| {
        libtorrent(&s, "get", into, listen, Some(&seed_at))
            .env("LT_PEX", "1")
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a", &a_at), spawn("b", &b_at));
    let mut learned = Vec::new();
    for (child, what) in [(a, "libtorrent a"), (b, "libtorrent b")] {
        learned.extend(pex_peers(&finished(child, what)));
    }
    s.assert_downloaded("a");
    s.assert_downloaded("b");
    // One dialed the other at the address only our PEX gave, and
    // downloaded from it.
    assert!(
        learned
            .iter()
            .any(|(addr, got)| (*addr == a_at || *addr == b_at) && *got > 0),
        "no libtorrent peer downloaded from a peer learned through ut_pex: {learned:?}"
    );
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
