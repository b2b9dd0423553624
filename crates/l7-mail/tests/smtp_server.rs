//! The server session stepped through whole conversations: the textbook's
//! sample session byte for byte, pipelining, STARTTLS, AUTH, limits and
//! SMTP-smuggling payloads.

use l7_mail::smtp::address::{ForwardPath, Mailbox};
use l7_mail::smtp::server::{
    CloseReason, RcptContext, RcptVerdict, RecipientPolicy, ServerConfig, ServerEvent,
    ServerSession,
};
use l7_wire::Instant;
use std::time::Duration;

/// hamburger.edu's MX: bob is local; other domains only when authenticated.
struct Hamburger;

impl RecipientPolicy for Hamburger {
    fn check_recipient(&self, rcpt: &ForwardPath, ctx: &RcptContext<'_>) -> RcptVerdict {
        match rcpt {
            ForwardPath::Postmaster => RcptVerdict::Accept,
            ForwardPath::Mailbox(m) if m.domain() == "hamburger.edu" => {
                if m.local_part() == "bob" {
                    RcptVerdict::Accept
                } else {
                    RcptVerdict::UnknownUser
                }
            }
            ForwardPath::Mailbox(_) if ctx.authenticated.is_some() => RcptVerdict::Accept,
            ForwardPath::Mailbox(_) => RcptVerdict::RelayDenied,
        }
    }
}

const T0: Instant = Instant::ZERO;

fn session(config: ServerConfig) -> ServerSession<Hamburger> {
    ServerSession::new(config, Hamburger, T0)
}

fn out(s: &mut ServerSession<Hamburger>) -> String {
    String::from_utf8(s.poll_transmit().unwrap_or_default()).unwrap()
}

fn events(s: &mut ServerSession<Hamburger>) -> Vec<ServerEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// Feeds `input` and returns what the server sends back.
fn say(s: &mut ServerSession<Hamburger>, input: &str) -> String {
    s.handle_input(T0, input.as_bytes());
    out(s)
}

