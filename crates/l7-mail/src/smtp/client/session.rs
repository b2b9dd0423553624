//! The client side of SMTP for relaying and submission (RFC 5321 §3, §4.5.3.2
//! timeouts), sans-IO: greeting → EHLO (HELO if EHLO is refused) →
//! STARTTLS when offered (opportunistic) or required → AUTH PLAIN when
//! credentials are given (only over TLS) → MAIL → RCPT... → DATA → body →
//! QUIT. With PIPELINING (RFC 2920) MAIL, every RCPT and DATA go out in one
//! write and the replies are matched in order.

use super::outcome::{DeliveryStatus, RecipientResult};
use super::stuffing::DotStuffer;
use crate::base64;
use crate::smtp::address::{ForwardPath, Mailbox, ReversePath};
use crate::smtp::command::{AuthMechanism, BodyType, Command, MailParams};
use crate::smtp::reply::{EnhancedStatus, Reply, Severity};
use crate::smtp::trace::{Direction, TraceLine, Transcript};
use l7_wire::{Instant, WireError};
use std::collections::VecDeque;
use std::time::Duration;

/// RFC 5321 §4.5.3.2.1-3: greeting, MAIL and RCPT replies within 5 minutes.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// RFC 5321 §4.5.3.2.4: the 354 after DATA within 2 minutes.
pub const DATA_INIT_TIMEOUT: Duration = Duration::from_secs(2 * 60);
/// RFC 5321 §4.5.3.2.6: the reply after the final dot within 10 minutes.
pub const DATA_END_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Most bytes of unparsed server replies kept (a reply is far smaller).
pub const MAX_REPLY_BUFFER: usize = 64 * 1024;

/// When to use STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Never upgrade.
    Never,
    /// Upgrade when offered, go on in plaintext otherwise (MX relaying).
    Opportunistic,
    /// Upgrade or give up (submission with credentials).
    Required,
}

/// Configuration of one client session.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Our name for EHLO/HELO.
    pub hostname: String,
    /// STARTTLS use.
    pub tls: TlsPolicy,
    /// The connection is already encrypted (implicit TLS, port 465).
    pub tls_active: bool,
    /// User name and password for AUTH PLAIN (submission), sent only over TLS.
    pub credentials: Option<(String, String)>,
    /// Record a `C:`/`S:` transcript.
    pub trace: bool,
}

/// The envelope of the message to relay and what MAIL needs to know of its
/// body; the body itself is streamed by the driver after
/// [`ClientEvent::SendBody`] (RFC 5322 text, any line ends: normalised to
/// CRLF and dot-stuffed on the way out).
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// MAIL FROM.
    pub sender: ReversePath,
    /// RCPT TO, in order.
    pub recipients: Vec<Mailbox>,
    /// The body's size in octets (RFC 1870 `SIZE=`).
    pub size: u64,
    /// The body has octets above 127 (RFC 6152 `BODY=8BITMIME`).
    pub eight_bit: bool,
}

impl OutgoingMessage {
    /// The envelope for `body` held in memory.
    pub fn for_body(sender: ReversePath, recipients: Vec<Mailbox>, body: &[u8]) -> Self {
        OutgoingMessage {
            sender,
            recipients,
            size: body.len() as u64,
            eight_bit: !body.is_ascii(),
        }
    }
}

/// What the client session asks of its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// Send the queued bytes, then run the TLS handshake and call
    /// `tls_established()` (or `connection_closed()` if it fails).
    StartTls,
    /// The server said 354: stream the body with `push_body()`, then call
    /// `end_body()`.
    SendBody,
    /// Every recipient's fate is known.
    Finished(Vec<RecipientResult>),
    /// The session is over: close the connection.
    Closed,
}

/// A reply the session waits for, in the order the commands were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    Auth,
    Mail,
    Rcpt(usize),
    Data,
    Body,
    /// The "." sent after a 354 that no recipient needed; its reply is ignored.
    EmptyBody,
    Quit,
}

