//! The server side of a POP3 session (RFC 1939 §3-§6), sans-IO: the driver
//! feeds received bytes to [`Pop3Session::handle_input`], sends what
//! [`Pop3Session::poll_transmit`] returns, serves [`Pop3Event`]s and keeps
//! the timer of [`Pop3Session::poll_timeout`].
//!
//! States: Authorization (greeting sent; USER/PASS, AUTH PLAIN, STLS,
//! CAPA) → Transaction (the maildrop is locked; STAT, LIST, RETR, DELE,
//! TOP, UIDL, RSET, NOOP) → Update (after QUIT: marked messages removed) →
//! Closed. A session that ends any other way (timeout, dropped or killed
//! connection) never enters Update, so nothing is deleted.
//!
//! Plaintext passwords are refused before TLS unless the driver allows them
//! (loopback-only servers, RFC 2595 §2.1). A failed login is answered only
//! after a delay that grows with each failure, and the connection closes
//! after [`Pop3Config::max_failures`].

use super::command::{Command, MAX_COMMAND_LINE, ParseError};
use super::maildrop::Maildrop;
use super::response::{err, multiline_body, ok, top};
use crate::smtp::server::auth::decode_plain;
use crate::smtp::trace::{Direction, TraceLine, Transcript};
use l7_wire::Instant;
use std::collections::VecDeque;
use std::time::Duration;

/// Most bytes buffered from a client that pipelines commands while the
/// session waits for the driver (RFC 2449 §6.6 PIPELINING).
pub const MAX_PENDING_INPUT: usize = 64 * 1024;

/// A session's settings.
#[derive(Debug, Clone)]
pub struct Pop3Config {
    /// Named in the greeting.
    pub hostname: String,
    /// STLS is offered (a certificate is configured).
    pub tls_available: bool,
    /// USER/PASS and AUTH PLAIN work without TLS (loopback-only servers).
    pub plaintext_auth: bool,
    /// Appended to a user name without `@` (`user bob` → bob@domain).
    pub default_domain: Option<String>,
    /// Record a `C:`/`S:` transcript.
    pub trace: bool,
    /// Inactivity autologout (RFC 1939 §3: at least 10 minutes).
    pub idle_timeout: Duration,
    /// Delay before answering a failed login, times the failures so far.
    pub failure_delay: Duration,
    /// Failed logins before the connection is closed.
    pub max_failures: u32,
}

impl Pop3Config {
    /// Defaults for `hostname`: no TLS, plaintext refused, 10 min autologout,
    /// 2 s per failure, 3 failures.
    pub fn new(hostname: impl Into<String>) -> Self {
        Pop3Config {
            hostname: hostname.into(),
            tls_available: false,
            plaintext_auth: false,
            default_domain: None,
            trace: false,
            idle_timeout: Duration::from_secs(600),
            failure_delay: Duration::from_secs(2),
            max_failures: 3,
        }
    }
}

/// What the session asks of its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pop3Event {
    /// `+OK` to STLS is queued: send it, start the TLS handshake, then call
    /// [`Pop3Session::tls_established`].
    StartTls,
    /// Check this login; answer with [`Pop3Session::login_accepted`] or
    /// [`Pop3Session::login_refused`].
    Authenticate {
        /// The user, with the default domain applied.
        user: String,
        /// The password.
        password: String,
    },
    /// The session is over; the driver closes the connection.
    Closed,
}

/// Why a login did not open the maildrop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Wrong user name or password.
    BadCredentials,
    /// Another session holds the maildrop (RFC 2449 §8.1.1 `[IN-USE]`).
    InUse,
    /// The maildrop could not be read (`[SYS/TEMP]`, RFC 3206).
    Unavailable,
}

#[derive(Debug)]
enum State {
    /// Greeting sent; `user` after an accepted USER.
    Authorization { user: Option<String> },
    /// `+ ` sent after `AUTH PLAIN`; waiting for the response line.
    SaslResponse,
    /// Waiting for the driver's verdict on a login.
    AwaitingLogin,
    /// `+OK` to STLS sent; waiting for the handshake.
    AwaitingTls,
    /// Logged in, maildrop locked.
    Transaction(Maildrop),
    /// Over.
    Closed,
}

/// One POP3 server session.
#[derive(Debug)]
pub struct Pop3Session {
    config: Pop3Config,
    state: State,
    tls: bool,
    input: Vec<u8>,
    output: VecDeque<Vec<u8>>,
    events: VecDeque<Pop3Event>,
    transcript: Transcript,
    failures: u32,
    /// A refusal held back until the failure delay has passed.
    delayed: Option<(Instant, Vec<u8>)>,
    last_activity: Instant,
}