/// The body of the message events, concatenated.
fn body_of(events: &[ServerEvent]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::MessageData(d) => Some(d.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

#[test]
fn textbook_session_replayed_byte_for_byte() {
    // Kurose & Ross, "Computer Networking", §2.3.1: crepes.fr → hamburger.edu.
    let mut config = ServerConfig::new("hamburger.edu");
    config.trace = true;
    let mut s = session(config);
    assert_eq!(out(&mut s), "220 hamburger.edu\r\n");
    assert_eq!(
        say(&mut s, "HELO crepes.fr\r\n"),
        "250 Hello crepes.fr, pleased to meet you\r\n"
    );
    assert_eq!(
        say(&mut s, "MAIL FROM: <alice@crepes.fr>\r\n"),
        "250 alice@crepes.fr ... Sender ok\r\n"
    );
    assert_eq!(
        say(&mut s, "RCPT TO: <bob@hamburger.edu>\r\n"),
        "250 bob@hamburger.edu ... Recipient ok\r\n"
    );
    assert_eq!(
        say(&mut s, "DATA\r\n"),
        "354 Enter mail, end with \".\" on a line by itself\r\n"
    );
    assert_eq!(say(&mut s, "Do you like ketchup?\r\n"), "");
    assert_eq!(say(&mut s, "How about pickles?\r\n"), "");
    assert_eq!(
        say(&mut s, ".\r\n"),
        "",
        "250 must wait until the message is stored"
    );
    let ev = events(&mut s);
    let ServerEvent::MessageBegin(envelope) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(envelope.helo, "crepes.fr");
    assert_eq!(envelope.sender.to_string(), "<alice@crepes.fr>");
    assert_eq!(
        envelope.recipients,
        [ForwardPath::Mailbox(
            Mailbox::parse("bob@hamburger.edu").unwrap()
        )]
    );
    assert_eq!(
        body_of(&ev),
        b"Do you like ketchup?\r\nHow about pickles?\r\n"
    );
    assert_eq!(ev.last(), Some(&ServerEvent::MessageEnd));
    s.message_stored(T0, "Q1");
    assert_eq!(out(&mut s), "250 Message accepted for delivery\r\n");
    assert_eq!(
        say(&mut s, "QUIT\r\n"),
        "221 hamburger.edu closing connection\r\n"
    );
    assert_eq!(events(&mut s), [ServerEvent::Closed(CloseReason::Quit)]);
    assert!(s.is_closed());
    let transcript: Vec<String> = std::iter::from_fn(|| s.poll_trace())
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        transcript,
        [
            "S: 220 hamburger.edu",
            "C: HELO crepes.fr",
            "S: 250 Hello crepes.fr, pleased to meet you",
            "C: MAIL FROM: <alice@crepes.fr>",
            "S: 250 alice@crepes.fr ... Sender ok",
            "C: RCPT TO: <bob@hamburger.edu>",
            "S: 250 bob@hamburger.edu ... Recipient ok",
            "C: DATA",
            "S: 354 Enter mail, end with \".\" on a line by itself",
            "C: Do you like ketchup?",
            "C: How about pickles?",
            "C: .",
            "S: 250 Message accepted for delivery",
            "C: QUIT",
            "S: 221 hamburger.edu closing connection",
        ]
    );
}

#[test]
fn ehlo_advertises_extensions_and_uses_enhanced_codes() {
    let mut config = ServerConfig::new("hamburger.edu");
    config.starttls_available = true;
    config.auth_enabled = true;
    let mut s = session(config);
    out(&mut s);
    assert_eq!(
        say(&mut s, "EHLO crepes.fr\r\n"),
        "250-hamburger.edu Hello crepes.fr\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n\
         250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-STARTTLS\r\n250 HELP\r\n"
    );
    assert_eq!(
        say(&mut s, "MAIL FROM:<>\r\n"),
        "250 2.1.0 <> ... Sender ok\r\n"
    );
    assert_eq!(
        say(&mut s, "RCPT TO:<Postmaster>\r\n"),
        "250 2.1.5 Postmaster ... Recipient ok\r\n"
    );
    assert_eq!(
        say(&mut s, "RCPT TO:<carol@hamburger.edu>\r\n"),
        "550 5.1.1 carol@hamburger.edu ... User unknown\r\n"
    );
    // No open relay: a foreign domain without AUTH is refused.
    assert_eq!(
        say(&mut s, "RCPT TO:<eve@elsewhere.org>\r\n"),
        "550 5.7.1 Relaying denied\r\n"
    );
    assert_eq!(
        say(&mut s, "VRFY bob\r\n"),
        "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery\r\n"
    );
    // AUTH is never offered or accepted in plaintext.
    assert!(
        say(&mut s, "RSET\r\nAUTH PLAIN AGJvYgBwdw==\r\n")
            .ends_with("538 5.7.11 Encryption required for requested authentication mechanism\r\n")
    );
}

#[test]
fn pipelined_commands_in_one_buffer() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    out(&mut s);
    let reply = say(
        &mut s,
        "EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr> SIZE=100\r\nRCPT TO:<bob@hamburger.edu>\r\n\
         RCPT TO:<nobody@hamburger.edu>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
    );
    assert!(reply.ends_with(
        "250 2.1.0 alice@crepes.fr ... Sender ok\r\n250 2.1.5 bob@hamburger.edu ... Recipient ok\r\n\
         550 5.1.1 nobody@hamburger.edu ... User unknown\r\n354 Enter mail, end with \".\" on a line by itself\r\n"
    ), "{reply}");
    let ev = events(&mut s);
    assert_eq!(body_of(&ev), b"hi\r\n");
    assert_eq!(ev.last(), Some(&ServerEvent::MessageEnd));
    // QUIT waits behind the store; then both replies go out in order.
    s.message_stored(T0, "Q7");
    assert_eq!(
        out(&mut s),
        "250 2.0.0 Message accepted for delivery as Q7\r\n221 2.0.0 hamburger.edu closing connection\r\n"
    );
}

