//! The mail server as a submission server and a relay, against peers we
//! did not write: Python's smtplib submitting on 587 (STARTTLS + AUTH
//! LOGIN) and 465 (implicit TLS); our relay delivering to Postfix's
//! smtp-sink, to aiosmtpd and to a second l7; 5xx answered with exactly
//! one bounce and 4xx kept queued for a retry; plaintext injected after
//! STARTTLS, over-long lines and RCPT floods; and kill -9 while
//! smtp-source sends 2000 messages.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use l7_interop::*;

/// `l7 mail serve` for crepes.fr with alice (password "ketchup") and
/// submission listeners, relaying through `smarthost` if given.
struct Crepes {
    dir: Scratch,
    server: Server,
    submission: SocketAddr,
    submissions: SocketAddr,
    args: Vec<String>,
}

fn crepes(smarthost: Option<SocketAddr>, extra: &[&str]) -> Crepes {
    let dir = Scratch::new(&format!("crepes-{}", free_port()));
    let users = dir.join("users");
    let added = l7_with_stdin(
        &[
            "mail",
            "user",
            "add",
            "alice@crepes.fr",
            "--users-file",
            users.to_str().unwrap(),
        ],
        b"ketchup\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let (mx, sub, subs) = (free_port(), free_port(), free_port());
    let mut args: Vec<String> = [
        "mail",
        "serve",
        "--hostname",
        "mail.crepes.fr",
        "--domain",
        "crepes.fr",
        "--users-file",
        users.to_str().unwrap(),
        "--maildirs",
        dir.join("maildirs").to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{mx}"),
        "--submission",
        &format!("127.0.0.1:{sub}"),
        "--submissions",
        &format!("127.0.0.1:{subs}"),
        "--retry",
        "1s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match smarthost {
        Some(s) => args.extend(["--smarthost".to_string(), s.to_string()]),
        None => args.extend(["--resolver".to_string(), "127.0.0.1:9".to_string()]),
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::l7(&a, SocketAddr::from(([127, 0, 0, 1], mx)), false);
    Crepes {
        dir,
        server,
        submission: SocketAddr::from(([127, 0, 0, 1], sub)),
        submissions: SocketAddr::from(([127, 0, 0, 1], subs)),
        args,
    }
}

impl Crepes {
    fn alice(&self) -> PathBuf {
        self.dir.join("maildirs/crepes.fr/alice")
    }
    fn queue(&self) -> String {
        let q = self.dir.join("maildirs/.queue");
        stdout(&l7(&["mail", "queue", "--queue", q.to_str().unwrap()]))
    }
}

/// Python's smtplib submits bob a message on 587 (STARTTLS) or 465 (TLS).
fn smtplib_submit(at: SocketAddr, implicit: bool, password: &str) -> std::process::Output {
    let connect = if implicit {
        format!(
            "s = smtplib.SMTP_SSL('127.0.0.1', {}, context=ctx)",
            at.port()
        )
    } else {
        format!(
            "s = smtplib.SMTP('127.0.0.1', {})\ns.starttls(context=ctx)",
            at.port()
        )
    };
    let script = format!(
        "import smtplib, ssl\nctx = ssl._create_unverified_context()\n{connect}\n\
         s.login('alice@crepes.fr', '{password}')\n\
         print(s.sendmail('alice@crepes.fr', ['bob@hamburger.edu'], 'Subject: py\\r\\n\\r\\nhello bob\\r\\n'))\n\
         s.quit()\n"
    );
    tool("python3").args(["-c", &script]).output().unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Waits up to a minute for `n` files in `dir`, then a moment more.
fn wait_files(dir: &Path, n: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while files(dir).len() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    files(dir)
}

/// Postfix's smtp-sink on a free port, dumping messages into `dir`.
fn smtp_sink(dir: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let at = SocketAddr::from(([127, 0, 0, 1], port));
    let mut cmd = tool("smtp-sink");
    cmd.args(["-u", "nobody", "-d"])
        .arg(format!("{}/%M.", dir.display()))
        .args(extra)
        .arg(at.to_string())
        .arg("64");
    std::fs::create_dir_all(dir).unwrap();
    let _ = Command::new("chmod").arg("777").arg(dir).status();
    Server::command(&mut cmd, at, false)
}

#[test]
fn smtplib_submits_on_587_and_465_and_the_relay_reaches_smtp_sink() {
    let sink_dir = Scratch::new("sink");
    let sink = smtp_sink(&sink_dir.0, &[]);
    let c = crepes(Some(sink.addr), &[]);
    let ok = smtplib_submit(c.submission, false, "ketchup");
    assert_eq!(stdout(&ok), "{}\n", "{}", stderr(&ok));
    let ok = smtplib_submit(c.submissions, true, "ketchup");
    assert_eq!(stdout(&ok), "{}\n", "{}", stderr(&ok));
    let bad = smtplib_submit(c.submission, false, "mustard");
    assert!(stderr(&bad).contains("535"), "{}", stderr(&bad));
    // Without TLS there is no AUTH, so no relaying.
    let script = format!(
        "import smtplib\ns = smtplib.SMTP('127.0.0.1', {})\ns.ehlo()\nprint(s.has_extn('auth'))\n",
        c.submission.port()
    );
    let plain = tool("python3").args(["-c", &script]).output().unwrap();
    assert_eq!(stdout(&plain), "False\n");
    let got = wait_files(&sink_dir.0, 2);
    assert_eq!(got.len(), 2, "both submissions relayed to smtp-sink");
    let text = std::fs::read_to_string(&got[0]).unwrap();
    assert!(
        text.contains("Message-ID: <") && text.contains("Date: "),
        "added at submission: {text}"
    );
    assert!(text.contains("by mail.crepes.fr with ESMTPSA"), "{text}");
}

#[test]
fn relays_to_aiosmtpd_and_to_a_second_l7() {
    let dir = Scratch::new("aiosmtpd");
    let port = free_port();
    let at = SocketAddr::from(([127, 0, 0, 1], port));
    let mut cmd = python_peer();
    cmd.args([
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        &at.to_string(),
        "-c",
        "aiosmtpd.handlers.Mailbox",
    ])
    .arg(dir.join("box"));
    let _aio = Server::command(&mut cmd, at, false);
    let c = crepes(Some(at), &[]);
    let ok = smtplib_submit(c.submission, false, "ketchup");
    assert_eq!(stdout(&ok), "{}\n", "{}", stderr(&ok));
    let got = wait_files(&dir.join("box/new"), 1);
    assert_eq!(got.len(), 1, "aiosmtpd's Maildir holds the relayed message");
    assert!(
        std::fs::read_to_string(&got[0])
            .unwrap()
            .contains("hello bob")
    );

    // A second l7 as hamburger.edu's MX.
    let hb = Scratch::new("hamburger-l7");
    let hport = free_port();
    let hat = SocketAddr::from(([127, 0, 0, 1], hport));
    let _h = Server::l7(
        &[
            "mail",
            "serve",
            "--hostname",
            "hamburger.edu",
            "--domain",
            "hamburger.edu",
            "--user",
            "bob@hamburger.edu",
            "--maildirs",
            hb.join("m").to_str().unwrap(),
            "--listen",
            &hat.to_string(),
            "--resolver",
            "127.0.0.1:9",
        ],
        hat,
        false,
    );
    let c2 = crepes(Some(hat), &[]);
    let ok = smtplib_submit(c2.submissions, true, "ketchup");
    assert_eq!(stdout(&ok), "{}\n", "{}", stderr(&ok));
    let got = wait_files(&hb.join("m/hamburger.edu/bob/new"), 1);
    assert_eq!(got.len(), 1);
    let text = std::fs::read_to_string(&got[0]).unwrap();
    assert!(text.starts_with("Received: from mail.crepes.fr"), "{text}");
    assert!(
        text.contains("with ESMTPS"),
        "opportunistic STARTTLS between the two: {text}"
    );
}

#[test]
fn permanent_failure_bounces_once_and_transient_stays_queued() {
    let hard_dir = Scratch::new("sink-hard");
    let hard = smtp_sink(&hard_dir.0, &["-f", "RCPT"]);
    let c = crepes(Some(hard.addr), &[]);
    let ok = smtplib_submit(c.submission, false, "ketchup");
    assert_eq!(stdout(&ok), "{}\n", "{}", stderr(&ok));
    let bounces = wait_files(&c.alice().join("new"), 1);
    // More retry rounds pass (retry 1s, scan 5s): still exactly one bounce.
    std::thread::sleep(Duration::from_secs(6));
    let bounces_later = files(&c.alice().join("new"));
    assert_eq!(bounces.len(), 1, "one DSN to alice");
    assert_eq!(bounces_later.len(), 1, "and never a second one");
    let dsn = std::fs::read_to_string(&bounces[0]).unwrap();
    assert!(
        dsn.contains("multipart/report; report-type=delivery-status"),
        "{dsn}"
    );
    assert!(
        dsn.contains("Final-Recipient: rfc822; bob@hamburger.edu"),
        "{dsn}"
    );
    assert!(dsn.contains("Action: failed"), "{dsn}");
    assert!(c.queue().contains("0 message(s) queued"), "{}", c.queue());

    let soft_dir = Scratch::new("sink-soft");
    let soft = smtp_sink(&soft_dir.0, &["-r", "RCPT"]);
    let c2 = crepes(Some(soft.addr), &[]);
    let ok = smtplib_submit(c2.submission, false, "ketchup");
    assert_eq!(stdout(&ok), "{}\n", "{}", stderr(&ok));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut listing = c2.queue();
    while !listing.contains("last error: 4") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        listing = c2.queue();
    }
    assert!(
        listing.contains("1 message(s) queued") && listing.contains("last error: 4"),
        "{listing}"
    );
    assert!(
        files(&c2.alice().join("new")).is_empty(),
        "no bounce for a 4xx"
    );
}

fn session(at: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(at).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

/// Reads one (possibly multi-line) reply.
fn reply(r: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "connection closed after {all:?}"
        );
        all.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return all;
        }
    }
}

