//! `l7 torrent get` and `l7 torrent seed` trading with real BitTorrent
//! clients on loopback (DHT, LSD and peer exchange off): aria2 downloads from
//! our seeder through our tracker; aria2 seeds and we download (UDP
//! tracker); Transmission seeds and our peer dials it (Transmission never
//! dials 127.x itself); a hostile peer that sends corrupt blocks is banned
//! while the download completes; kill -9 and restart re-downloads no
//! verified piece; and a swarm of three l7 peers and aria2 ends identical.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use l7_interop::*;

const PIECE: usize = 256 * 1024;

/// A tracker, a data file and its torrent, in a scratch directory.
struct Setup {
    dir: Scratch,
    _tracker: Server,
    data: Vec<u8>,
    torrent: PathBuf,
}

impl Setup {
    /// `len` bytes announced to our tracker over `scheme` (http or udp).
    fn new(name: &str, len: usize, scheme: &str) -> Setup {
        let dir = Scratch::new(name);
        let port = free_port();
        let tracker = format!("127.0.0.1:{port}");
        let server = Server::l7(
            &["tracker", "serve", "--listen", &tracker],
            SocketAddr::from(([127, 0, 0, 1], port)),
            false,
        );
        let data = pseudo_random(len, port.into());
        std::fs::create_dir_all(dir.join("seed")).unwrap();
        std::fs::write(dir.join("seed/sample.bin"), &data).unwrap();
        let torrent = dir.join("sample.torrent");
        let url = format!("{scheme}://{tracker}/announce");
        let made = l7(&[
            "torrent",
            "create",
            dir.join("seed/sample.bin").to_str().unwrap(),
            "-o",
            torrent.to_str().unwrap(),
            "--tracker",
            &url,
        ]);
        assert!(made.status.success(), "{}", stderr(&made));
        Setup {
            dir,
            _tracker: server,
            data,
            torrent,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `l7 torrent seed` of the seed directory on `listen`, with extra flags.
    fn l7_seeder(&self, listen: &str, extra: &[&str]) -> Server {
        // The seed directory holds sample.bin, as `get -o seed` would lay it out.
        let data_dir = self.path("seed");
        let mut args = vec![
            "torrent",
            "seed",
            self.torrent.to_str().unwrap(),
            "--data",
            data_dir.to_str().unwrap(),
            "--listen",
            listen,
        ];
        args.extend_from_slice(extra);
        Server::l7(&args, listen.parse().unwrap(), false)
    }

    /// `l7 --json torrent get` into `out`, as a child with piped stdout.
    fn l7_get(&self, out: &str, listen: &str, extra: &[&str]) -> Child {
        let mut c = Command::new(l7_bin());
        c.args(["--json", "torrent", "get"])
            .arg(&self.torrent)
            .arg("-o")
            .arg(self.path(out))
            .args(["--listen", listen])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c.spawn().expect("start l7 torrent get")
    }

    fn assert_downloaded(&self, out: &str) {
        let got = std::fs::read(self.path(out).join("sample.bin")).unwrap();
        assert!(got == self.data, "{out}/sample.bin differs from the seed");
    }
}

/// Waits for a child with a deadline, killing it if it overruns.
fn wait_output(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what} did not finish within {limit:?}\nstdout: {}\nstderr: {}",
                stdout(&out),
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The JSON lines l7 printed.
fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Runs `l7 torrent get` to completion and returns its final JSON line.
fn l7_get_to_end(setup: &Setup, out: &str, listen: &str, extra: &[&str]) -> serde_json::Value {
    let child = setup.l7_get(out, listen, extra);
    let done = wait_output(child, Duration::from_secs(240), "l7 torrent get");
    assert!(
        done.status.success(),
        "l7 torrent get failed: {}",
        stderr(&done)
    );
    let last = json_lines(&done).pop().expect("JSON lines from l7");
    assert_eq!(last["event"], "complete", "{}", stdout(&done));
    setup.assert_downloaded(out);
    last
}

fn aria2(dir: &Path, torrent: &Path, seed: bool) -> Command {
    let mut c = tool("aria2c");
    c.arg(format!("--dir={}", dir.display()))
        .args([
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--bt-stop-timeout=120",
            "--summary-interval=0",
        ])
        .arg(format!("--listen-port={}", free_port()))
        // aria2 uses UDP trackers only with DHT on (its DHT shares the UDP socket).
        .arg("--enable-dht=true")
        .arg(format!("--dht-listen-port={}", free_port()))
        .arg("--dht-entry-point=127.0.0.1:9")
        .stdin(Stdio::null());
    if seed {
        c.args(["--seed-ratio=0.0", "-V"]);
    } else {
        c.arg("--seed-time=0");
    }
    c.arg(torrent);
    c
}

#[test]
fn aria2_downloads_from_our_seeder_through_our_tracker() {
    let s = Setup::new("swarm-aria2-leech", 3 * PIECE + 12_345, "http");
    let _seeder = s.l7_seeder(&format!("127.0.0.1:{}", free_port()), &[]);
    std::fs::create_dir_all(s.path("leech")).unwrap();
    let leech = aria2(&s.path("leech"), &s.torrent, false)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(leech, Duration::from_secs(180), "aria2c");
    assert!(out.status.success(), "aria2 failed: {}", stdout(&out));
    s.assert_downloaded("leech");
}

#[test]
fn we_download_from_an_aria2_seeder_through_our_udp_tracker() {
    let s = Setup::new("swarm-aria2-seed", 5 * PIECE + 777, "udp");
    let mut seeder = aria2(&s.path("seed"), &s.torrent, true)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let last = l7_get_to_end(&s, "leech", &format!("127.0.0.1:{}", free_port()), &[]);
    let _ = seeder.kill();
    let _ = seeder.wait();
    assert_eq!(last["downloaded"], s.data.len());
}

#[test]
fn we_dial_a_transmission_seeder() {
    let s = Setup::new("swarm-transmission", 4 * PIECE + 99, "http");
    let config = s.path("transmission-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("settings.json"),
        r#"{"dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
            "port-forwarding-enabled": false, "utp-enabled": false, "encryption": 0}"#,
    )
    .unwrap();
    let port = free_port();
    let mut seeder = tool("transmission-cli")
        .arg("-g")
        .arg(&config)
        .arg("-w")
        .arg(s.path("seed"))
        .args(["-p", &port.to_string(), "-M", "-ep"])
        .arg(&s.torrent)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Transmission verifies the data before it seeds; the get retries dials.
    wait_tcp(port);
    let last = l7_get_to_end(
        &s,
        "leech",
        &format!("127.0.0.1:{}", free_port()),
        &["--peer", &format!("127.0.0.1:{port}")],
    );
    let _ = seeder.kill();
    let _ = seeder.wait();
    assert_eq!(last["downloaded"], s.data.len());
}

fn wait_tcp(port: u16) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "nothing on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A hostile peer: handshakes properly, claims every piece, unchokes, and
/// answers every request with garbage. Returns its address.
fn corrupt_peer(ip: [u8; 4], info_hash: [u8; 20], pieces: usize) -> SocketAddr {
    let listener = TcpListener::bind(SocketAddr::from((ip, 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
                let mut hs = [0u8; 68];
                if s.read_exact(&mut hs).is_err() {
                    return;
                }
                let mut reply = vec![19];
                reply.extend_from_slice(b"BitTorrent protocol");
                reply.extend_from_slice(&[0; 8]);
                reply.extend_from_slice(&info_hash);
                reply.extend_from_slice(b"-EV0001-corruptpeer!");
                // Every piece, spare bits clear (BEP 3).
                let mut bits = vec![0u8; pieces.div_ceil(8)];
                (0..pieces).for_each(|i| bits[i / 8] |= 0x80 >> (i % 8));
                reply.extend_from_slice(&((1 + bits.len()) as u32).to_be_bytes());
                reply.push(5);
                reply.extend_from_slice(&bits);
                reply.extend_from_slice(&[0, 0, 0, 1, 1]); // unchoke
                if s.write_all(&reply).is_err() {
                    return;
                }
                let mut r = BufReader::new(s.try_clone().unwrap());
                loop {
                    let mut len = [0u8; 4];
                    if r.read_exact(&mut len).is_err() {
                        return;
                    }
                    let mut msg = vec![0u8; u32::from_be_bytes(len) as usize];
                    if r.read_exact(&mut msg).is_err() {
                        return;
                    }
                    if msg.first() == Some(&6) && msg.len() == 13 {
                        let length = u32::from_be_bytes(msg[9..13].try_into().unwrap());
                        let mut piece = ((9 + length) as u32).to_be_bytes().to_vec();
                        piece.push(7);
                        piece.extend_from_slice(&msg[1..9]);
                        piece.extend(std::iter::repeat_n(0xAB, length as usize));
                        if s.write_all(&piece).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

fn info_hash(torrent: &Path) -> [u8; 20] {
    let out = l7(&["torrent", "show", "--json", torrent.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hex = v["info_hash"].as_str().unwrap();
    let mut h = [0u8; 20];
    for (i, b) in h.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    h
}

#[test]
fn a_peer_sending_corrupt_blocks_is_banned_and_the_download_completes() {
    let s = Setup::new("swarm-corrupt", 12 * PIECE, "http");
    // The honest seeder is slowed down so the hostile peer gets requests;
    // it lives on another loopback address, since bans are per IP.
    let _seeder = s.l7_seeder(
        &format!("127.0.0.1:{}", free_port()),
        &["--upload-limit", "16Mbit"],
    );
    let hostile = corrupt_peer([127, 0, 0, 66], info_hash(&s.torrent), 12);
    let last = l7_get_to_end(
        &s,
        "leech",
        &format!("127.0.0.1:{}", free_port()),
        &["--peer", &hostile.to_string()],
    );
    assert!(last["banned"].as_u64().unwrap() >= 1, "{last}");
}

/// Pieces listed in a resume file (bits set in its bencoded `pieces`).
fn resumed_pieces(path: &Path) -> u32 {
    let bytes = std::fs::read(path).unwrap();
    let key = b"6:pieces";
    let at = bytes
        .windows(key.len())
        .position(|w| w == key)
        .expect("pieces key")
        + key.len();
    let colon = at + bytes[at..].iter().position(|&b| b == b':').unwrap();
    let len: usize = std::str::from_utf8(&bytes[at..colon])
        .unwrap()
        .parse()
        .unwrap();
    bytes[colon + 1..colon + 1 + len]
        .iter()
        .map(|b| b.count_ones())
        .sum()
}

#[test]
fn kill_9_mid_download_then_restart_refetches_no_verified_piece() {
    let s = Setup::new("swarm-kill9", 40 * PIECE, "http");
    let _seeder = s.l7_seeder(
        &format!("127.0.0.1:{}", free_port()),
        &["--upload-limit", "16Mbit"],
    );
    let listen = format!("127.0.0.1:{}", free_port());
    let mut first = s.l7_get("leech", &listen, &[]);
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    // Wait until some pieces are durable, then kill -9.
    loop {
        let line = lines
            .next()
            .expect("l7 get ended before any piece was synced")
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["synced"].as_u64().unwrap_or(0) >= 8 {
            break;
        }
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let resume = std::fs::read_dir(s.path("leech"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "resume"))
        .expect("a resume file");
    let durable = resumed_pieces(&resume);
    assert!((8..40).contains(&durable), "{durable}");
    let last = l7_get_to_end(&s, "leech", &listen, &[]);
    let at_start = last["have_at_start"].as_u64().unwrap();
    assert!(at_start >= u64::from(durable), "{last}");
    // Only the pieces missing at restart came over the wire again.
    assert!(
        last["downloaded"].as_u64().unwrap() <= (40 - at_start) * PIECE as u64,
        "{last}"
    );
}

#[test]
fn three_l7_peers_and_aria2_end_with_identical_data() {
    let s = Setup::new("swarm-four", 24 * PIECE + 5, "http");
    let _seeder = s.l7_seeder(
        &format!("127.0.0.1:{}", free_port()),
        &["--upload-limit", "24Mbit"],
    );
    std::fs::create_dir_all(s.path("aria2")).unwrap();
    let a = aria2(&s.path("aria2"), &s.torrent, false)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let l1 = s.l7_get("l7-one", &format!("127.0.0.1:{}", free_port()), &[]);
    let l2 = s.l7_get("l7-two", &format!("127.0.0.1:{}", free_port()), &[]);
    for (child, what) in [(l1, "l7 one"), (l2, "l7 two")] {
        let out = wait_output(child, Duration::from_secs(240), what);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
    }
    let out = wait_output(a, Duration::from_secs(240), "aria2c");
    assert!(out.status.success(), "aria2: {}", stdout(&out));
    for d in ["l7-one", "l7-two", "aria2"] {
        s.assert_downloaded(d);
    }
}
