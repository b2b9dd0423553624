//! The socket labs: l7's echo, chat and ping servers driven by the course's
//! own Python programs, socat and nc; l7's clients against the course's
//! Python servers; concurrency, bad input and failure reporting.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use l7_interop::*;
use l7_sockets::ping::LossModel;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn echo_server(extra: &[&str]) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["echo", "serve", "--listen", &listen];
    args.extend_from_slice(extra);
    Server::l7(&args, addr(port), false)
}

fn python(script: &str, args: &[String], input: &[u8]) -> String {
    let out = run_with_stdin(tool("python3").arg(peer_script(script)).args(args), input);
    assert!(out.status.success(), "{script} failed: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_labs_tcp_and_udp_clients_get_upper_case_from_l7_echo() {
    let s = echo_server(&[]);
    let hp = [s.addr.ip().to_string(), s.addr.port().to_string()];
    let tcp = python("TCPClient.py", &hp, b"hello from the lab\n");
    assert!(tcp.contains("From Server:  HELLO FROM THE LAB"), "{tcp}");
    let udp = python("UDPClient.py", &hp, b"crepes et caf\xc3\xa9\n");
    assert!(udp.trim_end().ends_with(":CREPES ET CAFÉ"), "{udp}");
}

#[test]
fn socat_and_nc_are_answered_line_by_line() {
    let s = echo_server(&[]);
    let out = run_with_stdin(
        tool("socat").args(["-t", "2", "-", &format!("TCP:{}", s.addr)]),
        b"one\ntwo\n",
    );
    assert_eq!(stdout(&out), "ONE\nTWO\n");
    let out = run_with_stdin(
        tool("socat").args(["-t", "1", "-", &format!("UDP:{}", s.addr)]),
        b"datagram",
    );
    assert_eq!(stdout(&out), "DATAGRAM");
    let out = run_with_stdin(
        tool("nc").args(["-q", "1", "127.0.0.1", &s.addr.port().to_string()]),
        b"netcat\n",
    );
    assert_eq!(stdout(&out), "NETCAT\n");
}

#[test]
fn l7_echo_send_works_against_the_labs_python_servers() {
    let port = free_port();
    let hp = ["127.0.0.1".to_string(), port.to_string()];
    let _tcp = Server::command(
        tool("python3").arg(peer_script("TCPServer.py")).args(&hp),
        addr(port),
        false,
    );
    let o = l7(&[
        "echo",
        "send",
        &format!("127.0.0.1:{port}"),
        "lab server",
        "--timing",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("LAB SERVER\n"), "{text}");
    assert!(
        text.contains("  sent     ") && text.contains("  received ") && text.contains(" ms"),
        "{text}"
    );

    let uport = free_port();
    let _udp = Server::command(
        tool("python3")
            .arg(peer_script("UDPServer.py"))
            .args(["127.0.0.1".to_string(), uport.to_string()]),
        addr(uport),
        true,
    );
    let o = l7(&[
        "echo",
        "send",
        "--udp",
        &format!("127.0.0.1:{uport}"),
        "via udp",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["reply"], "VIA UDP");
    assert!(v["rtt_ms"].as_f64().unwrap() > 0.0);
    assert!(v["received_at"].as_f64().unwrap() >= v["sent_at"].as_f64().unwrap());
}

#[test]
fn l7_ping_reports_against_the_labs_lossy_pinger_server() {
    let port = free_port();
    let _srv = Server::command(
        tool("python3")
            .arg(peer_script("UDPPingerServer.py"))
            .args(["127.0.0.1".to_string(), port.to_string(), "3".to_string()]),
        addr(port),
        true,
    );
    let o = l7(&[
        "ping",
        &format!("127.0.0.1:{port}"),
        "-c",
        "10",
        "--interval",
        "50ms",
        "--timeout",
        "300ms",
    ]);
    let text = stdout(&o);
    let replies = text
        .lines()
        .filter(|l| l.contains(": seq=") && l.ends_with(" ms"))
        .count();
    let timeouts = text
        .lines()
        .filter(|l| l.starts_with("Request timed out"))
        .count();
    assert_eq!(replies + timeouts, 10, "{text}");
    assert!(
        replies > 0 && timeouts > 0,
        "the lab server drops about 4 in 11: {text}"
    );
    let loss = 100.0 * timeouts as f64 / 10.0;
    assert!(
        text.contains(&format!(
            "10 packets transmitted, {replies} received, {loss}% packet loss"
        )),
        "{text}"
    );
    assert!(text.contains("rtt min/avg/max/mdev = "), "{text}");
    assert!(o.status.success());
}

#[test]
fn the_labs_udp_client_is_answered_by_l7_ping_serve_without_loss() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _s = Server::l7(
        &["ping", "serve", "--loss", "0", "--listen", &listen],
        addr(port),
        true,
    );
    let out = python(
        "UDPClient.py",
        &["127.0.0.1".into(), port.to_string()],
        b"ping 1 2\n",
    );
    assert!(out.trim_end().ends_with(":PING 1 2"), "{out}");
}

#[test]
fn ping_serve_drops_exactly_what_its_seed_says() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _s = Server::l7(
        &[
            "ping", "serve", "--loss", "0.3", "--seed", "42", "--listen", &listen,
        ],
        addr(port),
        true,
    );
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(addr(port)).unwrap();
    // One at a time: the k-th datagram received is dropped iff the model
    // says so. An answer is awaited generously (a loaded machine is slow);
    // a drop for 300 ms, and any late answer names its own datagram, so it
    // cannot pass for the next one's.
    let mut model = LossModel::new(0.3, 42);
    let mut buf = [0u8; 64];
    for seq in 0..30 {
        let dropped = model.drop_next();
        let wait = if dropped { 300 } else { 10_000 };
        sock.set_read_timeout(Some(Duration::from_millis(wait)))
            .unwrap();
        sock.send(format!("Ping {seq} 0").as_bytes()).unwrap();
        let answer = sock
            .recv(&mut buf)
            .ok()
            .map(|n| String::from_utf8_lossy(&buf[..n]).to_uppercase());
        assert_eq!(
            answer,
            (!dropped).then(|| format!("PING {seq} 0")),
            "datagram {seq}"
        );
    }
    // Then 1000 more, paced so no socket buffer overflows: exactly the
    // model's count is dropped, about 30%.
    let expected_drops = (0..1000).filter(|_| model.drop_next()).count();
    let receiver = sock.try_clone().unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let counter = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let mut n = 0;
        while receiver.recv(&mut buf).is_ok() {
            n += 1;
        }
        n
    });
    for seq in 0..1000 {
        sock.send(format!("Ping {seq} 0").as_bytes()).unwrap();
        if seq % 20 == 19 {
            std::thread::sleep(Duration::from_millis(4));
        }
    }
    let replies = counter.join().unwrap();
    assert_eq!(1000 - replies, expected_drops);
    assert!((250..=350).contains(&expected_drops), "{expected_drops}");
}