/// Capabilities the server listed in its EHLO reply (RFC 5321 §4.1.1.1).
#[derive(Debug, Clone, Default)]
struct Extensions {
    pipelining: bool,
    starttls: bool,
    auth_plain: bool,
    eight_bit: bool,
    smtputf8: bool,
    size: Option<u64>,
}

impl Extensions {
    fn from_ehlo(reply: &Reply) -> Self {
        let mut ext = Extensions::default();
        for line in reply.lines().iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let keyword = words.next().unwrap_or("").to_ascii_uppercase();
            match keyword.as_str() {
                "PIPELINING" => ext.pipelining = true,
                "STARTTLS" => ext.starttls = true,
                "8BITMIME" => ext.eight_bit = true,
                "SMTPUTF8" => ext.smtputf8 = true,
                "SIZE" => ext.size = words.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0),
                "AUTH" => ext.auth_plain = words.any(|w| w.eq_ignore_ascii_case("PLAIN")),
                _ => {}
            }
        }
        ext
    }
}

/// One client session delivering one message.
#[derive(Debug)]
pub struct ClientSession {
    config: ClientConfig,
    message: OutgoingMessage,
    tls: bool,
    ext: Extensions,
    expect: VecDeque<Expect>,
    /// Results decided so far, by recipient index.
    results: Vec<Option<(DeliveryStatus, Reply)>>,
    /// Recipients the server accepted at RCPT.
    accepted: Vec<usize>,
    /// The MAIL command failed; RCPT and DATA replies no longer matter.
    mail_failed: bool,
    /// Commands not yet sent to a server without PIPELINING.
    held: VecDeque<(Command, Expect)>,
    /// The body being streamed, between `SendBody` and `end_body()`.
    stuffer: Option<DotStuffer>,
    finished: bool,
    closed: bool,
    input: Vec<u8>,
    output: Vec<u8>,
    events: VecDeque<ClientEvent>,
    transcript: Transcript,
    deadline: Option<Instant>,
}

fn local_failure(code: u16, e: EnhancedStatus, text: &str) -> Reply {
    Reply::new(code, Some(e), text)
}

impl ClientSession {
    /// Starts a session on a new connection; waits for the greeting.
    pub fn new(config: ClientConfig, message: OutgoingMessage, now: Instant) -> Self {
        let n = message.recipients.len();
        ClientSession {
            tls: config.tls_active,
            transcript: Transcript::new(config.trace),
            config,
            message,
            ext: Extensions::default(),
            expect: VecDeque::from([Expect::Greeting]),
            results: vec![None; n],
            accepted: Vec::new(),
            mail_failed: false,
            held: VecDeque::new(),
            stuffer: None,
            finished: false,
            closed: false,
            input: Vec::new(),
            output: Vec::new(),
            events: VecDeque::new(),
            deadline: Some(now + COMMAND_TIMEOUT),
        }
    }

