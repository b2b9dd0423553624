//! `l7 torrent get` and `l7 torrent seed` trading with real BitTorrent
//! clients on loopback (DHT, LSD and peer exchange off): aria2 downloads from
//! our seeder through our tracker; aria2 seeds and we download (UDP
//! tracker); transmission-daemon, given the torrent and its data over RPC,
//! seeds and our peer dials it (Transmission never dials 127.x itself); a hostile peer that sends corrupt blocks is banned
//! while the download completes; kill -9 and restart re-downloads no
//! verified piece; and a swarm of three l7 peers and aria2 ends identical.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use l7_interop::*;

mod torrent_common;
use torrent_common::*;

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
    let last = s.l7_get_to_end("leech", &[]);
    let _ = seeder.kill();
    let _ = seeder.wait();
    assert_eq!(last["downloaded"], s.data.len());
}

/// transmission-daemon in the foreground with a config dir of its own,
/// peers on 127.0.0.1:`peer_port` (DHT, LSD, PEX, uTP and port mapping
/// off, plaintext allowed), its RPC on 127.0.0.1:`rpc_port` without
/// authentication, saving into `download`.
fn transmission_daemon(s: &Setup, peer_port: u16, rpc_port: u16, download: &Path) -> Server {
    let config = s.path("transmission-config");
    std::fs::create_dir_all(&config).unwrap();
    let settings = serde_json::json!({
        "bind-address-ipv4": "127.0.0.1",
        "peer-port": peer_port,
        "peer-port-random-on-start": false,
        "rpc-enabled": true,
        "rpc-bind-address": "127.0.0.1",
        "rpc-port": rpc_port,
        "rpc-authentication-required": false,
        "dht-enabled": false,
        "lpd-enabled": false,
        "pex-enabled": false,
        "utp-enabled": false,
        "port-forwarding-enabled": false,
        "encryption": 0,
        "download-dir": download,
        "incomplete-dir-enabled": false,
        "watch-dir-enabled": false,
        "start-added-torrents": true,
        "ratio-limit-enabled": false,
    });
    std::fs::write(config.join("settings.json"), settings.to_string()).unwrap();
    let mut daemon = tool("transmission-daemon");
    daemon
        .arg("-f")
        .arg("-g")
        .arg(&config)
        .arg("--log-error")
        .arg("-e")
        .arg(s.path("transmission.log"));
    Server::command(
        &mut daemon,
        SocketAddr::from(([127, 0, 0, 1], rpc_port)),
        false,
    )
}

/// `transmission-remote 127.0.0.1:RPC ARGS`, which must succeed; its stdout.
fn transmission_remote(rpc_port: u16, args: &[&str]) -> String {
    let out = tool("transmission-remote")
        .arg(format!("127.0.0.1:{rpc_port}"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "transmission-remote {args:?}: {}",
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn we_dial_a_transmission_daemon_seeder_found_through_our_tracker() {
    let s = Setup::new("swarm-transmission", 4 * PIECE + 99, "http");
    let (peer_port, rpc_port) = (free_port(), free_port());
    let _daemon = transmission_daemon(&s, peer_port, rpc_port, &s.path("seed"));
    // Added over RPC with the data already in place, then verified.
    let torrent = s.torrent.to_str().unwrap();
    let seed = s.path("seed");
    transmission_remote(rpc_port, &["-a", torrent, "-w", seed.to_str().unwrap()]);
    transmission_remote(rpc_port, &["-t", "1", "-v"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let info = transmission_remote(rpc_port, &["-t", "1", "-i"]);
        // A complete torrent with no peer yet is "Idle", with one "Seeding".
        let verified = ["State: Idle", "State: Seeding"]
            .iter()
            .any(|state| info.contains(state));
        if verified && info.contains("Percent Done: 100%") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "transmission did not verify the data:\n{info}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Transmission announces itself to our tracker (once verified); it
    // never dials 127.x, so the transfer happens only because we dial it.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let trackers = transmission_remote(rpc_port, &["-t", "1", "-it"]);
        if trackers.contains("Got a list of") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "transmission did not announce:\n{trackers}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let last = s.l7_get_to_end("leech", &[]);
    assert_eq!(last["downloaded"], s.data.len());
    let info = transmission_remote(rpc_port, &["-t", "1", "-i"]);
    assert!(!info.contains("Uploaded: None"), "{info}");
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

#[test]
fn a_peer_sending_corrupt_blocks_is_banned_and_the_download_completes() {
    let s = Setup::new("swarm-corrupt", 12 * PIECE, "http");
    // The honest seeder is slowed down so the hostile peer gets requests;
    // it lives on another loopback address, since bans are per IP.
    let _seeder = s.l7_seeder(
        &format!("127.0.0.1:{}", free_port()),
        &["--upload-limit", "16Mbit"],
    );
    let hostile = corrupt_peer([127, 0, 0, 66], s.info_hash(), 12);
    let last = s.l7_get_to_end("leech", &["--peer", &hostile.to_string()]);
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
    let last = s.l7_get_to_end_on("leech", &listen, &[]);
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