#[test]
fn long_lines_and_rcpt_floods_are_bounded() {
    let c = crepes(None, &[]);
    let (mut w, mut r) = session(c.server.addr);
    reply(&mut r);
    w.write_all(format!("EHLO {}\r\n", "x".repeat(5000)).as_bytes())
        .unwrap();
    assert!(
        reply(&mut r).starts_with("500"),
        "over-long command line refused"
    );
    w.write_all(b"EHLO crepes.fr\r\nMAIL FROM:<bob@hamburger.edu>\r\n")
        .unwrap();
    assert!(reply(&mut r).starts_with("250"));
    assert!(reply(&mut r).starts_with("250"));
    let mut flood = String::new();
    for i in 0..150 {
        flood.push_str(&format!("RCPT TO:<alice+{i}@crepes.fr>\r\n"));
    }
    w.write_all(flood.as_bytes()).unwrap();
    let replies: Vec<String> = (0..150).map(|_| reply(&mut r)).collect();
    assert!(replies[..100].iter().all(|x| x.starts_with("250")));
    assert!(
        replies[100..].iter().all(|x| x.starts_with("452")),
        "{:?}",
        &replies[100]
    );
}

#[test]
fn plaintext_injected_after_starttls_is_discarded() {
    let c = crepes(None, &[]);
    // RFC 3207 §4 / CVE-2011-0411: the NOOP sent with STARTTLS in one
    // packet must not be answered inside the TLS session.
    let script = format!(
        "import socket, ssl\n\
         s = socket.create_connection(('127.0.0.1', {}))\n\
         f = s.makefile('rb')\n\
         f.readline()\n\
         s.sendall(b'EHLO x\\r\\n')\n\
         while True:\n    l = f.readline()\n    if l[3:4] == b' ': break\n\
         s.sendall(b'STARTTLS\\r\\nNOOP\\r\\n')\n\
         print(f.readline().decode().strip())\n\
         t = ssl._create_unverified_context().wrap_socket(s)\n\
         t.sendall(b'EHLO y\\r\\n')\n\
         print(t.recv(4096).decode().splitlines()[0])\n",
        c.submission.port()
    );
    let out = tool("python3").args(["-c", &script]).output().unwrap();
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"220 2.0.0 Ready to start TLS"),
        "{text}{}",
        stderr(&out)
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("250-mail.crepes.fr Hello y")),
        "{text}"
    );
}