    /// Feeds bytes received from the server.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if self.closed {
            return;
        }
        self.input.extend_from_slice(bytes);
        loop {
            match Reply::parse(&self.input) {
                Ok((reply, used)) => {
                    self.transcript
                        .lines(Direction::Server, &self.input[..used]);
                    self.input.drain(..used);
                    self.on_reply(now, reply);
                    if self.closed {
                        return;
                    }
                }
                Err(WireError::Incomplete) if self.input.len() <= MAX_REPLY_BUFFER => return,
                Err(_) => {
                    let reply = local_failure(
                        451,
                        EnhancedStatus::new(4, 5, 0),
                        "malformed reply from server",
                    );
                    return self.abort(reply);
                }
            }
        }
    }

    /// Bytes to send to the server, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.output.is_empty()).then(|| std::mem::take(&mut self.output))
    }

    /// The next request or result for the driver.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// The next `C:`/`S:` transcript line (only when `config.trace` is set).
    pub fn poll_trace(&mut self) -> Option<TraceLine> {
        self.transcript.poll()
    }

    /// When the reply being waited for is overdue.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed { None } else { self.deadline }
    }

    /// Gives up when the awaited reply is overdue (undecided recipients: transient).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|d| now >= d) {
            self.abort(local_failure(
                451,
                EnhancedStatus::new(4, 4, 2),
                "timeout waiting for the server",
            ));
        }
    }

    /// The connection broke (or the TLS handshake failed).
    pub fn connection_closed(&mut self) {
        if !self.closed {
            self.abort(local_failure(
                451,
                EnhancedStatus::new(4, 4, 2),
                "connection lost",
            ));
        }
    }

    /// The TLS handshake after [`ClientEvent::StartTls`] succeeded; EHLO again
    /// (RFC 3207 §4.2).
    pub fn tls_established(&mut self, now: Instant) {
        if !self.closed && !self.tls && self.expect.is_empty() {
            self.tls = true;
            self.ext = Extensions::default();
            self.send(
                now,
                Command::Ehlo(self.config.hostname.clone()),
                Expect::Ehlo,
            );
        }
    }

    fn send(&mut self, now: Instant, command: Command, expect: Expect) {
        let start = self.output.len();
        command.emit(&mut self.output);
        let shown = match &command {
            Command::Auth { mechanism, .. } => {
                format!("AUTH {} ****", mechanism.name()).into_bytes()
            }
            _ => self.output[start..self.output.len() - 2].to_vec(),
        };
        self.transcript.line(Direction::Client, &shown);
        self.wait_for(now, expect);
    }

    fn wait_for(&mut self, now: Instant, expect: Expect) {
        if self.expect.is_empty() {
            self.deadline = Some(now + timeout_for(expect));
        }
        self.expect.push_back(expect);
    }

    fn on_reply(&mut self, now: Instant, reply: Reply) {
        let Some(expect) = self.expect.pop_front() else {
            // RFC 2920 §3.1 forbids unsolicited replies.
            let reply = local_failure(
                451,
                EnhancedStatus::new(4, 5, 0),
                "unexpected reply from server",
            );
            return self.abort(reply);
        };
        self.deadline = self.expect.front().map(|&e| now + timeout_for(e));
        let ok = reply.severity() == Severity::Success;
        if matches!(expect, Expect::Mail | Expect::Rcpt(_)) && !self.held.is_empty() {
            self.on_transaction_reply(expect, reply);
            return self.release_next(now);
        }
        match expect {
            Expect::Greeting if reply.code() == 220 => self.send(
                now,
                Command::Ehlo(self.config.hostname.clone()),
                Expect::Ehlo,
            ),
            Expect::Ehlo if ok => {
                self.ext = Extensions::from_ehlo(&reply);
                self.after_hello(now);
            }
            // RFC 5321 §4.1.4 / §3.2: a server without ESMTP answers 5xx to EHLO.
            Expect::Ehlo if reply.severity() == Severity::Permanent && !self.tls => self.send(
                now,
                Command::Helo(self.config.hostname.clone()),
                Expect::Helo,
            ),
            Expect::Helo if ok => self.after_hello(now),
            Expect::StartTls if reply.code() == 220 => {
                // Anything buffered now was sent in plaintext: drop it.
                self.input.clear();
                self.events.push_back(ClientEvent::StartTls);
            }
            Expect::StartTls if self.config.tls == TlsPolicy::Opportunistic => {
                self.start_transaction(now)
            }
            Expect::Auth if reply.code() == 235 => self.start_transaction(now),
            Expect::Mail | Expect::Rcpt(_) => self.on_transaction_reply(expect, reply),
            Expect::Data if reply.code() == 354 => self.send_body(now),
            Expect::Data => {
                if !self.mail_failed {
                    self.fail_undecided(&reply);
                }
                self.quit(now);
            }
            Expect::Body => {
                let status = if ok {
                    DeliveryStatus::Delivered
                } else {
                    DeliveryStatus::of_failure(&reply)
                };
                for &i in &self.accepted {
                    self.results[i] = Some((status, reply.clone()));
                }
                self.quit(now);
            }
            Expect::EmptyBody => self.quit(now),
            Expect::Quit => self.close(),
            // Greeting, EHLO+HELO, STARTTLS (required) or AUTH refused.
            _ => {
                self.fail_undecided(&reply);
                self.quit(now);
            }
        }
    }

    /// Records the reply to MAIL or to one RCPT.
    fn on_transaction_reply(&mut self, expect: Expect, reply: Reply) {
        let ok = reply.severity() == Severity::Success;
        match expect {
            Expect::Mail if !ok => {
                self.mail_failed = true;
                self.fail_undecided(&reply);
            }
            Expect::Rcpt(i) if ok && !self.mail_failed => self.accepted.push(i),
            Expect::Rcpt(i) if !self.mail_failed => {
                self.results[i] = Some((DeliveryStatus::of_failure(&reply), reply));
            }
            _ => {}
        }
    }

    fn after_hello(&mut self, now: Instant) {
        let want_tls = self.config.tls != TlsPolicy::Never || self.config.credentials.is_some();
        if !self.tls && want_tls && self.ext.starttls {
            return self.send(now, Command::StartTls, Expect::StartTls);
        }
        if !self.tls
            && (self.config.tls == TlsPolicy::Required || self.config.credentials.is_some())
        {
            let reply = local_failure(
                530,
                EnhancedStatus::new(5, 7, 10),
                "server does not offer STARTTLS",
            );
            self.fail_undecided(&reply);
            return self.quit(now);
        }
        if let Some((user, password)) = self.config.credentials.clone() {
            if !self.ext.auth_plain {
                let reply = local_failure(
                    530,
                    EnhancedStatus::new(5, 7, 0),
                    "server does not offer AUTH PLAIN",
                );
                self.fail_undecided(&reply);
                return self.quit(now);
            }
            // RFC 4616 §2: authzid (empty) NUL authcid NUL passwd.
            let response = base64::encode(format!("\0{user}\0{password}").as_bytes());
            let auth = Command::Auth {
                mechanism: AuthMechanism::Plain,
                initial_response: Some(response),
            };
            return self.send(now, auth, Expect::Auth);
        }
        self.start_transaction(now);
    }

    fn start_transaction(&mut self, now: Instant) {
        let needs_utf8 = self.message.sender.mailbox().is_some_and(Mailbox::is_utf8)
            || self.message.recipients.iter().any(Mailbox::is_utf8);
        let size = self.message.size;
        if needs_utf8 && !self.ext.smtputf8 {
            let reply = local_failure(
                553,
                EnhancedStatus::new(5, 6, 7),
                "server does not support SMTPUTF8",
            );
            self.fail_undecided(&reply);
            return self.quit(now);
        }
        if self.ext.size.is_some_and(|limit| size > limit) {
            let reply = local_failure(
                552,
                EnhancedStatus::new(5, 3, 4),
                "message exceeds the server's SIZE limit",
            );
            self.fail_undecided(&reply);
            return self.quit(now);
        }
        let params = MailParams {
            size: self.ext.size.map(|_| size),
            body: (self.ext.eight_bit && self.message.eight_bit).then_some(BodyType::EightBitMime),
            smtputf8: needs_utf8,
        };
        let mut commands = VecDeque::from([(
            Command::Mail {
                from: self.message.sender.clone(),
                params,
            },
            Expect::Mail,
        )]);
        for (i, rcpt) in self.message.recipients.iter().enumerate() {
            commands.push_back((
                Command::Rcpt(ForwardPath::Mailbox(rcpt.clone())),
                Expect::Rcpt(i),
            ));
        }
        commands.push_back((Command::Data, Expect::Data));
        self.held = commands;
        // RFC 2920 §3.1: with PIPELINING the whole group goes out at once;
        // without it, one command per reply (see `release_next`).
        while let Some((command, expect)) = self.held.pop_front() {
            self.send(now, command, expect);
            if !self.ext.pipelining {
                break;
            }
        }
    }

    /// Without PIPELINING: after a MAIL or RCPT reply, sends the next held
    /// command, or QUIT when nothing can succeed any more.
    fn release_next(&mut self, now: Instant) {
        let next_is_data = matches!(self.held.front(), Some((_, Expect::Data)));
        if self.mail_failed || (next_is_data && self.accepted.is_empty()) {
            self.held.clear();
            let reply = local_failure(554, EnhancedStatus::new(5, 5, 0), "no recipient accepted");
            self.fail_undecided(&reply);
            return self.quit(now);
        }
        if let Some((command, expect)) = self.held.pop_front() {
            self.send(now, command, expect);
        }
    }

    fn send_body(&mut self, now: Instant) {
        if self.accepted.is_empty() {
            // RFC 2920 §3.1: the server said 354 though no RCPT succeeded.
            self.output.extend_from_slice(b".\r\n");
            self.transcript.line(Direction::Client, b".");
            return self.wait_for(now, Expect::EmptyBody);
        }
        self.stuffer = Some(DotStuffer::default());
        self.events.push_back(ClientEvent::SendBody);
    }

    /// The next chunk of the body, after [`ClientEvent::SendBody`]
    /// (RFC 5321 §4.5.2: dot-stuffed on the way out).
    pub fn push_body(&mut self, chunk: &[u8]) {
        if let Some(stuffer) = &mut self.stuffer {
            let start = self.output.len();
            stuffer.push(chunk, &mut self.output);
            self.transcript
                .data(Direction::Client, &self.output[start..]);
        }
    }

    /// The body is complete: sends the final `.` and waits for the reply.
    pub fn end_body(&mut self, now: Instant) {
        if let Some(stuffer) = self.stuffer.take() {
            let start = self.output.len();
            stuffer.finish(&mut self.output);
            self.transcript
                .data(Direction::Client, &self.output[start..]);
            self.transcript.line(Direction::Client, b".");
            self.output.extend_from_slice(b".\r\n");
            self.wait_for(now, Expect::Body);
        }
    }

    fn fail_undecided(&mut self, reply: &Reply) {
        let status = DeliveryStatus::of_failure(reply);
        for result in self.results.iter_mut().filter(|r| r.is_none()) {
            *result = Some((status, reply.clone()));
        }
    }

    fn quit(&mut self, now: Instant) {
        self.finish();
        self.expect.clear();
        self.send(now, Command::Quit, Expect::Quit);
    }

    /// Emits `Finished` once, with every recipient decided.
    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let fallback = local_failure(451, EnhancedStatus::new(4, 4, 0), "delivery not completed");
        let results = self
            .message
            .recipients
            .iter()
            .zip(&self.results)
            .map(|(rcpt, result)| {
                let (status, reply) = result
                    .clone()
                    .unwrap_or((DeliveryStatus::Transient, fallback.clone()));
                RecipientResult {
                    recipient: rcpt.clone(),
                    status,
                    reply,
                }
            })
            .collect();
        self.events.push_back(ClientEvent::Finished(results));
    }

    fn abort(&mut self, reply: Reply) {
        self.fail_undecided(&reply);
        self.close();
    }

    fn close(&mut self) {
        self.finish();
        self.closed = true;
        self.deadline = None;
        self.events.push_back(ClientEvent::Closed);
    }
}

fn timeout_for(expect: Expect) -> Duration {
    match expect {
        Expect::Data => DATA_INIT_TIMEOUT,
        Expect::Body | Expect::EmptyBody => DATA_END_TIMEOUT,
        _ => COMMAND_TIMEOUT,
    }
}
