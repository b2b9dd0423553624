//! `l7 mail serve --pop3` driven by real POP3 clients: Python's poplib
//! (download-and-keep, then download-and-delete, STLS and POP3S), the
//! course's homework transcript over a raw socket, fetchmail and mpop in
//! keep and delete modes; a session that dies before QUIT deletes nothing.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use l7_interop::*;
use l7_mail::accounts::{Accounts, SALT_LEN};
use l7_mail::store::{Maildir, UniqueName};

/// A hamburger.edu mail server with POP3, bob's password "hungry" and two
/// messages in his Maildir.
pub struct Pop {
    pub dir: Scratch,
    pub server: Server,
    pub maildir: PathBuf,
}

fn write_accounts(path: &Path) {
    let mut accounts = Accounts::new();
    accounts
        .add("bob@hamburger.edu", "hungry", &[5; SALT_LEN])
        .unwrap();
    accounts.save(path).unwrap();
}

/// A self-signed certificate for 127.0.0.1 and localhost (openssl).
fn make_cert(dir: &Scratch) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let o = tool("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=hamburger.edu"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl: {}", stderr(&o));
    (cert.display().to_string(), key.display().to_string())
}

fn deliver_two(maildir: &Path) {
    let md = Maildir::create(maildir).unwrap();
    md.deliver(
        &UniqueName::new(1_700_000_001, 1, 1, "hamburger.edu"),
        b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: one\r\n\r\nDo you like ketchup?\r\n.How about pickles?\r\n",
    )
    .unwrap();
    md.deliver(
        &UniqueName::new(1_700_000_002, 1, 2, "hamburger.edu"),
        b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: two\r\n\r\nSecond message\r\n",
    )
    .unwrap();
}

/// Starts the server; `listen_ip` 0.0.0.0 makes it refuse plaintext logins
/// before TLS; `tls` adds a certificate and a POP3S port.
fn pop(listen_ip: &str, tls: bool) -> (Pop, Option<(SocketAddr, String)>) {
    let dir = Scratch::new(&format!("pop3-{}", free_port()));
    let root = dir.join("maildirs");
    let maildir = root.join("hamburger.edu/bob");
    deliver_two(&maildir);
    let accounts = dir.join("users");
    write_accounts(&accounts);
    let (smtp, pop3, pop3s) = (free_port(), free_port(), free_port());
    let mut args: Vec<String> = [
        "mail",
        "serve",
        "--hostname",
        "hamburger.edu",
        "--domain",
        "hamburger.edu",
        "--user",
        "bob@hamburger.edu",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend([
        "--maildirs".into(),
        root.display().to_string(),
        "--users-file".into(),
        accounts.display().to_string(),
        "--listen".into(),
        format!("127.0.0.1:{smtp}"),
        "--pop3".into(),
        format!("{listen_ip}:{pop3}"),
    ]);
    let mut secure = None;
    if tls {
        let (cert, key) = make_cert(&dir);
        args.extend([
            "--tls-cert".into(),
            cert.clone(),
            "--tls-key".into(),
            key,
            "--pop3s".into(),
            format!("127.0.0.1:{pop3s}"),
        ]);
        secure = Some((SocketAddr::from(([127, 0, 0, 1], pop3s)), cert));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], pop3)), false);
    (
        Pop {
            dir,
            server,
            maildir,
        },
        secure,
    )
}

impl Pop {
    fn count(&self) -> usize {
        ["new", "cur"]
            .iter()
            .map(|d| std::fs::read_dir(self.maildir.join(d)).unwrap().count())
            .sum()
    }
}

fn python(script: &str) -> String {
    let o = tool("python3").args(["-c", script]).output().unwrap();
    assert!(
        o.status.success(),
        "python failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

#[test]
fn poplib_keep_then_delete() {
    let (p, _) = pop("127.0.0.1", false);
    let port = p.server.addr.port();
    let session = |delete: bool| {
        python(&format!(
            r#"
import poplib
m = poplib.POP3("127.0.0.1", {port}, timeout=30)
print(m.getwelcome().decode())
print(m.user("bob").decode()); print(m.pass_("hungry").decode())
print("STAT", m.stat())
resp, listing, _ = m.list(); print("LIST", [l.decode() for l in listing])
resp, uids, _ = m.uidl(); print("UIDL", [u.decode() for u in uids])
resp, lines, octets = m.retr(1); print("RETR1", octets, [l.decode() for l in lines])
resp, lines, _ = m.top(2, 0); print("TOP2", [l.decode() for l in lines])
print("CAPA", sorted(m.capa().keys()))
if {delete}:
    m.dele(1); m.dele(2)
print(m.quit().decode())
"#,
            delete = if delete { "True" } else { "False" }
        ))
    };
    let first = session(false);
    assert!(first.contains("+OK POP3 server ready"), "{first}");
    assert!(first.contains("+OK user successfully logged on"), "{first}");
    assert!(first.contains("STAT (2, 183)"), "{first}");
    assert!(first.contains("LIST ['1 105', '2 78']"), "{first}");
    assert!(
        first.contains("UIDL ['1 1700000001.1_1.hamburger.edu', '2 1700000002.1_2.hamburger.edu']"),
        "{first}"
    );
    // poplib undoes the dot-stuffing of ".How about pickles?".
    assert!(first.contains("'.How about pickles?']"), "{first}");
    assert!(
        first.contains(
            "TOP2 ['From: alice@crepes.fr', 'To: bob@hamburger.edu', 'Subject: two', '']"
        ),
        "{first}"
    );
    assert!(
        first.contains("'TOP'") && first.contains("'UIDL'"),
        "{first}"
    );
    assert_eq!(p.count(), 2, "download-and-keep leaves both messages");
    let second = session(true);
    let uidl = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("UIDL"))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        uidl(&first),
        uidl(&second),
        "same UIDLs in the second session"
    );
    assert!(second.contains("+OK POP3 server signing off"), "{second}");
    assert_eq!(p.count(), 0, "download-and-delete removed both at QUIT");
}

fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    r.read_line(&mut l).unwrap();
    l
}

/// Reads a multi-line response up to its `.` line.
fn block(r: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let l = line(r);
        assert!(!l.is_empty(), "connection closed inside a response: {all}");
        all.push_str(&l);
        if l == ".\r\n" {
            return all;
        }
    }
}

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

#[test]
fn homework_transcript_over_a_socket() {
    // The course's POP3 homework: telnet to port 110, then user, pass,
    // list, retr, dele, quit.
    let (p, _) = pop("127.0.0.1", false);
    let (mut s, mut r) = connect(p.server.addr);
    assert!(line(&mut r).starts_with("+OK POP3 server ready"));
    s.write_all(b"user bob\r\n").unwrap();
    assert_eq!(line(&mut r), "+OK\r\n");
    s.write_all(b"pass hungry\r\n").unwrap();
    assert_eq!(line(&mut r), "+OK user successfully logged on\r\n");
    s.write_all(b"list\r\n").unwrap();
    assert_eq!(
        block(&mut r),
        "+OK 2 messages (183 octets)\r\n1 105\r\n2 78\r\n.\r\n"
    );
    s.write_all(b"retr 1\r\n").unwrap();
    let retr = block(&mut r);
    assert!(
        retr.starts_with("+OK 105 octets\r\nFrom: alice@crepes.fr\r\n"),
        "{retr}"
    );
    assert!(
        retr.ends_with("\r\n..How about pickles?\r\n.\r\n"),
        "{retr}"
    );
    s.write_all(b"dele 1\r\n").unwrap();
    assert_eq!(line(&mut r), "+OK message 1 deleted\r\n");
    s.write_all(b"retr 2\r\n").unwrap();
    assert!(block(&mut r).contains("Second message\r\n.\r\n"));
    s.write_all(b"dele 2\r\n").unwrap();
    assert_eq!(line(&mut r), "+OK message 2 deleted\r\n");
    assert_eq!(p.count(), 2, "nothing removed before QUIT");
    s.write_all(b"quit\r\n").unwrap();
    assert_eq!(line(&mut r), "+OK POP3 server signing off\r\n");
    assert_eq!(line(&mut r), "", "the server closes after QUIT");
    assert_eq!(p.count(), 0);
}

#[test]
fn a_session_that_dies_deletes_nothing_and_the_lock_is_released() {
    let (mut p, _) = pop("127.0.0.1", false);
    let login = |addr| {
        let (mut s, mut r) = connect(addr);
        line(&mut r);
        s.write_all(b"USER bob\r\nPASS hungry\r\n").unwrap();
        line(&mut r);
        let reply = line(&mut r);
        (s, r, reply)
    };
    let (mut s, mut r, ok) = login(p.server.addr);
    assert!(ok.starts_with("+OK"), "{ok}");
    // One session per maildrop (RFC 1939 §8: the maildrop is locked).
    let (_s2, _r2, busy) = login(p.server.addr);
    assert!(busy.starts_with("-ERR [IN-USE]"), "{busy}");
    s.write_all(b"DELE 1\r\nDELE 2\r\n").unwrap();
    line(&mut r);
    line(&mut r);
    drop((s, r)); // the client goes away without QUIT
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(p.count(), 2);
    // The lock went with the dead session.
    let (mut s, mut r, ok) = login(p.server.addr);
    assert!(ok.starts_with("+OK"), "{ok}");
    s.write_all(b"DELE 1\r\n").unwrap();
    line(&mut r);
    // The server itself is killed mid-session: still nothing deleted.
    p.server.child.kill().unwrap();
    p.server.child.wait().unwrap();
    assert_eq!(p.count(), 2);
}