#[test]
fn two_hundred_clients_at_once_are_all_answered() {
    let s = echo_server(&[]);
    let mut conns: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(s.addr).unwrap())
        .collect();
    // The first client connects and says nothing; the others must not wait for it.
    for (i, c) in conns.iter_mut().enumerate().skip(1) {
        c.write_all(format!("client {i}\n").as_bytes()).unwrap();
    }
    for (i, c) in conns.iter_mut().enumerate().skip(1) {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut line = String::new();
        BufReader::new(c).read_line(&mut line).unwrap();
        assert_eq!(line, format!("CLIENT {i}\n"));
    }
    conns[0].write_all(b"last\n").unwrap();
    let mut line = String::new();
    BufReader::new(&conns[0]).read_line(&mut line).unwrap();
    assert_eq!(line, "LAST\n");
}

#[test]
fn garbage_huge_lines_and_silent_clients_do_not_hurt_the_echo_server() {
    let s = echo_server(&["--idle-timeout", "1s"]);
    let silent = TcpStream::connect(s.addr).unwrap();
    // Binary garbage over TCP and UDP.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let mut g = TcpStream::connect(s.addr).unwrap();
    g.write_all(&garbage).unwrap();
    g.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    g.read_to_end(&mut back).unwrap();
    assert_eq!(back, l7_sockets::upper::uppercase(&garbage));
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.send_to(&garbage[..1500], s.addr).unwrap();
    // A 10 MB line without a newline: answered as it streams, memory bounded.
    let mut big = TcpStream::connect(s.addr).unwrap();
    let reader = big.try_clone().unwrap();
    let counter = std::thread::spawn(move || {
        let mut r = reader;
        let mut total = 0usize;
        let mut buf = vec![0u8; 65536];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break total,
                Ok(n) => {
                    assert!(buf[..n].iter().all(|&b| b == b'A'));
                    total += n;
                }
            }
        }
    });
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..10 {
        big.write_all(&chunk).unwrap();
    }
    big.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(counter.join().unwrap(), 10 << 20);
    assert!(
        s.rss_kib() < 64 * 1024,
        "server RSS {} KiB after a 10 MB line",
        s.rss_kib()
    );
    // Others are still served, and the silent client was closed by the idle timeout.
    assert_eq!(
        tcp_exchange(s.addr, b"still here\n", b"\n"),
        b"STILL HERE\n"
    );
    let mut silent = silent;
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(
        silent.read(&mut buf).unwrap(),
        0,
        "idle client should be closed"
    );
}

fn chat_server() -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    Server::l7(&["chat", "serve", "--listen", &listen], addr(port), false)
}

struct ChatClient(BufReader<TcpStream>);

impl ChatClient {
    fn join(addr: SocketAddr, name: &str) -> ChatClient {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut c = ChatClient(BufReader::new(s));
        assert!(c.line().starts_with("* welcome"));
        c.say(name);
        assert!(c.line().starts_with(&format!("* you are {name}")));
        c
    }
    fn say(&mut self, text: &str) {
        self.0
            .get_mut()
            .write_all(format!("{text}\n").as_bytes())
            .unwrap();
    }
    fn line(&mut self) -> String {
        let mut l = String::new();
        self.0.read_line(&mut l).unwrap();
        l.trim_end().to_string()
    }
}