impl Pop3Session {
    /// A new session; the greeting is queued. `tls` is true on an
    /// implicit-TLS port (995).
    pub fn new(config: Pop3Config, now: Instant, tls: bool) -> Self {
        let mut s = Pop3Session {
            transcript: Transcript::new(config.trace),
            config,
            state: State::Authorization { user: None },
            tls,
            input: Vec::new(),
            output: VecDeque::new(),
            events: VecDeque::new(),
            failures: 0,
            delayed: None,
            last_activity: now,
        };
        // The textbook's greeting (§2.3.4), plus who we are.
        let greeting = format!("POP3 server ready ({})", s.config.hostname);
        s.reply(|out| ok(out, &greeting));
        s
    }

    fn reply(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut out = Vec::new();
        write(&mut out);
        self.send(out);
    }

    fn send(&mut self, out: Vec<u8>) {
        self.transcript.lines(Direction::Server, &out);
        self.output.push_back(out);
    }

    fn close(&mut self) {
        self.state = State::Closed;
        self.input.clear();
        self.events.push_back(Pop3Event::Closed);
    }

    fn waiting(&self) -> bool {
        self.delayed.is_some()
            || matches!(
                self.state,
                State::AwaitingLogin | State::AwaitingTls | State::Closed
            )
    }

