//! `l7 tracker serve` with real BitTorrent clients: an aria2 seeder and an
//! aria2 leecher that find each other only through our tracker, over HTTP
//! (BEP 3/23) and over UDP (BEP 15); scrape counts the seeder.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use l7_interop::*;

fn aria2(
    dir: &std::path::Path,
    torrent: &std::path::Path,
    port: u16,
    dht_port: u16,
    seed: bool,
) -> Command {
    let mut c = tool("aria2c");
    c.arg(format!("--dir={}", dir.display()))
        .args([
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--bt-stop-timeout=60",
        ])
        .arg(format!("--listen-port={port}"))
        // aria2 uses UDP trackers only with DHT on (its DHT shares the UDP socket).
        .arg("--enable-dht=true")
        .arg(format!("--dht-listen-port={dht_port}"))
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

fn swarm_through(scheme: &str) {
    let dir = Scratch::new(&format!("tracker-{scheme}"));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _tracker = Server::l7(
        &["tracker", "serve", "--listen", &listen],
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    std::fs::create_dir_all(dir.join("seed")).unwrap();
    std::fs::create_dir_all(dir.join("leech")).unwrap();
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(dir.join("seed/file.bin"), &data).unwrap();
    let announce = match scheme {
        "udp" => format!("udp://{listen}/announce"),
        _ => format!("http://{listen}/announce"),
    };
    let torrent = dir.join("t.torrent");
    let made = tool("mktorrent")
        .args(["-a", &announce, "-l", "18", "-o"])
        .arg(&torrent)
        .arg(dir.join("seed/file.bin"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let mut seeder = aria2(&dir.join("seed"), &torrent, free_port(), free_port(), true)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let leech = aria2(
        &dir.join("leech"),
        &torrent,
        free_port(),
        free_port(),
        false,
    )
    .arg("--stop=90")
    .output()
    .unwrap();
    let _ = seeder.kill();
    let _ = seeder.wait();
    assert!(
        leech.status.success(),
        "aria2 leecher failed: {}",
        stdout(&leech)
    );
    assert_eq!(std::fs::read(dir.join("leech/file.bin")).unwrap(), data);
}

#[test]
fn aria2_peers_meet_through_the_http_tracker() {
    swarm_through("http");
}

#[test]
fn aria2_peers_meet_through_the_udp_tracker() {
    swarm_through("udp");
}

#[test]
fn scrape_counts_seeders_and_announces_trust_the_source_address() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _tracker = Server::l7(
        &["tracker", "serve", "--listen", &listen],
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    let hash = "%AA".repeat(20);
    let announce = |peer_id: &str, port: u16, left: u64, extra: &str| {
        let url = format!(
            "http://{listen}/announce?info_hash={hash}&peer_id={peer_id}&port={port}&uploaded=0&downloaded=0&left={left}&compact=1{extra}"
        );
        tool("curl").args(["-s", &url]).output().unwrap().stdout
    };
    let first = announce("-XX0001-000000000001", 6881, 0, "&ip=203.0.113.9");
    assert!(
        first.starts_with(b"d") && first.windows(8).any(|w| w == b"complete"),
        "{}",
        String::from_utf8_lossy(&first)
    );
    let second = announce("-XX0001-000000000002", 6882, 100, "");
    // The seeder appears as 127.0.0.1:6881 (its source address), not the claimed ip=.
    assert!(
        second.windows(6).any(|w| w == [127, 0, 0, 1, 0x1a, 0xe1]),
        "{:?}",
        second
    );
    assert!(!second.windows(4).any(|w| w == [203, 0, 113, 9]));
    let scrape = tool("curl")
        .args(["-s", &format!("http://{listen}/scrape?info_hash={hash}")])
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8_lossy(&scrape);
    assert!(
        text.contains("8:completei1e") && text.contains("10:incompletei1e"),
        "{text}"
    );
    assert_eq!(http_code(&format!("http://{listen}/"), &[]), "404");
}
