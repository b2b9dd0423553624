//! The POP3 session driven step by step with explicit time: the course's
//! homework transcript (download-and-delete, then download-and-keep),
//! deletions only at QUIT, the plaintext rule, STLS, AUTH PLAIN, the
//! failure delay and autologout.

use l7_mail::base64;
use l7_mail::pop3::{LoginRefusal, Maildrop, Pop3Config, Pop3Event, Pop3Session};
use l7_mail::store::{Maildir, UniqueName};
use l7_wire::Instant;
use std::path::Path;
use std::time::Duration;

fn t(secs: u64) -> Instant {
    Instant::from_epoch(Duration::from_secs(secs))
}

fn config() -> Pop3Config {
    let mut c = Pop3Config::new("hamburger.edu");
    c.plaintext_auth = true;
    c.default_domain = Some("hamburger.edu".into());
    c
}

fn out(s: &mut Pop3Session) -> String {
    let mut all = Vec::new();
    while let Some(b) = s.poll_transmit() {
        all.extend(b);
    }
    String::from_utf8(all).unwrap()
}

fn say(s: &mut Pop3Session, now: Instant, line: &str) -> String {
    s.handle_input(now, format!("{line}\r\n").as_bytes());
    out(s)
}

/// Answers an Authenticate event: password "hungry" for bob.
fn verdict(s: &mut Pop3Session, now: Instant, dir: &Path) {
    match s.poll_event() {
        Some(Pop3Event::Authenticate { user, password }) => {
            if user == "bob@hamburger.edu" && password == "hungry" {
                s.login_accepted(now, Maildrop::open(dir).unwrap());
            } else {
                s.login_refused(now, LoginRefusal::BadCredentials);
            }
        }
        other => panic!("expected Authenticate, got {other:?}"),
    }
}

fn mailbox() -> (tempfile::TempDir, Maildir) {
    let dir = tempfile::tempdir().unwrap();
    let md = Maildir::create(dir.path()).unwrap();
    md.deliver(
        &UniqueName::new(1, 7, 1, "h"),
        b"From: alice@crepes.fr\r\nSubject: one\r\n\r\n.dotted line\r\nbye\r\n",
    )
    .unwrap();
    md.deliver(
        &UniqueName::new(2, 7, 2, "h"),
        b"From: alice@crepes.fr\nSubject: two\n\nl1\nl2\nl3\n",
    )
    .unwrap();
    (dir, md)
}

fn login(dir: &Path) -> Pop3Session {
    let mut s = Pop3Session::new(config(), t(0), false);
    assert!(out(&mut s).starts_with("+OK POP3 server ready"));
    assert_eq!(say(&mut s, t(1), "user bob"), "+OK\r\n");
    s.handle_input(t(1), b"pass hungry\r\n");
    verdict(&mut s, t(1), dir);
    assert_eq!(out(&mut s), "+OK user successfully logged on\r\n");
    s
}

#[test]
fn homework_transcript_download_and_delete() {
    let (dir, _md) = mailbox();
    let mut s = login(dir.path());
    assert_eq!(
        say(&mut s, t(2), "list"),
        "+OK 2 messages (109 octets)\r\n1 58\r\n2 51\r\n.\r\n"
    );
    let retr = say(&mut s, t(2), "retr 1");
    assert_eq!(
        retr,
        "+OK 58 octets\r\nFrom: alice@crepes.fr\r\nSubject: one\r\n\r\n..dotted line\r\nbye\r\n.\r\n"
    );
    assert_eq!(say(&mut s, t(2), "dele 1"), "+OK message 1 deleted\r\n");
    assert!(say(&mut s, t(2), "retr 2").contains("\r\nl3\r\n.\r\n"));
    assert_eq!(say(&mut s, t(2), "dele 2"), "+OK message 2 deleted\r\n");
    assert!(say(&mut s, t(2), "retr 1").starts_with("-ERR"));
    assert_eq!(say(&mut s, t(2), "stat"), "+OK 0 0\r\n");
    // Nothing is removed before QUIT.
    assert_eq!(Maildrop::open(dir.path()).unwrap().stat().0, 2);
    assert_eq!(say(&mut s, t(3), "quit"), "+OK POP3 server signing off\r\n");
    assert_eq!(s.poll_event(), Some(Pop3Event::Closed));
    assert!(s.is_closed());
    assert_eq!(Maildrop::open(dir.path()).unwrap().stat().0, 0);
}

#[test]
fn download_and_keep_sees_same_uidl() {
    let (dir, _md) = mailbox();
    let mut s = login(dir.path());
    let uidl = say(&mut s, t(2), "uidl");
    assert_eq!(
        uidl,
        "+OK 2 messages (109 octets)\r\n1 1.7_1.h\r\n2 2.7_2.h\r\n.\r\n"
    );
    assert!(say(&mut s, t(2), "retr 1").starts_with("+OK"));
    assert_eq!(
        say(&mut s, t(2), "top 2 1"),
        "+OK top of message follows\r\nFrom: alice@crepes.fr\r\nSubject: two\r\n\r\nl1\r\n.\r\n"
    );
    assert_eq!(say(&mut s, t(2), "uidl 2"), "+OK 2 2.7_2.h\r\n");
    assert_eq!(say(&mut s, t(2), "dele 2"), "+OK message 2 deleted\r\n");
    assert!(say(&mut s, t(2), "rset").starts_with("+OK maildrop has 2 messages"));
    assert!(say(&mut s, t(3), "quit").starts_with("+OK"));
    let mut again = login(dir.path());
    assert_eq!(say(&mut again, t(4), "uidl"), uidl);
}