#[test]
fn smuggling_payloads_never_end_data() {
    for payload in ["\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n"] {
        let mut s = session(ServerConfig::new("hamburger.edu"));
        say(
            &mut s,
            "HELO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n",
        );
        let smuggled = format!(
            "legit{payload}MAIL FROM:<admin@hamburger.edu>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\nforged\r\n.\r\n"
        );
        let reply = say(&mut s, &smuggled);
        assert_eq!(reply, "", "{payload:?}: smuggled commands were answered");
        let ev = events(&mut s);
        assert_eq!(
            ev.iter().filter(|e| **e == ServerEvent::MessageEnd).count(),
            1,
            "{payload:?}"
        );
        let body = body_of(&ev);
        assert!(
            body.windows(6).any(|w| w == b"forged"),
            "{payload:?}: the smuggled text is in the one message"
        );
        s.message_stored(T0, "Q");
        assert_eq!(out(&mut s), "250 Message accepted for delivery\r\n");
    }
}

#[test]
fn plaintext_after_starttls_is_discarded() {
    let mut config = ServerConfig::new("hamburger.edu");
    config.starttls_available = true;
    config.auth_enabled = true;
    let mut s = session(config);
    out(&mut s);
    say(&mut s, "EHLO crepes.fr\r\n");
    // CVE-2011-0411: the injected command rides in the same packet.
    let reply = say(
        &mut s,
        "STARTTLS\r\nRSET\r\nMAIL FROM:<mallory@evil.example>\r\n",
    );
    assert_eq!(reply, "220 2.0.0 Ready to start TLS\r\n");
    assert_eq!(events(&mut s), [ServerEvent::StartTls]);
    assert_eq!(
        say(&mut s, "NOOP\r\n"),
        "",
        "input before the handshake is ignored"
    );
    s.tls_established(T0);
    assert_eq!(say(&mut s, ""), "", "nothing of the plaintext was executed");
    // The session starts over: MAIL before EHLO is refused.
    assert_eq!(
        say(&mut s, "MAIL FROM:<a@b.c>\r\n"),
        "503 Error: send HELO/EHLO first\r\n"
    );
    let ehlo = say(&mut s, "EHLO crepes.fr\r\n");
    assert!(
        !ehlo.contains("STARTTLS") && ehlo.contains("250-AUTH PLAIN LOGIN\r\n"),
        "{ehlo}"
    );
}