/// Sends numbered messages to alice one after another until the server
/// goes away, printing the subject of each message answered with 250.
const COUNTING_CLIENT: &str = "import smtplib, sys\n\
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))\n\
for i in range(100000):\n\
    try:\n\
        s.sendmail('bob@hamburger.edu', ['alice@crepes.fr'], 'Subject: probe-%d\\r\\n\\r\\nx\\r\\n' % i)\n\
    except Exception:\n\
        break\n\
    print('probe-%d' % i, flush=True)\n";

#[test]
fn kill_9_during_smtp_source_loses_and_duplicates_nothing() {
    let mut c = crepes(None, &[]);
    let port = c.server.addr.port().to_string();
    let mut source: Child = tool("smtp-source")
        .args([
            "-c",
            "-s",
            "20",
            "-m",
            "2000",
            "-f",
            "bob@hamburger.edu",
            "-t",
            "alice@crepes.fr",
        ])
        .arg(c.server.addr.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Beside the load, a client that knows exactly which messages got 250.
    let mut probe: Child = tool("python3")
        .args(["-c", COUNTING_CLIENT, &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let queue_data = c.dir.join("maildirs/.queue/data");
    let alice_new = c.alice().join("new");
    let deadline = Instant::now() + Duration::from_secs(60);
    while files(&queue_data).len() + files(&alice_new).len() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = c.server.child.kill(); // SIGKILL
    let _ = c.server.child.wait();
    let _ = source.wait();
    let _ = probe.wait();
    use std::io::Read;
    let mut counter = String::new();
    source
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut counter)
        .unwrap();
    let mut probes = String::new();
    probe
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut probes)
        .unwrap();
    // smtp-source -c counts DATA commands: each session's last one may
    // not have had its 250 yet.
    let data_commands: usize = counter
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .max()
        .unwrap_or(0);
    assert!(data_commands >= 100, "the load ran: {counter:?}");
    let a: Vec<&str> = c.args.iter().map(String::as_str).collect();
    c.server = Server::l7(&a, c.server.addr, false);
    let expected_min = data_commands.saturating_sub(20) + probes.lines().count();
    let delivered = wait_files(&alice_new, expected_min);
    let texts: Vec<String> = delivered
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    // Every probe answered with 250 is in the Maildir exactly once.
    for subject in probes.lines() {
        let header = format!("Subject: {subject}\r\n");
        let copies = texts.iter().filter(|t| t.contains(&header)).count();
        assert_eq!(copies, 1, "{subject}: {copies} copies");
    }
    assert!(
        delivered.len() >= expected_min,
        "{} < {expected_min}",
        delivered.len()
    );
    assert!(
        files(&queue_data).is_empty(),
        "the queue drained after the restart"
    );
}
