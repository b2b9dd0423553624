//! The world's BitTorrent corner: `l7 up` seeds a 64 MiB sample from
//! seed.bittorrent.test through tracker.bittorrent.test, and the
//! `l7 torrent get` line its tour prints downloads it intact.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use l7_interop::*;

#[test]
fn the_tours_torrent_get_line_downloads_the_seeded_sample() {
    let dir = Scratch::new("world-torrent");
    let state = dir.join("world.json");
    let data = dir.join("data");
    let mut child = Command::new(l7_bin())
        .args(["up", "--state", state.to_str().unwrap(), "--data"])
        .arg(&data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Keep reading l7 up's output to its end: a closed pipe would make its
    // next line fail (EPIPE) and stop the world under the download.
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            if l.contains("l7 torrent get") {
                let _ = tx.send(l);
            }
        }
    });
    let seed: SocketAddr = "127.0.30.2:6881".parse().unwrap();
    let _up = Server::from_child(child, seed, false);
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the tour names an `l7 torrent get` command");
    let command = line.trim().split("   #").next().unwrap().trim().to_string();
    let mut words = command.split_whitespace();
    assert_eq!(words.next(), Some("l7"));
    let got = Command::new(l7_bin())
        .args(words)
        .args(["--json"])
        .env("L7_STATE", &state)
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(got.status.success(), "{command}: {}", stderr(&got));
    let last: serde_json::Value =
        serde_json::from_str(stdout(&got).lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "complete");
    let fetched = std::fs::read(dir.join("downloads/sample.bin")).unwrap();
    assert_eq!(fetched.len(), 64 << 20);
    let seeded = std::fs::read(data.join("seed.bittorrent.test/sample.bin")).unwrap();
    assert!(
        fetched == seeded,
        "the download differs from the seed's file"
    );
}