#[test]
fn chat_relays_lines_with_names_and_announces_joins_and_leaves() {
    let s = chat_server();
    let mut alice = ChatClient::join(s.addr, "alice");
    let mut bob = ChatClient::join(s.addr, "bob");
    assert_eq!(alice.line(), "* bob joined");
    bob.say("hi alice");
    assert_eq!(alice.line(), "bob: hi alice");
    // nc as a third, real client.
    let out = run_with_stdin(
        tool("nc").args(["-q", "1", "127.0.0.1", &s.addr.port().to_string()]),
        b"carol\nhello everyone\nquit\n",
    );
    let nc_saw = stdout(&out);
    assert!(
        nc_saw.contains("* you are carol; here: alice, bob"),
        "{nc_saw}"
    );
    assert!(nc_saw.contains("* bye"), "{nc_saw}");
    assert_eq!(alice.line(), "* carol joined");
    assert_eq!(alice.line(), "carol: hello everyone");
    assert_eq!(alice.line(), "* carol left");
    assert_eq!(bob.line(), "* carol joined");
    assert_eq!(bob.line(), "carol: hello everyone");
    assert_eq!(bob.line(), "* carol left");
    bob.say("quit");
    assert_eq!(bob.line(), "* bye");
    assert_eq!(alice.line(), "* bob left");
}

#[test]
fn l7_chat_join_talks_to_the_room() {
    let s = chat_server();
    let mut alice = ChatClient::join(s.addr, "alice");
    let target = s.addr.to_string();
    let o = l7_with_stdin(&["chat", "join", &target, "--name", "dave"], b"bonjour\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("* you are dave; here: alice"),
        "{}",
        stdout(&o)
    );
    assert_eq!(alice.line(), "* dave joined");
    assert_eq!(alice.line(), "dave: bonjour");
    assert_eq!(alice.line(), "* dave left");
}

#[test]
fn chat_refuses_a_10_mb_line_and_stays_bounded() {
    let s = chat_server();
    let mut alice = ChatClient::join(s.addr, "alice");
    let mut mallory = ChatClient::join(s.addr, "mallory");
    assert_eq!(alice.line(), "* mallory joined");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..10 {
        mallory.0.get_mut().write_all(&chunk).unwrap();
    }
    mallory.say("");
    assert!(mallory.line().starts_with("! line too long"));
    mallory.say("short one");
    assert_eq!(alice.line(), "mallory: short one");
    assert!(s.rss_kib() < 64 * 1024, "chat RSS {} KiB", s.rss_kib());
}

#[test]
fn failures_are_explained() {
    // Nothing listens: TCP refused at once.
    let port = free_port();
    let o = l7(&["echo", "send", &format!("127.0.0.1:{port}"), "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!(
            "connection refused (nothing listens on 127.0.0.1:{port})"
        )),
        "{}",
        stderr(&o)
    );
    // Nothing bound to the UDP port: ICMP port unreachable.
    let o = l7(&["echo", "send", "--udp", &format!("127.0.0.1:{port}"), "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("no server at 127.0.0.1:{port} (port unreachable)")),
        "{}",
        stderr(&o)
    );
    // Something bound that never answers: a timeout.
    let mute = UdpSocket::bind("127.0.0.1:0").unwrap();
    let at = mute.local_addr().unwrap().to_string();
    let o = l7(&["echo", "send", "--udp", &at, "x", "--timeout", "300ms"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("no reply from {at} within 300ms")),
        "{}",
        stderr(&o)
    );
    // Bad usage exits 2.
    assert_eq!(l7(&["echo", "send"]).status.code(), Some(2));
    assert_eq!(
        l7(&["echo", "serve", "--listen", "nowhere"]).status.code(),
        Some(1)
    );
}

#[test]
fn rtt_measures_udp_tcp_and_the_handshake() {
    let s = echo_server(&[]);
    let o = l7(&["--json", "rtt", &s.addr.to_string(), "-n", "20"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    for key in ["udp", "tcp_connect", "tcp"] {
        assert_eq!(v[key]["ok"], 20, "{v}");
        let (min, med, p99) = (
            v[key]["min_ms"].as_f64().unwrap(),
            v[key]["median_ms"].as_f64().unwrap(),
            v[key]["p99_ms"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= med && med <= p99, "{v}");
    }
    let text = stdout(&l7(&["rtt", &s.addr.to_string(), "-n", "5"]));
    assert!(
        text.contains("TCP connect (handshake)") && text.contains("UDP request/reply"),
        "{text}"
    );
}

#[test]
fn servers_stop_cleanly_on_sigterm() {
    let mut s = echo_server(&[]);
    let _open = TcpStream::connect(s.addr).unwrap();
    let status = s.terminate();
    assert!(status.success(), "{status}");
}