#[test]
fn dropped_session_never_deletes() {
    let (dir, _md) = mailbox();
    let mut s = login(dir.path());
    say(&mut s, t(2), "dele 1");
    say(&mut s, t(2), "dele 2");
    drop(s);
    assert_eq!(Maildrop::open(dir.path()).unwrap().stat().0, 2);
    // Autologout: no UPDATE either.
    let mut s = login(dir.path());
    say(&mut s, t(2), "dele 1");
    let idle = s.poll_timeout().unwrap();
    assert_eq!(idle, t(2) + Duration::from_secs(600));
    s.handle_timeout(idle);
    assert!(out(&mut s).starts_with("-ERR autologout"));
    assert!(s.is_closed());
    assert_eq!(Maildrop::open(dir.path()).unwrap().stat().0, 2);
}

#[test]
fn failed_logins_are_delayed_then_closed() {
    let (dir, _md) = mailbox();
    let mut s = Pop3Session::new(config(), t(0), false);
    out(&mut s);
    for failure in 1..=3u64 {
        say(&mut s, t(10), "user bob");
        s.handle_input(t(10), b"pass wrong\r\n");
        verdict(&mut s, t(10), dir.path());
        assert_eq!(out(&mut s), "", "the refusal waits");
        // Commands sent meanwhile wait too.
        s.handle_input(t(10), b"noop\r\n");
        assert_eq!(out(&mut s), "");
        let at = s.poll_timeout().unwrap();
        assert_eq!(at, t(10) + Duration::from_secs(2 * failure));
        s.handle_timeout(at);
        let text = out(&mut s);
        assert!(text.starts_with("-ERR [AUTH] invalid"), "{text}");
        if failure < 3 {
            assert!(text.ends_with("+OK\r\n"), "the pipelined NOOP ran: {text}");
        } else {
            assert!(text.contains("too many failed logins"), "{text}");
            assert!(s.is_closed());
        }
    }
}

#[test]
fn plaintext_needs_tls_and_stls_discards_buffered_input() {
    let (dir, _md) = mailbox();
    let mut c = config();
    c.plaintext_auth = false;
    c.tls_available = true;
    let mut s = Pop3Session::new(c, t(0), false);
    out(&mut s);
    let capa = say(&mut s, t(1), "CAPA");
    assert!(
        capa.contains("STLS\r\n") && !capa.contains("USER\r\n"),
        "{capa}"
    );
    assert!(say(&mut s, t(1), "user bob").starts_with("-ERR [AUTH] plaintext"));
    assert!(say(&mut s, t(1), "AUTH PLAIN").starts_with("-ERR [AUTH] plaintext"));
    // An injected command after STLS, in the same packet, is dropped.
    s.handle_input(t(1), b"STLS\r\nUSER evil\r\n");
    assert_eq!(out(&mut s), "+OK Begin TLS negotiation\r\n");
    assert_eq!(s.poll_event(), Some(Pop3Event::StartTls));
    s.tls_established(t(2));
    let capa = say(&mut s, t(2), "CAPA");
    assert!(
        capa.contains("USER\r\n") && !capa.contains("STLS"),
        "{capa}"
    );
    assert!(say(&mut s, t(2), "PASS x").starts_with("-ERR send USER first"));
    // AUTH PLAIN with a continuation line (RFC 5034).
    assert_eq!(say(&mut s, t(3), "AUTH PLAIN"), "+ \r\n");
    let response = base64::encode(b"\0bob\0hungry");
    s.handle_input(t(3), format!("{response}\r\n").as_bytes());
    verdict(&mut s, t(3), dir.path());
    assert_eq!(out(&mut s), "+OK user successfully logged on\r\n");
    assert!(say(&mut s, t(3), "STAT").starts_with("+OK 2 "));
}

#[test]
fn in_use_and_bad_input() {
    let mut s = Pop3Session::new(config(), t(0), false);
    out(&mut s);
    assert!(say(&mut s, t(1), "STAT").starts_with("-ERR log in first"));
    assert!(say(&mut s, t(1), "FOO").starts_with("-ERR unknown command"));
    say(&mut s, t(1), "USER bob");
    s.handle_input(t(1), b"PASS hungry\r\n");
    assert!(matches!(
        s.poll_event(),
        Some(Pop3Event::Authenticate { .. })
    ));
    s.login_refused(t(1), LoginRefusal::InUse);
    assert!(out(&mut s).starts_with("-ERR [IN-USE]"));
    s.handle_input(t(1), &[b'x'; 600]);
    assert!(out(&mut s).contains("too long"));
    assert!(s.is_closed());
}
