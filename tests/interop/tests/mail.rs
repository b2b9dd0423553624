//! `l7 mail serve` driven by real SMTP clients (swaks, Python's smtplib)
//! and by the textbook's own session: delivery into Maildirs with a
//! Received field, no open relay, size limits while streaming, SMTP
//! smuggling payloads, and messages acknowledged with 250 surviving kill -9.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use l7_interop::*;

struct Mx {
    dir: Scratch,
    server: Server,
    args: Vec<String>,
}

fn hamburger(extra: &[&str]) -> Mx {
    let dir = Scratch::new(&format!("mail-{}", free_port()));
    hamburger_in(dir, free_port(), extra)
}

fn hamburger_in(dir: Scratch, port: u16, extra: &[&str]) -> Mx {
    let listen = format!("127.0.0.1:{port}");
    let root = dir.join("maildirs").display().to_string();
    let mut args = vec![
        "mail",
        "serve",
        "--hostname",
        "hamburger.edu",
        "--domain",
        "hamburger.edu",
        "--user",
        "bob@hamburger.edu",
        "--maildirs",
        &root,
        "--listen",
        &listen,
    ];
    args.extend_from_slice(extra);
    let server = Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false);
    let args = args.iter().map(|a| a.to_string()).collect();
    Mx { dir, server, args }
}

impl Mx {
    /// Bob's messages once `n` have arrived (delivery follows the 250 from
    /// the queue), then a moment more to see that no extra copy follows.
    fn bob_eventually(&self, n: usize) -> Vec<PathBuf> {
        wait_for_messages(&self.dir.join("maildirs/hamburger.edu/bob"), n)
    }
    /// The same server again after it was killed.
    fn restart(&mut self) {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.server = Server::l7(&args, self.server.addr, false);
    }
    fn swaks(&self, args: &[&str]) -> String {
        let o = tool("swaks")
            .args(["--server", &self.server.addr.to_string(), "--timeout", "10"])
            .args(args)
            .output()
            .unwrap();
        stdout(&o) + &stderr(&o)
    }
}

/// Waits (up to a minute) until `maildir` holds `n` messages, then a
/// little longer, and returns what is there.
fn wait_for_messages(maildir: &Path, n: usize) -> Vec<PathBuf> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while messages(maildir).len() < n && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    messages(maildir)
}

