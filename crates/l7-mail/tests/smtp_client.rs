//! The client session against scripted servers and against our own server
//! session (the two state machines wired back to back).

use l7_mail::smtp::address::{Mailbox, ReversePath};
use l7_mail::smtp::client::{
    ClientConfig, ClientEvent, ClientSession, DeliveryStatus, OutgoingMessage, RecipientResult,
    TlsPolicy,
};
use l7_mail::smtp::server::{CatchAll, ServerConfig, ServerEvent, ServerSession};
use l7_wire::Instant;
use std::time::Duration;

const T0: Instant = Instant::ZERO;

fn mailbox(s: &str) -> Mailbox {
    Mailbox::parse(s).unwrap()
}

fn config(tls: TlsPolicy) -> ClientConfig {
    ClientConfig {
        hostname: "mail.crepes.fr".into(),
        tls,
        tls_active: false,
        credentials: None,
        trace: false,
    }
}

fn message(recipients: &[&str], body: &[u8]) -> OutgoingMessage {
    OutgoingMessage::for_body(
        ReversePath::Mailbox(mailbox("alice@crepes.fr")),
        recipients.iter().map(|r| mailbox(r)).collect(),
        body,
    )
}

/// Streams `body` in two chunks after `SendBody`, as a driver does.
fn stream_body(c: &mut ClientSession, body: &[u8]) {
    assert_eq!(c.poll_event(), Some(ClientEvent::SendBody));
    let (a, b) = body.split_at(body.len() / 2);
    c.push_body(a);
    c.push_body(b);
    c.end_body(T0);
}

/// Hears the 354 and answers with the body.
fn hear_354(c: &mut ClientSession, reply: &str, body: &[u8]) -> String {
    c.handle_input(T0, reply.as_bytes());
    stream_body(c, body);
    sent(c)
}

fn sent(c: &mut ClientSession) -> String {
    String::from_utf8(c.poll_transmit().unwrap_or_default()).unwrap()
}

fn hear(c: &mut ClientSession, reply: &str) -> String {
    c.handle_input(T0, reply.as_bytes());
    sent(c)
}

fn finished(c: &mut ClientSession) -> Vec<RecipientResult> {
    std::iter::from_fn(|| c.poll_event())
        .find_map(|e| match e {
            ClientEvent::Finished(r) => Some(r),
            _ => None,
        })
        .expect("no Finished event")
}

#[test]
fn pipelines_when_offered_and_classifies_each_recipient() {
    let mut c = ClientSession::new(
        config(TlsPolicy::Never),
        message(
            &[
                "bob@hamburger.edu",
                "carol@hamburger.edu",
                "dave@hamburger.edu",
            ],
            b"Hi\n.dot\n",
        ),
        T0,
    );
    assert_eq!(
        hear(&mut c, "220 hamburger.edu ESMTP\r\n"),
        "EHLO mail.crepes.fr\r\n"
    );
    let group = hear(
        &mut c,
        "250-hamburger.edu\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
    );
    assert_eq!(
        group,
        "MAIL FROM:<alice@crepes.fr> SIZE=8\r\nRCPT TO:<bob@hamburger.edu>\r\nRCPT TO:<carol@hamburger.edu>\r\n\
         RCPT TO:<dave@hamburger.edu>\r\nDATA\r\n"
    );
    let body = hear_354(
        &mut c,
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n450 4.2.0 mailbox busy\r\n550 5.1.1 no such user\r\n354 go ahead\r\n",
        b"Hi\n.dot\n",
    );
    assert_eq!(
        body, "Hi\r\n..dot\r\n.\r\n",
        "CRLF-normalised and dot-stuffed"
    );
    assert_eq!(hear(&mut c, "250 2.0.0 queued\r\n"), "QUIT\r\n");
    let results = finished(&mut c);
    let statuses: Vec<_> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            DeliveryStatus::Delivered,
            DeliveryStatus::Transient,
            DeliveryStatus::Permanent
        ]
    );
    assert_eq!(results[2].reply.code(), 550);
    hear(&mut c, "221 bye\r\n");
    assert_eq!(c.poll_event(), Some(ClientEvent::Closed));
}

#[test]
fn without_pipelining_one_command_per_reply_and_helo_fallback() {
    let mut c = ClientSession::new(
        config(TlsPolicy::Opportunistic),
        message(&["bob@hamburger.edu"], b"x"),
        T0,
    );
    hear(&mut c, "220 old.example\r\n");
    // RFC 5321 §3.2: a server without ESMTP rejects EHLO; fall back to HELO.
    assert_eq!(
        hear(&mut c, "502 unrecognized\r\n"),
        "HELO mail.crepes.fr\r\n"
    );
    assert_eq!(
        hear(&mut c, "250 Hello\r\n"),
        "MAIL FROM:<alice@crepes.fr>\r\n"
    );
    assert_eq!(
        hear(&mut c, "250 ok\r\n"),
        "RCPT TO:<bob@hamburger.edu>\r\n"
    );
    assert_eq!(hear(&mut c, "250 ok\r\n"), "DATA\r\n");
    assert_eq!(hear_354(&mut c, "354 go\r\n", b"x"), "x\r\n.\r\n");
    assert_eq!(hear(&mut c, "451 4.3.0 try later\r\n"), "QUIT\r\n");
    assert_eq!(finished(&mut c)[0].status, DeliveryStatus::Transient);
}

