//! The server side of an SMTP session (RFC 5321 §3, §4.1.4 command order),
//! sans-IO: the driver feeds received bytes to [`ServerSession::handle_input`],
//! sends what [`ServerSession::poll_transmit`] returns, serves the requests of
//! [`ServerSession::poll_event`] and keeps the timer of
//! [`ServerSession::poll_timeout`].
//!
//! States: Greeting (220 sent) → Ready (after EHLO/HELO) → Mail (after MAIL)
//! → Rcpt (after the first accepted RCPT) → Data (body streaming) →
//! AwaitingStore (250 only after the driver's fsync) → Ready. AUTH and
//! STARTTLS pause the session until the driver answers. Pipelined commands
//! (RFC 2920) are simply read one after another; while the session waits
//! for the driver, later input stays buffered (bounded).
//!
//! Enhanced status codes (RFC 2034) are sent only to clients that said EHLO;
//! HELO clients get the classic replies, word for word the textbook's.

mod security;
mod transaction;

use super::config::{MAX_PENDING_INPUT, ServerConfig};
use super::data::DataReader;
use super::event::{CloseReason, ServerEvent};
use super::policy::RecipientPolicy;
use crate::smtp::address::{ForwardPath, ReversePath};
use crate::smtp::command::MAX_COMMAND_LINE;
use crate::smtp::command::{Command, MailParams};
use crate::smtp::reply::{EnhancedStatus, Reply};
use crate::smtp::trace::{Direction, TraceLine, Transcript};
use l7_wire::Instant;
use std::collections::VecDeque;

fn es(class: u8, subject: u16, detail: u16) -> Option<EnhancedStatus> {
    Some(EnhancedStatus::new(class, subject, detail))
}

/// A mail transaction in progress (RFC 5321 §3.3).
#[derive(Debug, Clone)]
struct Transaction {
    sender: ReversePath,
    params: MailParams,
    recipients: Vec<ForwardPath>,
    rejected: usize,
}

/// Where an AUTH exchange is waiting for the client's next line.
#[derive(Debug, Clone)]
enum AuthStep {
    Plain,
    LoginUser,
    LoginPassword { user: String },
}

#[derive(Debug, Clone)]
enum State {
    /// Greeting sent, no EHLO/HELO yet (also after STARTTLS, RFC 3207 §4.2).
    Greeting,
    /// EHLO/HELO done, no transaction.
    Ready,
    /// MAIL accepted, no recipient yet.
    Mail(Transaction),
    /// At least one recipient accepted.
    Rcpt(Transaction),
    /// Reading the body.
    Data {
        size: u64,
        oversize: bool,
        reader: DataReader,
    },
    /// Body complete; waiting for `message_stored`/`message_failed`.
    AwaitingStore,
    /// Waiting for a SASL response line from the client.
    AuthResponse(AuthStep),
    /// Waiting for the driver's `auth_result`.
    AwaitingAuthVerdict { user: String },
    /// `220 Ready to start TLS` sent; waiting for `tls_established`.
    AwaitingTls,
    /// The session is over.
    Closed,
}

/// One SMTP server session.
#[derive(Debug)]
pub struct ServerSession<P> {
    config: ServerConfig,
    policy: P,
    state: State,
    /// The EHLO/HELO name and whether it was EHLO.
    helo: Option<(String, bool)>,
    tls: bool,
    authenticated: Option<String>,
    errors: u32,
    auth_failures: u32,
    input: Vec<u8>,
    /// Discarding the rest of an over-long command line.
    skipping_line: bool,
    output: Vec<u8>,
    events: VecDeque<ServerEvent>,
    transcript: Transcript,
    last_activity: Instant,
}

impl<P: RecipientPolicy> ServerSession<P> {
    /// Starts a session on a new connection; the `220` greeting is queued.
    pub fn new(config: ServerConfig, policy: P, now: Instant) -> Self {
        let mut session = ServerSession {
            tls: config.tls_active,
            transcript: Transcript::new(config.trace),
            config,
            policy,
            state: State::Greeting,
            helo: None,
            authenticated: None,
            errors: 0,
            auth_failures: 0,
            input: Vec::new(),
            skipping_line: false,
            output: Vec::new(),
            events: VecDeque::new(),
            last_activity: now,
        };
        // RFC 5321 §4.2: Greeting = "220 " (Domain / address-literal) [ SP textstring ].
        let greeting = Reply::new(220, None, session.config.hostname.clone());
        session.reply(greeting);
        session
    }