#[test]
fn auth_plain_and_login_over_tls() {
    let mut config = ServerConfig::new("crepes.fr");
    config.tls_active = true;
    config.auth_enabled = true;
    config.require_auth = true;
    config.trace = true;
    let mut s = session(config);
    out(&mut s);
    say(&mut s, "EHLO client\r\n");
    assert_eq!(
        say(&mut s, "MAIL FROM:<alice@crepes.fr>\r\n"),
        "530 5.7.0 Authentication required\r\n"
    );
    // PLAIN with the empty challenge "334 " (RFC 4954 §4).
    assert_eq!(say(&mut s, "AUTH PLAIN\r\n"), "334 \r\n");
    say(&mut s, "AGFsaWNlAHdyb25n\r\n"); // \0alice\0wrong
    assert!(
        matches!(&events(&mut s)[..], [ServerEvent::Authenticate { user, password, .. }] if user == "alice" && password == "wrong")
    );
    s.auth_result(T0, false);
    assert_eq!(
        out(&mut s),
        "535 5.7.8 Authentication credentials invalid\r\n"
    );
    // LOGIN: Username:, Password:.
    assert_eq!(say(&mut s, "AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(say(&mut s, "YWxpY2U=\r\n"), "334 UGFzc3dvcmQ6\r\n");
    say(&mut s, "c2VjcmV0\r\n");
    assert!(
        matches!(&events(&mut s)[..], [ServerEvent::Authenticate { user, password, .. }] if user == "alice" && password == "secret")
    );
    s.auth_result(T0, true);
    assert_eq!(out(&mut s), "235 2.7.0 Authentication successful\r\n");
    // Authenticated: relaying to a foreign domain is allowed.
    say(&mut s, "MAIL FROM:<alice@crepes.fr>\r\n");
    assert_eq!(
        say(&mut s, "RCPT TO:<bob@hamburger.edu>\r\n"),
        "250 2.1.5 bob@hamburger.edu ... Recipient ok\r\n"
    );
    let transcript: Vec<String> = std::iter::from_fn(|| s.poll_trace())
        .map(|l| l.to_string())
        .collect();
    assert!(transcript.contains(&"C: ****".to_string()));
    assert!(
        !transcript
            .iter()
            .any(|l| l.contains("c2VjcmV0") || l.contains("AGFsaWNlAHdyb25n")),
        "{transcript:?}"
    );
}

#[test]
fn oversize_message_gets_552_after_streaming_stops() {
    let mut config = ServerConfig::new("hamburger.edu");
    config.max_message_size = 100;
    let mut s = session(config);
    say(&mut s, "EHLO crepes.fr\r\n");
    assert_eq!(
        say(&mut s, "MAIL FROM:<a@crepes.fr> SIZE=101\r\n"),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    );
    say(
        &mut s,
        "MAIL FROM:<a@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n",
    );
    events(&mut s);
    let line = "x".repeat(60) + "\r\n";
    assert_eq!(say(&mut s, &line), "");
    assert!(matches!(&events(&mut s)[..], [ServerEvent::MessageData(_)]));
    assert_eq!(say(&mut s, &line.repeat(1000)), "");
    assert_eq!(
        events(&mut s),
        [ServerEvent::MessageAborted],
        "the driver is told to drop the partial body"
    );
    assert_eq!(say(&mut s, &line), "");
    assert_eq!(events(&mut s), [], "no more data after the limit");
    assert_eq!(
        say(&mut s, ".\r\n"),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    );
    assert_eq!(
        say(&mut s, "NOOP\r\n"),
        "250 2.0.0 Ok\r\n",
        "the session goes on"
    );
}

#[test]
fn long_command_line_is_refused_and_skipped() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    say(&mut s, "HELO crepes.fr\r\n");
    let long = format!("NOOP {}\r\n", "x".repeat(2000));
    assert_eq!(say(&mut s, &long[..1500]), "500 line too long\r\n");
    assert_eq!(
        say(&mut s, &format!("{}NOOP\r\n", &long[1500..])),
        "250 Ok\r\n"
    );
    // Outside DATA a bare LF ends a command (interactive `nc` users).
    assert_eq!(say(&mut s, "NOOP\n"), "250 Ok\r\n");
    // Exactly 1000 octets with CRLF is fine.
    let max = format!("NOOP {}\r\n", "x".repeat(993));
    assert_eq!(max.len(), 1000);
    assert_eq!(say(&mut s, &max), "250 Ok\r\n");
}

#[test]
fn rcpt_flood_is_bounded() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    say(&mut s, "EHLO crepes.fr\r\nMAIL FROM:<a@crepes.fr>\r\n");
    let flood = "RCPT TO:<bob@hamburger.edu>\r\n".repeat(150);
    let replies = say(&mut s, &flood);
    assert_eq!(replies.matches("250 2.1.5").count(), 100);
    assert_eq!(replies.matches("452 4.5.3 Too many recipients").count(), 50);
    say(&mut s, "DATA\r\n.\r\n");
    let ServerEvent::MessageBegin(envelope) = &events(&mut s)[0] else {
        panic!()
    };
    assert_eq!(envelope.recipients.len(), 100);
}

#[test]
fn too_many_errors_close_the_session() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    out(&mut s);
    let replies = say(&mut s, &"FROB\r\n".repeat(20));
    assert_eq!(replies.matches("500 command not recognized").count(), 10);
    assert!(replies.ends_with("421 hamburger.edu Error: too many errors\r\n"));
    assert_eq!(
        events(&mut s),
        [ServerEvent::Closed(CloseReason::TooManyErrors)]
    );
    assert_eq!(say(&mut s, "NOOP\r\n"), "");
}