#[test]
fn no_data_when_every_recipient_is_refused() {
    let mut c = ClientSession::new(
        config(TlsPolicy::Never),
        message(&["x@hamburger.edu"], b"x"),
        T0,
    );
    hear(&mut c, "220 h\r\n");
    hear(&mut c, "250 h\r\n");
    assert_eq!(hear(&mut c, "250 ok\r\n"), "RCPT TO:<x@hamburger.edu>\r\n");
    assert_eq!(hear(&mut c, "550 5.1.1 unknown\r\n"), "QUIT\r\n");
    let r = finished(&mut c);
    assert_eq!(
        (r[0].status, r[0].reply.code()),
        (DeliveryStatus::Permanent, 550)
    );
}

#[test]
fn opportunistic_starttls_then_ehlo_again() {
    let mut c = ClientSession::new(
        config(TlsPolicy::Opportunistic),
        message(&["bob@hamburger.edu"], b"x"),
        T0,
    );
    hear(&mut c, "220 h\r\n");
    assert_eq!(hear(&mut c, "250-h\r\n250 STARTTLS\r\n"), "STARTTLS\r\n");
    assert_eq!(hear(&mut c, "220 2.0.0 Ready\r\n250 injected\r\n"), "");
    assert_eq!(c.poll_event(), Some(ClientEvent::StartTls));
    c.tls_established(T0);
    assert_eq!(sent(&mut c), "EHLO mail.crepes.fr\r\n");
    assert_eq!(hear(&mut c, "250 h\r\n"), "MAIL FROM:<alice@crepes.fr>\r\n");
}

#[test]
fn credentials_are_never_sent_without_tls() {
    let mut cfg = config(TlsPolicy::Opportunistic);
    cfg.credentials = Some(("alice".into(), "secret".into()));
    let mut c = ClientSession::new(cfg, message(&["bob@hamburger.edu"], b"x"), T0);
    hear(&mut c, "220 h\r\n");
    assert_eq!(hear(&mut c, "250-h\r\n250 AUTH PLAIN\r\n"), "QUIT\r\n");
    assert_eq!(finished(&mut c)[0].status, DeliveryStatus::Permanent);
}

#[test]
fn timeouts_make_recipients_transient() {
    let mut c = ClientSession::new(
        config(TlsPolicy::Never),
        message(&["bob@hamburger.edu"], b"x"),
        T0,
    );
    assert_eq!(c.poll_timeout(), Some(T0 + Duration::from_secs(300)));
    c.handle_timeout(T0 + Duration::from_secs(300));
    let r = finished(&mut c);
    assert_eq!(
        (r[0].status, r[0].reply.code()),
        (DeliveryStatus::Transient, 451)
    );
    assert_eq!(c.poll_event(), Some(ClientEvent::Closed));
}

#[test]
fn client_and_server_sessions_deliver_to_each_other() {
    let body = b"Subject: test\r\n\r\n.leading dot\nbare LF line\r\n\n.\nend".to_vec();
    let mut cfg = config(TlsPolicy::Opportunistic);
    cfg.trace = true;
    let mut c = ClientSession::new(
        cfg,
        message(&["bob@hamburger.edu", "Postmaster@hamburger.edu"], &body),
        T0,
    );
    let mut s = ServerSession::new(ServerConfig::new("hamburger.edu"), CatchAll, T0);
    let mut stored = Vec::new();
    let mut events = Vec::new();
    for _ in 0..20 {
        if let Some(bytes) = s.poll_transmit() {
            c.handle_input(T0, &bytes);
            while let Some(e) = c.poll_event() {
                if e == ClientEvent::SendBody {
                    c.push_body(&body);
                    c.end_body(T0);
                } else {
                    events.push(e);
                }
            }
        }
        if let Some(bytes) = c.poll_transmit() {
            s.handle_input(T0, &bytes);
        }
        while let Some(e) = s.poll_event() {
            match e {
                ServerEvent::MessageData(d) => stored.extend(d),
                ServerEvent::MessageEnd => s.message_stored(T0, "Q1"),
                _ => {}
            }
        }
    }
    let results = events
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Finished(r) => Some(r),
            _ => None,
        })
        .expect("no Finished event");
    assert!(
        results
            .iter()
            .all(|r| r.status == DeliveryStatus::Delivered),
        "{results:?}"
    );
    // Bare line ends arrive as CRLF; the dot-stuffing is undone.
    assert_eq!(
        stored,
        b"Subject: test\r\n\r\n.leading dot\r\nbare LF line\r\n\r\n.\r\nend\r\n"
    );
    assert!(s.is_closed());
    let transcript: Vec<String> = std::iter::from_fn(|| c.poll_trace())
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        transcript.first().map(String::as_str),
        Some("S: 220 hamburger.edu")
    );
    assert!(
        transcript.contains(&"C: ..leading dot".to_string()),
        "{transcript:?}"
    );
}