    /// Feeds bytes received from the client.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        match self.state {
            State::Closed => return,
            // RFC 3207 §4 / CVE-2011-0411: nothing sent in plaintext after
            // STARTTLS may be executed after the handshake.
            State::AwaitingTls => return,
            _ => {}
        }
        self.last_activity = now;
        self.input.extend_from_slice(bytes);
        self.process();
    }

    /// Bytes to send to the client, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.output.is_empty()).then(|| std::mem::take(&mut self.output))
    }

    /// The next request or notice for the driver.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// The next `C:`/`S:` transcript line (only when `config.trace` is set).
    pub fn poll_trace(&mut self) -> Option<TraceLine> {
        self.transcript.poll()
    }

    /// When [`ServerSession::handle_timeout`] should be called: the idle
    /// deadline, or `None` while the session waits for the driver or is over.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Closed
            | State::AwaitingStore
            | State::AwaitingAuthVerdict { .. }
            | State::AwaitingTls => None,
            _ => Some(self.last_activity + self.config.idle_timeout),
        }
    }

    /// Ends an idle session with `421 4.4.2` (RFC 5321 §4.5.3.2.7).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|deadline| now >= deadline) {
            if matches!(
                self.state,
                State::Data {
                    oversize: false,
                    ..
                }
            ) {
                self.events.push_back(ServerEvent::MessageAborted);
            }
            let text = format!("{} Error: timeout exceeded", self.config.hostname);
            self.close(Reply::new(421, es(4, 4, 2), text), CloseReason::Timeout);
        }
    }

    /// True once the session has ended (after QUIT or a 421).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The TLS handshake requested by [`ServerEvent::StartTls`] succeeded.
    /// The session starts over (RFC 3207 §4.2): the client must EHLO again.
    pub fn tls_established(&mut self, now: Instant) {
        if matches!(self.state, State::AwaitingTls) {
            self.tls = true;
            self.helo = None;
            self.input.clear();
            self.state = State::Greeting;
            self.last_activity = now;
        }
    }

    /// The driver's verdict on [`ServerEvent::Authenticate`]. Drivers delay
    /// a failed verdict (a login delay) before calling this.
    pub fn auth_result(&mut self, now: Instant, ok: bool) {
        let State::AwaitingAuthVerdict { user } = std::mem::replace(&mut self.state, State::Ready)
        else {
            return;
        };
        self.last_activity = now;
        if ok {
            self.authenticated = Some(user);
            self.reply(Reply::new(235, es(2, 7, 0), "Authentication successful"));
        } else {
            self.auth_failures += 1;
            self.reply(Reply::new(
                535,
                es(5, 7, 8),
                "Authentication credentials invalid",
            ));
            if self.auth_failures >= self.config.max_auth_failures {
                let text = format!(
                    "{} Error: too many failed authentications",
                    self.config.hostname
                );
                self.close(
                    Reply::new(421, es(4, 7, 0), text),
                    CloseReason::TooManyAuthFailures,
                );
            }
        }
        self.process();
    }

    /// The body announced by [`ServerEvent::MessageEnd`] is durable (fsynced
    /// in the queue or a Maildir): acknowledge it with 250.
    pub fn message_stored(&mut self, now: Instant, queue_id: &str) {
        if matches!(self.state, State::AwaitingStore) {
            self.last_activity = now;
            self.state = self.idle_state();
            // The textbook's text; ESMTP clients also learn the queue id.
            let text = match self.esmtp() {
                true => format!("Message accepted for delivery as {queue_id}"),
                false => "Message accepted for delivery".to_string(),
            };
            self.reply(Reply::new(250, es(2, 0, 0), text));
            self.process();
        }
    }

    /// The body could not be stored: the client gets `451` and may retry.
    pub fn message_failed(&mut self, now: Instant) {
        if matches!(self.state, State::AwaitingStore) {
            self.last_activity = now;
            self.state = self.idle_state();
            self.reply(Reply::new(
                451,
                es(4, 3, 0),
                "Requested action aborted: local error in processing",
            ));
            self.process();
        }
    }

    fn esmtp(&self) -> bool {
        self.helo.as_ref().is_some_and(|(_, esmtp)| *esmtp)
    }

    fn idle_state(&self) -> State {
        if self.helo.is_some() {
            State::Ready
        } else {
            State::Greeting
        }
    }

    fn reply(&mut self, reply: Reply) {
        let reply = if self.esmtp() {
            reply
        } else {
            reply.without_enhanced()
        };
        let start = self.output.len();
        reply.emit(&mut self.output);
        self.transcript
            .lines(Direction::Server, &self.output[start..]);
    }

    /// Sends a reply to a client mistake and counts it (RFC 5321 §4.1.4
    /// lets servers drop clients that keep failing).
    fn error(&mut self, reply: Reply) {
        self.reply(reply);
        self.errors += 1;
        if self.errors >= self.config.max_errors {
            let text = format!("{} Error: too many errors", self.config.hostname);
            self.close(
                Reply::new(421, es(4, 7, 0), text),
                CloseReason::TooManyErrors,
            );
        }
    }

    fn close(&mut self, reply: Reply, reason: CloseReason) {
        self.reply(reply);
        self.state = State::Closed;
        self.input.clear();
        self.events.push_back(ServerEvent::Closed(reason));
    }

    fn process(&mut self) {
        loop {
            match self.state {
                State::Closed => return,
                State::AwaitingStore | State::AwaitingAuthVerdict { .. } | State::AwaitingTls => {
                    if self.input.len() > MAX_PENDING_INPUT {
                        let text =
                            format!("{} Error: too much pipelined input", self.config.hostname);
                        self.close(
                            Reply::new(421, es(4, 7, 0), text),
                            CloseReason::InputOverflow,
                        );
                    }
                    return;
                }
                State::Data { .. } => {
                    if !self.read_data() {
                        return;
                    }
                }
                _ => {
                    let Some(line) = self.next_line() else { return };
                    match std::mem::replace(&mut self.state, State::Ready) {
                        State::AuthResponse(step) => {
                            self.state = self.idle_state();
                            self.transcript.line(Direction::Client, b"****");
                            self.auth_response(step, &line);
                        }
                        other => {
                            self.state = other;
                            self.command_line(&line);
                        }
                    }
                }
            }
        }
    }

    /// Takes the next line from the input, without its line end. Lines end
    /// at LF with an optional CR before it: outside DATA a bare LF cannot
    /// smuggle anything, and interactive users of `nc` send one.
    fn next_line(&mut self) -> Option<Vec<u8>> {
        loop {
            if self.skipping_line {
                match self.input.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.input.drain(..=i);
                        self.skipping_line = false;
                    }
                    None => {
                        self.input.clear();
                        return None;
                    }
                }
            }
            let window = &self.input[..self.input.len().min(MAX_COMMAND_LINE)];
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.input.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Some(line);
            }
            if self.input.len() < MAX_COMMAND_LINE {
                return None;
            }
            // RFC 5321 §4.5.3.1.4 and §4.2.2: "500 line too long".
            self.transcript.line(Direction::Client, &self.input);
            self.skipping_line = true;
            self.error(Reply::new(500, es(5, 5, 6), "line too long"));
            if self.is_closed() {
                return None;
            }
        }
    }

    fn read_data(&mut self) -> bool {
        let State::Data {
            size,
            oversize,
            reader,
        } = &mut self.state
        else {
            return false;
        };
        let mut chunk = Vec::new();
        let end = reader.feed(&self.input, &mut chunk);
        let consumed = end.unwrap_or(self.input.len());
        *size = size.saturating_add(chunk.len() as u64);
        // RFC 1870 §6.1: the size is checked while the data streams in.
        let became_oversize = !*oversize && *size > self.config.max_message_size;
        if became_oversize {
            *oversize = true;
        }
        let oversize = *oversize;
        self.transcript
            .data(Direction::Client, &self.input[..consumed]);
        self.input.drain(..consumed);
        if became_oversize {
            self.events.push_back(ServerEvent::MessageAborted);
        } else if !oversize && !chunk.is_empty() {
            self.events.push_back(ServerEvent::MessageData(chunk));
        }
        if end.is_none() {
            return false;
        }
        if oversize {
            self.state = self.idle_state();
            let text = "Message size exceeds fixed maximum message size";
            self.error(Reply::new(552, es(5, 3, 4), text));
        } else {
            self.state = State::AwaitingStore;
            self.events.push_back(ServerEvent::MessageEnd);
        }
        true
    }

    fn command_line(&mut self, line: &[u8]) {
        self.transcript
            .line(Direction::Client, &security::mask_credentials(line));
        let command = match Command::parse_line(line) {
            Ok(c) => c,
            Err(e) => return self.error(e.reply()),
        };
        match command {
            Command::Ehlo(domain) => self.hello(domain, true),
            Command::Helo(domain) => self.hello(domain, false),
            Command::Mail { from, params } => self.mail(from, params),
            Command::Rcpt(to) => self.rcpt(to),
            Command::Data => self.data(),
            Command::Rset => {
                self.state = self.idle_state();
                self.reply(Reply::new(250, es(2, 0, 0), "Ok"));
            }
            Command::Noop => self.reply(Reply::new(250, es(2, 0, 0), "Ok")),
            // RFC 5321 §3.5.3: 252 when the server will not verify.
            Command::Vrfy(_) => self.reply(Reply::new(
                252,
                es(2, 5, 2),
                "Cannot VRFY user, but will accept message and attempt delivery",
            )),
            Command::Expn(_) => self.reply(Reply::new(502, es(5, 5, 1), "EXPN not supported")),
            Command::Help(_) => self.reply(Reply::multiline(
                214,
                es(2, 0, 0),
                vec![
                    "Commands supported:".into(),
                    "EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT STARTTLS AUTH".into(),
                ],
            )),
            Command::Quit => {
                let text = format!("{} closing connection", self.config.hostname);
                self.close(Reply::new(221, es(2, 0, 0), text), CloseReason::Quit);
            }
            Command::StartTls => self.starttls(),
            Command::Auth {
                mechanism,
                initial_response,
            } => self.auth(mechanism, initial_response),
        }
    }

    fn in_transaction(&self) -> bool {
        matches!(self.state, State::Mail(_) | State::Rcpt(_))
    }
}