#[test]
fn command_order_is_enforced() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    out(&mut s);
    assert_eq!(
        say(&mut s, "RCPT TO:<bob@hamburger.edu>\r\n"),
        "503 Error: need MAIL command\r\n"
    );
    assert_eq!(say(&mut s, "DATA\r\n"), "503 Error: need MAIL command\r\n");
    say(&mut s, "EHLO crepes.fr\r\nMAIL FROM:<a@crepes.fr>\r\n");
    assert_eq!(
        say(&mut s, "MAIL FROM:<a@crepes.fr>\r\n"),
        "503 5.5.1 Error: nested MAIL command\r\n"
    );
    assert_eq!(
        say(&mut s, "DATA\r\n"),
        "503 5.5.1 Error: need RCPT command\r\n"
    );
    say(&mut s, "RCPT TO:<x@hamburger.edu>\r\n");
    assert_eq!(
        say(&mut s, "DATA\r\n"),
        "554 5.5.1 Error: no valid recipients\r\n"
    );
    assert_eq!(
        say(&mut s, "RSET\r\nMAIL FROM:<bad>\r\n"),
        "250 2.0.0 Ok\r\n501 5.1.3 syntax error in address: missing @\r\n"
    );
    assert_eq!(
        say(&mut s, "MAIL FROM:<δ@crepes.fr>\r\n"),
        "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n"
    );
    assert_eq!(
        say(&mut s, "MAIL FROM:<δ@crepes.fr> SMTPUTF8\r\n"),
        "250 2.1.0 δ@crepes.fr ... Sender ok\r\n"
    );
}

#[test]
fn idle_timeout_per_rfc5321() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    out(&mut s);
    assert_eq!(s.poll_timeout(), Some(T0 + Duration::from_secs(300)));
    s.handle_input(T0 + Duration::from_secs(100), b"HELO crepes.fr\r\nMAIL FROM:<a@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\npartial");
    out(&mut s);
    let deadline = s.poll_timeout().unwrap();
    assert_eq!(deadline, T0 + Duration::from_secs(400));
    s.handle_timeout(T0 + Duration::from_secs(399));
    assert!(!s.is_closed());
    s.handle_timeout(deadline);
    assert_eq!(out(&mut s), "421 hamburger.edu Error: timeout exceeded\r\n");
    let ev = events(&mut s);
    assert!(
        ev.ends_with(&[
            ServerEvent::MessageAborted,
            ServerEvent::Closed(CloseReason::Timeout)
        ]),
        "{ev:?}"
    );
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn no_timeout_while_the_driver_stores() {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    say(
        &mut s,
        "HELO crepes.fr\r\nMAIL FROM:<a@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\nx\r\n.\r\n",
    );
    assert_eq!(s.poll_timeout(), None);
    s.message_failed(T0);
    assert_eq!(
        out(&mut s),
        "451 Requested action aborted: local error in processing\r\n"
    );
}

/// Runs a whole conversation fed in the given chunks; returns everything
/// the server sent and the stored body.
fn run_chunked(input: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<u8>) {
    let mut s = session(ServerConfig::new("hamburger.edu"));
    let mut sent = s.poll_transmit().unwrap_or_default();
    let mut body = Vec::new();
    let mut start = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    bounds.sort_unstable();
    bounds.push(input.len());
    for end in bounds {
        s.handle_input(T0, &input[start..end.max(start)]);
        start = end.max(start);
        while let Some(e) = s.poll_event() {
            match e {
                ServerEvent::MessageData(d) => body.extend(d),
                ServerEvent::MessageEnd => s.message_stored(T0, "Q"),
                _ => {}
            }
        }
        sent.extend(s.poll_transmit().unwrap_or_default());
    }
    (sent, body)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
    #[test]
    fn any_chunking_gives_the_same_conversation(cuts in proptest::collection::vec(0usize..400, 0..12)) {
        let input = b"EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n\
Do you like ketchup?\r\n..stuffed\r\nbare\nlf and bare\rcr\r\n.\r\nNOOP\r\nQUIT\r\n";
        let whole = run_chunked(input, &[]);
        proptest::prop_assert_eq!(&whole.1, b"Do you like ketchup?\r\n.stuffed\r\nbare\nlf and bare\rcr\r\n");
        proptest::prop_assert_eq!(run_chunked(input, &cuts), whole);
    }

    #[test]
    fn random_input_never_panics(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
                                 cuts in proptest::collection::vec(0usize..600, 0..6)) {
        let prefix = b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<bob@hamburger.edu>\r\n";
        run_chunked(&[&prefix[..], &input].concat(), &cuts);
    }
}
