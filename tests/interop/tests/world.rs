//! `l7 up` with the default world: it starts, the socket-lab roles answer at
//! their world addresses (by IP with real tools, by name with l7's clients
//! through the state file), and SIGTERM stops it with exit 0.

use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use l7_interop::*;

#[test]
fn up_starts_the_world_serves_the_labs_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("l7-world-test-{}", std::process::id()));
    let state = dir.join("world.json");
    let state_s = state.to_str().unwrap().to_string();
    let child = Command::new(l7_bin())
        .args(["up", "--state", &state_s])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let echo: SocketAddr = "127.0.50.1:12000".parse().unwrap();
    let mut up = Server::from_child(child, echo, false);

    let deadline = Instant::now() + Duration::from_secs(10);
    while !state.exists() {
        assert!(Instant::now() < deadline, "no state file at {state_s}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Real tools by address.
    assert_eq!(
        tcp_exchange(echo, b"hello world\n", b"\n"),
        b"HELLO WORLD\n"
    );
    let banner = tcp_exchange("127.0.50.1:12345".parse().unwrap(), b"", b"\n");
    assert_eq!(banner, b"Thank you for connecting\n");
    let chat = tcp_exchange("127.0.50.1:1235".parse().unwrap(), b"", b"\n");
    assert!(chat.starts_with(b"* welcome"));
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    u.send_to(b"udp echo", echo).unwrap();
    let mut buf = [0u8; 64];
    let n = u.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"UDP ECHO");

    // l7's clients find hosts by name through the state file.
    let with_state = |args: &[&str]| {
        Command::new(l7_bin())
            .args(args)
            .env("L7_STATE", &state_s)
            .output()
            .unwrap()
    };
    let o = with_state(&["echo", "send", "sockets.lab:12000", "by name"]);
    assert_eq!(stdout(&o), "BY NAME\n", "{}", stderr(&o));
    let o = with_state(&[
        "ping",
        "pinger.lab:12000",
        "-c",
        "12",
        "--interval",
        "20ms",
        "--timeout",
        "200ms",
    ]);
    assert!(
        stdout(&o).contains("12 packets transmitted"),
        "{}",
        stdout(&o)
    );
    assert!(
        o.status.success(),
        "no reply in 12 pings at 30% loss: {}",
        stdout(&o)
    );
    let o = with_state(&["--json", "world", "status"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["running"], true);
    assert_eq!(v["world"], "textbook");

    let status = up.terminate();
    assert!(status.success(), "l7 up exited with {status}");
    assert!(!state.exists(), "state file left behind");
    let mut out = String::new();
    use std::io::Read;
    up.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("sockets.lab") && out.contains("Try:"), "{out}");
    let o = with_state(&["world", "status"]);
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}