    /// Feeds bytes read from the client.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if matches!(self.state, State::Closed) {
            return;
        }
        self.last_activity = now;
        if self.input.len() + bytes.len() > MAX_PENDING_INPUT {
            self.reply(|out| err(out, "too much input at once; closing"));
            self.close();
            return;
        }
        self.input.extend_from_slice(bytes);
        self.process();
    }

    /// Runs every complete command line while not waiting on the driver.
    fn process(&mut self) {
        while !self.waiting() {
            let Some(end) = self.input.iter().position(|&b| b == b'\n') else {
                if self.input.len() > MAX_COMMAND_LINE {
                    self.reply(|out| err(out, "command line too long; closing"));
                    self.close();
                }
                return;
            };
            let mut line: Vec<u8> = self.input.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.line(&line);
        }
    }

    fn line(&mut self, line: &[u8]) {
        if matches!(self.state, State::SaslResponse) {
            self.transcript.line(Direction::Client, b"(SASL response)");
            self.state = self.sasl_response(line);
            return;
        }
        let traced = if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"PASS ") {
            b"PASS ****".as_slice()
        } else {
            line
        };
        self.transcript.line(Direction::Client, traced);
        match Command::parse(line) {
            Ok(command) => self.command(command),
            Err(ParseError::TooLong) => {
                self.reply(|out| err(out, "command line too long"));
            }
            Err(e) => {
                let text = e.to_string();
                self.reply(|out| err(out, &text));
            }
        }
    }

    fn may_send_password(&self) -> bool {
        self.tls || self.config.plaintext_auth
    }

    fn qualify(&self, user: &str) -> String {
        match &self.config.default_domain {
            Some(domain) if !user.contains('@') => format!("{user}@{domain}"),
            _ => user.to_string(),
        }
    }

    fn command(&mut self, command: Command) {
        let state = std::mem::replace(&mut self.state, State::Closed);
        let next = match state {
            State::Authorization { user } => self.authorization(command, user),
            State::Transaction(drop) => self.transaction(command, drop),
            other => other,
        };
        if matches!(next, State::Closed) {
            self.close();
        } else {
            self.state = next;
        }
    }

    fn capabilities(&self, in_auth: bool) -> Vec<u8> {
        // RFC 2449 §6: the capabilities of the current state.
        let mut caps = vec!["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
        if in_auth && self.may_send_password() {
            caps.push("USER");
            caps.push("SASL PLAIN");
        }
        if in_auth && self.config.tls_available && !self.tls {
            caps.push("STLS");
        }
        caps.push("IMPLEMENTATION l7");
        let mut body = Vec::new();
        for c in caps {
            body.extend_from_slice(c.as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        let mut out = Vec::new();
        ok(&mut out, "Capability list follows");
        multiline_body(&mut out, &body);
        out
    }

    fn authorization(&mut self, command: Command, user: Option<String>) -> State {
        let plaintext_refusal =
            "[AUTH] plaintext passwords need TLS first: send STLS (or use port 995)";
        match command {
            Command::Capa => {
                let caps = self.capabilities(true);
                self.send(caps);
                State::Authorization { user }
            }
            Command::User(name) => {
                if !self.may_send_password() {
                    self.reply(|out| err(out, plaintext_refusal));
                    return State::Authorization { user: None };
                }
                self.reply(|out| ok(out, ""));
                State::Authorization { user: Some(name) }
            }
            Command::Pass(password) => match user {
                Some(name) if self.may_send_password() => {
                    let user = self.qualify(&name);
                    self.events
                        .push_back(Pop3Event::Authenticate { user, password });
                    State::AwaitingLogin
                }
                Some(_) => {
                    self.reply(|out| err(out, plaintext_refusal));
                    State::Authorization { user: None }
                }
                None => {
                    self.reply(|out| err(out, "send USER first"));
                    State::Authorization { user: None }
                }
            },
            Command::Auth { mechanism, initial } => {
                if mechanism != "PLAIN" {
                    self.reply(|out| err(out, "unsupported SASL mechanism; use PLAIN"));
                    return State::Authorization { user: None };
                }
                if !self.may_send_password() {
                    self.reply(|out| err(out, plaintext_refusal));
                    return State::Authorization { user: None };
                }
                match initial {
                    Some(response) => self.sasl_response(response.as_bytes()),
                    None => {
                        // RFC 5034 §4: an empty challenge.
                        self.send(b"+ \r\n".to_vec());
                        State::SaslResponse
                    }
                }
            }
            Command::Stls => {
                if self.tls || !self.config.tls_available {
                    self.reply(|out| err(out, "STLS is not available here"));
                    return State::Authorization { user };
                }
                self.reply(|out| ok(out, "Begin TLS negotiation"));
                self.events.push_back(Pop3Event::StartTls);
                State::AwaitingTls
            }
            Command::Noop => {
                self.reply(|out| ok(out, ""));
                State::Authorization { user }
            }
            Command::Quit => {
                self.reply(|out| ok(out, "POP3 server signing off"));
                State::Closed
            }
            _ => {
                self.reply(|out| err(out, "log in first (USER and PASS)"));
                State::Authorization { user }
            }
        }
    }

    fn sasl_response(&mut self, line: &[u8]) -> State {
        if line == b"*" {
            // RFC 5034 §4: the client cancels.
            self.reply(|out| err(out, "authentication cancelled"));
            return State::Authorization { user: None };
        }
        match decode_plain(line) {
            Ok((user, password)) => {
                let user = self.qualify(&user);
                self.events
                    .push_back(Pop3Event::Authenticate { user, password });
                State::AwaitingLogin
            }
            Err(_) => {
                self.reply(|out| err(out, "[AUTH] malformed PLAIN response"));
                State::Authorization { user: None }
            }
        }
    }

    fn transaction(&mut self, command: Command, mut drop: Maildrop) -> State {
        let no_such = |n: u32| format!("no such message: {n} (deleted or out of range)");
        match command {
            Command::Stat => {
                let (n, size) = drop.stat();
                self.reply(|out| ok(out, &format!("{n} {size}")));
            }
            Command::List(None) | Command::Uidl(None) => {
                let uidl = matches!(command, Command::Uidl(None));
                let (n, size) = drop.stat();
                let mut body = Vec::new();
                for (i, octets, uid) in drop.live() {
                    let line = if uidl {
                        format!("{i} {uid}\r\n")
                    } else {
                        format!("{i} {octets}\r\n")
                    };
                    body.extend_from_slice(line.as_bytes());
                }
                let mut out = Vec::new();
                ok(&mut out, &format!("{n} messages ({size} octets)"));
                multiline_body(&mut out, &body);
                self.send(out);
            }
            Command::List(Some(i)) => match drop.info(i) {
                Some((size, _)) => self.reply(|out| ok(out, &format!("{i} {size}"))),
                None => self.reply(|out| err(out, &no_such(i))),
            },
            Command::Uidl(Some(i)) => match drop.info(i) {
                Some((_, uid)) => {
                    let text = format!("{i} {uid}");
                    self.reply(|out| ok(out, &text));
                }
                None => self.reply(|out| err(out, &no_such(i))),
            },
            Command::Retr(i) | Command::Top(i, _) => match drop.read(i) {
                Some(Ok(message)) => {
                    let mut out = Vec::new();
                    let body = match command {
                        Command::Top(_, lines) => {
                            ok(&mut out, "top of message follows");
                            top(&message, lines)
                        }
                        _ => {
                            ok(&mut out, &format!("{} octets", message.len()));
                            &message[..]
                        }
                    };
                    multiline_body(&mut out, body);
                    self.send(out);
                }
                Some(Err(_)) => self.reply(|out| {
                    err(
                        out,
                        &format!("[SYS/TEMP] cannot read message {i}; try again"),
                    )
                }),
                None => self.reply(|out| err(out, &no_such(i))),
            },
            Command::Dele(i) => {
                if drop.mark_deleted(i) {
                    self.reply(|out| ok(out, &format!("message {i} deleted")));
                } else {
                    self.reply(|out| err(out, &no_such(i)));
                }
            }
            Command::Rset => {
                drop.unmark_all();
                let (n, size) = drop.stat();
                self.reply(|out| ok(out, &format!("maildrop has {n} messages ({size} octets)")));
            }
            Command::Noop => self.reply(|out| ok(out, "")),
            Command::Capa => {
                let caps = self.capabilities(false);
                self.send(caps);
            }
            Command::Quit => {
                // RFC 1939 §6: the UPDATE state.
                match drop.update() {
                    Ok(_) => self.reply(|out| ok(out, "POP3 server signing off")),
                    Err(_) => self
                        .reply(|out| err(out, "[SYS/TEMP] some deleted messages were not removed")),
                }
                return State::Closed;
            }
            Command::User(_) | Command::Pass(_) | Command::Auth { .. } | Command::Stls => {
                self.reply(|out| err(out, "already logged in"));
            }
        }
        State::Transaction(drop)
    }

    /// The driver's verdict: the login is good and the maildrop is locked.
    pub fn login_accepted(&mut self, now: Instant, maildrop: Maildrop) {
        if !matches!(self.state, State::AwaitingLogin) {
            return;
        }
        self.reply(|out| ok(out, "user successfully logged on"));
        self.last_activity = now;
        self.state = State::Transaction(maildrop);
        self.process();
    }

    /// The driver's verdict: the login failed.
    pub fn login_refused(&mut self, now: Instant, why: LoginRefusal) {
        if !matches!(self.state, State::AwaitingLogin) {
            return;
        }
        self.state = State::Authorization { user: None };
        let mut out = Vec::new();
        match why {
            LoginRefusal::InUse => {
                err(
                    &mut out,
                    "[IN-USE] the maildrop is in use by another session",
                );
                self.send(out);
            }
            LoginRefusal::Unavailable => {
                err(
                    &mut out,
                    "[SYS/TEMP] the maildrop cannot be read; try later",
                );
                self.send(out);
            }
            LoginRefusal::BadCredentials => {
                self.failures += 1;
                err(&mut out, "[AUTH] invalid user name or password");
                let delay = self.config.failure_delay * self.failures;
                self.delayed = Some((now + delay, out));
                return;
            }
        }
        self.process();
    }

    /// The TLS handshake after STLS finished; anything the client sent
    /// before it is discarded (RFC 2595 §4, like RFC 3207 §4.2).
    pub fn tls_established(&mut self, now: Instant) {
        if !matches!(self.state, State::AwaitingTls) {
            return;
        }
        self.tls = true;
        self.input.clear();
        self.last_activity = now;
        self.state = State::Authorization { user: None };
    }

    /// The driver's timer fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((at, _)) = &self.delayed
            && now >= *at
            && let Some((_, out)) = self.delayed.take()
        {
            self.send(out);
            if self.failures >= self.config.max_failures {
                self.reply(|out| err(out, "too many failed logins; closing"));
                self.close();
                return;
            }
            self.process();
        }
        if !matches!(self.state, State::Closed)
            && now >= self.last_activity + self.config.idle_timeout
        {
            // RFC 1939 §3: autologout, without entering UPDATE.
            self.reply(|out| err(out, "autologout: idle for too long"));
            self.close();
        }
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if matches!(self.state, State::Closed) {
            return None;
        }
        let idle = self.last_activity + self.config.idle_timeout;
        Some(match &self.delayed {
            Some((at, _)) => idle.min(*at),
            None => idle,
        })
    }

    /// The next bytes to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.output.pop_front()
    }

    /// The next request for the driver.
    pub fn poll_event(&mut self) -> Option<Pop3Event> {
        self.events.pop_front()
    }

    /// The next traced line.
    pub fn poll_trace(&mut self) -> Option<TraceLine> {
        self.transcript.poll()
    }

    /// True once the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }
}
