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
        .args([
            "up",
            "--state",
            &state_s,
            "--data",
            dir.join("data").to_str().unwrap(),
        ])
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

    // The DNS hierarchy answers the textbook's walk for www.networkutopia.com.
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let dns_port = |host: &str| -> String {
        let h = st["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == host)
            .unwrap();
        let s = h["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["role"] == "dns")
            .unwrap();
        assert!(s["error"].is_null(), "{host}: {s}");
        s["port"].to_string()
    };
    let dig = |server: &str, host: &str| {
        stdout(
            &tool("dig")
                .args([
                    &format!("@{server}"),
                    "-p",
                    &dns_port(host),
                    "+norec",
                    "www.networkutopia.com",
                ])
                .output()
                .unwrap(),
        )
    };
    let root = dig("127.198.41.4", "a.root-servers.net");
    assert!(
        root.contains("com.\t\t\t172800\tIN\tNS\ta.gtld-servers.net."),
        "{root}"
    );
    assert!(
        root.contains("a.gtld-servers.net.\t172800\tIN\tA\t127.192.5.30"),
        "{root}"
    );
    let tld = dig("127.192.5.30", "a.gtld-servers.net");
    assert!(
        tld.contains("networkutopia.com.\t172800\tIN\tNS\tdns1.networkutopia.com."),
        "{tld}"
    );
    assert!(
        tld.contains("dns1.networkutopia.com.\t172800\tIN\tA\t127.212.212.1"),
        "{tld}"
    );
    let auth = dig("127.212.212.1", "dns1.networkutopia.com");
    assert!(auth.contains("flags: qr aa;"), "{auth}");
    assert!(
        auth.contains("www.networkutopia.com.\t86400\tIN\tA\t127.212.212.80"),
        "{auth}"
    );

    // alice's mail to bob lands in bob's Maildir on hamburger.edu.
    let smtp_port = st["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "hamburger.edu")
        .unwrap()["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == "smtp")
        .unwrap()["port"]
        .to_string();
    let o = tool("swaks")
        .args([
            "--server",
            &format!("127.0.20.2:{smtp_port}"),
            "--from",
            "alice@crepes.fr",
            "--to",
            "bob@hamburger.edu",
        ])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("<-  250 2.0.0"), "{}", stdout(&o));
    let bob_new = std::path::Path::new(st["data"].as_str().unwrap())
        .join("hamburger.edu/maildirs/hamburger.edu/bob/new");
    // The 250 means queued and fsynced; delivery into the Maildir follows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let delivered = || std::fs::read_dir(&bob_new).map_or(0, |d| d.count());
    while delivered() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(delivered(), 1);

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
    // dns.nyu.edu is the world's local DNS server: l7's clients use it by default.
    let o = with_state(&["dns", "query", "hamburger.edu", "MX"]);
    let text = stdout(&o);
    assert!(
        text.contains("flags: qr rd ra;") && text.contains("10 hamburger.edu."),
        "{text}{}",
        stderr(&o)
    );
    assert!(text.contains(";; SERVER: 127.122.0.53#"), "{text}");
    let o = with_state(&["dns", "query", "www.networkutopia.com", "--trace"]);
    let walk = stdout(&o);
    for server in ["127.198.41.4", "127.192.5.30", "127.212.212.1"] {
        assert!(walk.contains(&format!(";; asking {server}#")), "{walk}");
    }
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

#[test]
fn a_service_that_cannot_start_is_reported_and_the_rest_run() {
    let dir = std::env::temp_dir().join(format!("l7-world-fail-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Something else already holds the chat port of host a.
    let squatter = std::net::TcpListener::bind("127.0.61.1:0").unwrap();
    let taken = squatter.local_addr().unwrap().port();
    let free = free_port();
    let world = dir.join("w.toml");
    std::fs::write(
        &world,
        format!(
            "name = \"clash\"\n\
             [[host]]\nname = \"a.test\"\naddress = \"127.0.61.1\"\n\
             [[host.service]]\nrole = \"chat\"\nport = {taken}\n\
             [[host]]\nname = \"b.test\"\naddress = \"127.0.61.2\"\n\
             [[host.service]]\nrole = \"echo\"\nport = {free}\ntcp = true\n"
        ),
    )
    .unwrap();
    let state = dir.join("state.json");
    let child = Command::new(l7_bin())
        .args([
            "up",
            "--world",
            world.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let echo = SocketAddr::from(([127, 0, 61, 2], free));
    let mut up = Server::from_child(child, echo, false);
    assert_eq!(tcp_exchange(echo, b"still up\n", b"\n"), b"STILL UP\n");
    assert!(up.terminate().success());
    let mut out = String::new();
    use std::io::Read;
    up.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("1 service(s) failed to start"), "{out}");
    assert!(
        out.contains(&format!(
            "a.test chat {taken}/tcp: cannot bind 127.0.61.1:{taken}: address in use"
        )),
        "{out}"
    );
    drop(squatter);
    let _ = std::fs::remove_dir_all(dir);
}