#[test]
fn plaintext_refused_before_stls_and_pop3s_works() {
    let (p, secure) = pop("0.0.0.0", true);
    let (pop3s, cert) = secure.unwrap();
    let port = p.server.addr.port();
    let out = python(&format!(
        r#"
import poplib, ssl
ctx = ssl.create_default_context(cafile="{cert}")
m = poplib.POP3("127.0.0.1", {port}, timeout=30)
caps = m.capa(); print("CAPA", sorted(caps.keys()))
try:
    m.user("bob"); print("USER accepted in the clear")
except poplib.error_proto as e:
    print("refused", e)
m.stls(context=ctx)
print("after STLS", sorted(m.capa().keys()))
m.user("bob"); print(m.pass_("hungry").decode()); print("STAT", m.stat()); m.quit()
s = poplib.POP3_SSL("127.0.0.1", {pop3s}, context=ctx, timeout=30)
s.user("bob")
try:
    s.pass_("wrong")
except poplib.error_proto as e:
    print("bad password", e)
s.user("bob"); print("POP3S", s.pass_("hungry").decode(), s.stat()); s.quit()
"#,
        pop3s = pop3s.port()
    ));
    assert!(
        out.contains("'STLS'") && !out.contains("'USER'], "),
        "{out}"
    );
    assert!(
        out.contains("refused b'-ERR [AUTH] plaintext passwords need TLS"),
        "{out}"
    );
    assert!(!out.contains("USER accepted"), "{out}");
    assert!(out.contains("+OK user successfully logged on"), "{out}");
    assert!(out.contains("STAT (2, 183)"), "{out}");
    assert!(out.contains("bad password b'-ERR [AUTH] invalid"), "{out}");
    assert!(
        out.contains("POP3S +OK user successfully logged on (2, 183)"),
        "{out}"
    );
}

fn fetchmail(p: &Pop, keep: bool, out: &Path) -> String {
    let rc = p.dir.join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "set no bouncemail\npoll 127.0.0.1 service {} protocol pop3 auth password\n  user \"bob@hamburger.edu\" there with password \"hungry\"\n  {} sslproto ''\n  mda \"/bin/sh -c 'cat >> {}'\"\n",
            p.server.addr.port(),
            if keep { "keep" } else { "nokeep fetchall" },
            out.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&rc).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(&rc, perms).unwrap();
    let o = tool("fetchmail")
        .env("FETCHMAILHOME", p.dir.0.as_os_str())
        .env("HOME", p.dir.0.as_os_str())
        .args(["--nodetach", "--nosyslog", "-v", "-f"])
        .arg(&rc)
        .output()
        .unwrap();
    // fetchmail exits 0 after fetching mail, 1 when there was none.
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "fetchmail: {}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o) + &stderr(&o)
}

#[test]
fn fetchmail_keep_then_delete() {
    let (p, _) = pop("127.0.0.1", false);
    let mbox = p.dir.join("fetched");
    let log = fetchmail(&p, true, &mbox);
    assert!(log.contains("2 messages"), "{log}");
    let text = std::fs::read_to_string(&mbox).unwrap();
    assert!(
        text.contains("Subject: one") && text.contains("Subject: two"),
        "{text}"
    );
    assert!(
        text.contains("\n.How about pickles?"),
        "dot-stuffing undone: {text}"
    );
    assert_eq!(p.count(), 2, "keep leaves the messages");
    let _ = std::fs::remove_file(&mbox);
    fetchmail(&p, false, &mbox);
    assert_eq!(p.count(), 0, "nokeep deletes them at QUIT");
}

fn mpop(p: &Pop, cert: &str, keep: bool, into: &Path) -> String {
    std::fs::create_dir_all(into.join("new")).unwrap();
    std::fs::create_dir_all(into.join("cur")).unwrap();
    std::fs::create_dir_all(into.join("tmp")).unwrap();
    let o = tool("mpop")
        .env("HOME", p.dir.0.as_os_str())
        .args([
            "--host=127.0.0.1",
            &format!("--port={}", p.server.addr.port()),
        ])
        .args([
            "--tls=on",
            "--tls-starttls=on",
            &format!("--tls-trust-file={cert}"),
        ])
        .args(["--auth=user", "--user=bob", "--passwordeval=echo hungry"])
        .arg(format!("--delivery=maildir,{}", into.display()))
        .arg(format!("--uidls-file={}", p.dir.join("uidls").display()))
        .arg(format!("--keep={}", if keep { "on" } else { "off" }))
        .arg("--only-new=off")
        .output()
        .unwrap();
    assert!(o.status.success(), "mpop: {}\n{}", stdout(&o), stderr(&o));
    stdout(&o) + &stderr(&o)
}

#[test]
fn mpop_over_stls_keep_then_delete() {
    let (p, secure) = pop("127.0.0.1", true);
    let (_, cert) = secure.unwrap();
    let into = p.dir.join("mpop-maildir");
    mpop(&p, &cert, true, &into);
    let got = std::fs::read_dir(into.join("new")).unwrap().count();
    assert_eq!(got, 2, "mpop delivered both messages");
    assert_eq!(p.count(), 2, "keep=on leaves them on the server");
    mpop(&p, &cert, false, &into);
    assert_eq!(p.count(), 0, "keep=off deletes them");
}