fn messages(maildir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn the_textbook_session_byte_for_byte() {
    let mx = hamburger(&[]);
    let s = TcpStream::connect(mx.server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut w = s;
    let mut expect = |line: &str| {
        let mut got = String::new();
        r.read_line(&mut got).unwrap();
        assert_eq!(got, format!("{line}\r\n"));
    };
    expect("220 hamburger.edu");
    for (c, s) in [
        (
            "HELO crepes.fr",
            Some("250 Hello crepes.fr, pleased to meet you"),
        ),
        (
            "MAIL FROM: <alice@crepes.fr>",
            Some("250 alice@crepes.fr ... Sender ok"),
        ),
        (
            "RCPT TO: <bob@hamburger.edu>",
            Some("250 bob@hamburger.edu ... Recipient ok"),
        ),
        (
            "DATA",
            Some("354 Enter mail, end with \".\" on a line by itself"),
        ),
        ("Do you like ketchup?", None),
        ("How about pickles?", None),
        (".", Some("250 Message accepted for delivery")),
        ("QUIT", Some("221 hamburger.edu closing connection")),
    ] {
        w.write_all(format!("{c}\r\n").as_bytes()).unwrap();
        if let Some(s) = s {
            expect(s);
        }
    }
    let got = mx.bob_eventually(1);
    assert_eq!(got.len(), 1);
    let text = std::fs::read_to_string(&got[0]).unwrap();
    assert!(
        text.starts_with("Received: from crepes.fr ([127.0.0.1])"),
        "{text}"
    );
    assert!(
        text.ends_with("Do you like ketchup?\r\nHow about pickles?\r\n"),
        "{text}"
    );
}

#[test]
fn swaks_and_smtplib_deliver_and_relaying_is_refused() {
    let mx = hamburger(&["--max-size", "100KiB"]);
    let ok = mx.swaks(&[
        "--from",
        "alice@crepes.fr",
        "--to",
        "bob@hamburger.edu",
        "--pipeline",
        "--header",
        "Subject: pipelined",
    ]);
    assert!(ok.contains("<-  250 2.0.0 Message accepted"), "{ok}");
    assert!(ok.contains("PIPELINING"), "{ok}");
    // Plus-addressing and case reach bob too.
    let plus = mx.swaks(&[
        "--from",
        "alice@crepes.fr",
        "--to",
        "Bob+recipes@HAMBURGER.edu",
    ]);
    assert!(plus.contains("<-  250 2.0.0"), "{plus}");
    let relay = mx.swaks(&["--from", "alice@crepes.fr", "--to", "eve@elsewhere.example"]);
    assert!(relay.contains("<** 550 5.7.1"), "no open relay: {relay}");
    let unknown = mx.swaks(&["--from", "alice@crepes.fr", "--to", "nobody@hamburger.edu"]);
    assert!(unknown.contains("<** 550 5.1.1"), "{unknown}");
    let big = mx.dir.join("big.txt");
    std::fs::write(&big, format!("{}\n", "x".repeat(99)).repeat(2048)).unwrap();
    let b = big.display().to_string();
    let too_big = mx.swaks(&[
        "--from",
        "alice@crepes.fr",
        "--to",
        "bob@hamburger.edu",
        "--body",
        &b,
    ]);
    assert!(too_big.contains("552"), "{too_big}");
    let script = format!(
        "import smtplib\ns = smtplib.SMTP('127.0.0.1', {})\n\
         print(s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], 'Subject: py\\r\\n\\r\\n.leading dot\\r\\nend\\r\\n'))\n\
         s.quit()\n",
        mx.server.addr.port()
    );
    let out = tool("python3").args(["-c", &script]).output().unwrap();
    assert_eq!(stdout(&out), "{}\n", "{}", stderr(&out));
    let msgs = mx.bob_eventually(3);
    assert_eq!(msgs.len(), 3, "pipelined, plus-addressed, python");
    let py = std::fs::read_to_string(&msgs[2]).unwrap();
    assert!(
        py.contains("\r\n.leading dot\r\nend\r\n"),
        "dot-unstuffed: {py}"
    );
}

#[test]
fn smuggling_payloads_never_end_data_early() {
    let mx = hamburger(&[]);
    for payload in [
        "A\n.\nMAIL FROM:<x@y>",
        "A\r.\rMAIL FROM:<x@y>",
        "A\r\n.\nMAIL FROM:<x@y>",
        "A\n.\r\nMAIL FROM:<x@y>",
    ] {
        let s = TcpStream::connect(mx.server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        let script = format!(
            "EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n{payload}\r\nsmuggled\r\n.\r\nQUIT\r\n"
        );
        w.write_all(script.as_bytes()).unwrap();
        let mut replies = String::new();
        let mut line = String::new();
        while r.read_line(&mut line).unwrap() > 0 {
            replies.push_str(&line);
            line.clear();
        }
        assert_eq!(
            replies.matches("\r\n250 2.0.0").count() + replies.matches("\r\n250 Message").count(),
            1,
            "{payload:?}: {replies}"
        );
    }
    // Four sessions, four messages: nothing was split into two.
    assert_eq!(mx.bob_eventually(4).len(), 4);
}

#[test]
fn acknowledged_messages_survive_kill_9() {
    let mut mx = hamburger(&[]);
    let mut acknowledged = 0;
    for i in 0..20 {
        let o = mx.swaks(&[
            "--from",
            "alice@crepes.fr",
            "--to",
            "bob@hamburger.edu",
            "--header",
            &format!("Subject: n{i}"),
        ]);
        if o.contains("<-  250 2.0.0") {
            acknowledged += 1;
        }
    }
    let _ = mx.server.child.kill(); // SIGKILL
    let _ = mx.server.child.wait();
    assert_eq!(acknowledged, 20);
    // Each acknowledged message is delivered or still queued; after a
    // restart the queue delivers the rest, none twice.
    mx.restart();
    let msgs = mx.bob_eventually(20);
    assert_eq!(msgs.len(), 20, "every 250 is delivered exactly once");
    // Nothing half-written is left where a reader would see it.
    assert!(
        std::fs::read_dir(mx.dir.join("maildirs/hamburger.edu/bob/tmp"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[test]
fn catch_all_keeps_everything_in_one_maildir() {
    let dir = Scratch::new("catch-all");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let caught = dir.join("caught");
    let c = caught.display().to_string();
    let _s = Server::l7(
        &[
            "mail",
            "serve",
            "--catch-all",
            "--maildir",
            &c,
            "--listen",
            &listen,
        ],
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    for to in ["anyone@example.com", "x@y.test", "bob@hamburger.edu"] {
        let o = tool("swaks")
            .args(["--server", &listen, "--from", "dev@app.test", "--to", to])
            .output()
            .unwrap();
        assert!(stdout(&o).contains("<-  250"), "{}", stdout(&o));
    }
    assert_eq!(wait_for_messages(&caught, 3).len(), 3);
}
