//! The server side of an IMAP session (RFC 3501 §3, RFC 9051 §3), sans-IO:
//! the driver sets the wall clock with [`ImapSession::set_unix_time`], feeds
//! received bytes to [`ImapSession::handle_input`], sends what
//! [`ImapSession::poll_transmit`] returns, serves [`ImapEvent`]s and keeps
//! the timer of [`ImapSession::poll_timeout`] (which also paces IDLE's
//! checks for new mail).
//!
//! States (RFC 3501 §3): Not Authenticated → Authenticated → Selected →
//! Logout. The commands of each family live in their own files:
//! [`super::any_state`] (CAPABILITY, NOOP, LOGOUT, STARTTLS, LOGIN,
//! AUTHENTICATE), [`super::mailboxes`] (SELECT, EXAMINE, CREATE, DELETE,
//! RENAME, LIST, LSUB, SUBSCRIBE, STATUS, APPEND) and [`super::selected`]
//! (CHECK, CLOSE, UNSELECT, EXPUNGE, SEARCH, FETCH, STORE, COPY, MOVE, UID,
//! IDLE).

use super::mailbox::Mailbox;
use super::parser::{self, Command, Frame};
use super::selected::FetchJob;
use crate::smtp::trace::{Direction, TraceLine, Transcript};
use l7_wire::Instant;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

/// Most bytes buffered from a client (a command with its literals).
pub const MAX_PENDING_INPUT: usize = parser::MAX_LITERAL + 64 * 1024;
/// How often IDLE looks for new mail.
pub const IDLE_POLL: Duration = Duration::from_millis(500);

/// A session's settings.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// Named in the greeting.
    pub hostname: String,
    /// STARTTLS is offered.
    pub tls_available: bool,
    /// LOGIN and AUTHENTICATE PLAIN work without TLS (loopback-only servers).
    pub plaintext_auth: bool,
    /// Appended to a login name without `@`.
    pub default_domain: Option<String>,
    /// Record a `C:`/`S:` transcript.
    pub trace: bool,
    /// Inactivity autologout (RFC 3501 §5.4: at least 30 minutes).
    pub idle_timeout: Duration,
    /// Delay before answering a failed login, times the failures so far.
    pub failure_delay: Duration,
    /// Failed logins before the connection is closed.
    pub max_failures: u32,
}

impl ImapConfig {
    /// Defaults: no TLS, plaintext refused, 30 min autologout, 2 s per
    /// failure, 3 failures.
    pub fn new(hostname: impl Into<String>) -> Self {
        ImapConfig {
            hostname: hostname.into(),
            tls_available: false,
            plaintext_auth: false,
            default_domain: None,
            trace: false,
            idle_timeout: Duration::from_secs(30 * 60),
            failure_delay: Duration::from_secs(2),
            max_failures: 3,
        }
    }
}

/// What the session asks of its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapEvent {
    /// The STARTTLS go-ahead is queued: send it, run the handshake, call
    /// [`ImapSession::tls_established`].
    StartTls,
    /// Check this login; answer with [`ImapSession::login_accepted`] (with
    /// the user's Maildir) or [`ImapSession::login_refused`].
    Authenticate {
        /// The user, with the default domain applied.
        user: String,
        /// The password.
        password: String,
    },
    /// The session is over.
    Closed,
}

/// A selected mailbox.
#[derive(Debug)]
pub(crate) struct Selected {
    pub(crate) mailbox: Mailbox,
    pub(crate) read_only: bool,
}

#[derive(Debug)]
pub(crate) enum State {
    NotAuthenticated,
    /// `+` sent after AUTHENTICATE PLAIN; the next line is the response.
    AuthResponse {
        tag: String,
    },
    AwaitingLogin {
        tag: String,
    },
    AwaitingTls,
    Authenticated {
        home: PathBuf,
    },
    Selected {
        home: PathBuf,
        selected: Box<Selected>,
    },
    Logout,
}

/// One IMAP server session.
#[derive(Debug)]
pub struct ImapSession {
    pub(crate) config: ImapConfig,
    pub(crate) state: State,
    pub(crate) tls: bool,
    pub(crate) unix_now: i64,
    /// The tag of a running IDLE.
    pub(crate) idling: Option<String>,
    input: Vec<u8>,
    literals_acked: usize,
    output: VecDeque<Vec<u8>>,
    pub(crate) events: VecDeque<ImapEvent>,
    transcript: Transcript,
    pub(crate) failures: u32,
    pub(crate) delayed: Option<(Instant, Vec<u8>)>,
    last_activity: Instant,
    pub(crate) appended: u64,
    /// A FETCH whose responses are still being rendered.
    pub(crate) fetching: Option<FetchJob>,
}

impl ImapSession {
    /// A new session with its greeting queued; `tls` on port 993.
    pub fn new(config: ImapConfig, now: Instant, tls: bool) -> Self {
        let mut s = ImapSession {
            transcript: Transcript::new(config.trace),
            config,
            state: State::NotAuthenticated,
            tls,
            unix_now: 0,
            idling: None,
            input: Vec::new(),
            literals_acked: 0,
            output: VecDeque::new(),
            events: VecDeque::new(),
            failures: 0,
            delayed: None,
            last_activity: now,
            appended: 0,
            fetching: None,
        };
        let caps = s.capabilities();
        let greeting = format!(
            "* OK [CAPABILITY {caps}] {} IMAP4rev1 server ready",
            s.config.hostname
        );
        s.line(&greeting);
        s
    }

    /// The wall clock (unix seconds) for UIDVALIDITY and INTERNALDATE.
    pub fn set_unix_time(&mut self, unix: i64) {
        self.unix_now = unix;
    }

    /// Queues bytes for the client.
    pub(crate) fn send(&mut self, out: Vec<u8>) {
        self.transcript.lines(Direction::Server, &out);
        self.output.push_back(out);
    }

    /// Queues one response line (CRLF added).
    pub(crate) fn line(&mut self, text: &str) {
        self.send(format!("{text}\r\n").into_bytes());
    }

    /// Ends the session.
    pub(crate) fn close(&mut self) {
        self.state = State::Logout;
        self.input.clear();
        self.fetching = None;
        self.events.push_back(ImapEvent::Closed);
    }

    fn waiting(&self) -> bool {
        self.delayed.is_some()
            || self.fetching.is_some()
            || matches!(
                self.state,
                State::AwaitingLogin { .. } | State::AwaitingTls | State::Logout
            )
    }

    /// True when passwords may be sent now.
    pub(crate) fn may_send_password(&self) -> bool {
        self.tls || self.config.plaintext_auth
    }

    /// The capability list for the current state (RFC 3501 §7.2.1).
    pub(crate) fn capabilities(&self) -> String {
        let mut caps = vec![
            "IMAP4rev1",
            "LITERAL+",
            "IDLE",
            "UIDPLUS",
            "MOVE",
            "UNSELECT",
            "SPECIAL-USE",
            "NAMESPACE",
            "ID",
            "ENABLE",
        ];
        if matches!(self.state, State::NotAuthenticated) {
            if self.config.tls_available && !self.tls {
                caps.push("STARTTLS");
            }
            if self.may_send_password() {
                caps.push("AUTH=PLAIN");
            } else {
                caps.push("LOGINDISABLED");
            }
        }
        caps.join(" ")
    }

    /// Feeds bytes read from the client.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if matches!(self.state, State::Logout) {
            return;
        }
        self.last_activity = now;
        if self.input.len() + bytes.len() > MAX_PENDING_INPUT {
            self.line("* BYE too much input at once");
            self.close();
            return;
        }
        self.input.extend_from_slice(bytes);
        self.process();
    }

    fn take_line(&mut self) -> Option<Vec<u8>> {
        let end = self.input.iter().position(|&b| b == b'\n')?;
        let mut line: Vec<u8> = self.input.drain(..=end).collect();
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(line)
    }

    pub(crate) fn process(&mut self) {
        while !self.waiting() {
            if let Some(tag) = self.idling.clone() {
                let Some(line) = self.take_line() else { return };
                self.transcript.line(Direction::Client, &line);
                // RFC 2177 §3: DONE ends the IDLE.
                self.idling = None;
                if line.eq_ignore_ascii_case(b"DONE") {
                    self.line(&format!("{tag} OK IDLE terminated"));
                } else {
                    self.line(&format!("{tag} BAD expected DONE"));
                }
                continue;
            }
            if let State::AuthResponse { tag } = &self.state {
                let tag = tag.clone();
                let Some(line) = self.take_line() else { return };
                self.transcript.line(Direction::Client, b"(SASL response)");
                self.sasl_response(&tag, &line);
                continue;
            }
            match parser::frame(&self.input) {
                Ok(Frame::Complete(n)) => {
                    let raw: Vec<u8> = self.input.drain(..n).collect();
                    self.literals_acked = 0;
                    self.trace_command(&raw);
                    match parser::parse(&raw) {
                        Ok(command) => self.dispatch(command),
                        Err(e) => {
                            let tag = raw
                                .split(|&b| b == b' ')
                                .next()
                                .map(|t| String::from_utf8_lossy(t).into_owned())
                                .filter(|t| {
                                    !t.is_empty() && t.len() < 64 && !t.contains(['\r', '\n'])
                                })
                                .unwrap_or_else(|| "*".to_string());
                            self.line(&format!("{tag} BAD {e}"));
                        }
                    }
                }
                Ok(Frame::Incomplete { sync_literals }) => {
                    if sync_literals > self.literals_acked {
                        // RFC 3501 §7.5: go ahead with the literal.
                        self.literals_acked = sync_literals;
                        self.line("+ Ready for literal data");
                    }
                    return;
                }
                Err(e) => {
                    self.line(&format!("* BYE {e}"));
                    self.close();
                    return;
                }
            }
        }
    }

    fn trace_command(&mut self, raw: &[u8]) {
        let first = raw.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = first.strip_suffix(b"\r").unwrap_or(first);
        let upper = first.to_ascii_uppercase();
        if upper.windows(6).any(|w| w == b" LOGIN") {
            let tag_and_name: Vec<&[u8]> = first.splitn(3, |&b| b == b' ').take(2).collect();
            self.transcript.line(
                Direction::Client,
                &[tag_and_name.join(&b' ').as_slice(), b" ****"].concat(),
            );
        } else {
            self.transcript.line(Direction::Client, first);
        }
    }

    fn dispatch(&mut self, c: Command) {
        if self.any_state(&c) {
            return;
        }
        let handled = match &self.state {
            State::NotAuthenticated => {
                self.line(&format!(
                    "{} BAD log in first (LOGIN or AUTHENTICATE)",
                    c.tag
                ));
                true
            }
            State::Authenticated { .. } => self.mailbox_command(&c),
            State::Selected { .. } => self.mailbox_command(&c) || self.selected_command(&c),
            _ => true,
        };
        if !handled {
            self.line(&format!("{} BAD unknown command or not valid now", c.tag));
        }
    }

    /// The driver's verdict: the login is good; `home` is the user's Maildir.
    pub fn login_accepted(&mut self, now: Instant, home: PathBuf) {
        let State::AwaitingLogin { tag } = &self.state else {
            return;
        };
        let tag = tag.clone();
        // The special-use folders exist from the first login (RFC 6154).
        let _ = crate::store::Maildir::create(&home).and_then(|m| m.create_standard_folders());
        self.state = State::Authenticated { home };
        let caps = self.capabilities();
        self.line(&format!("{tag} OK [CAPABILITY {caps}] logged in"));
        self.last_activity = now;
        self.process();
    }

    /// The driver's verdict: wrong user name or password.
    pub fn login_refused(&mut self, now: Instant) {
        let State::AwaitingLogin { tag } = &self.state else {
            return;
        };
        let tag = tag.clone();
        self.state = State::NotAuthenticated;
        self.failures += 1;
        let reply = format!("{tag} NO [AUTHENTICATIONFAILED] invalid user name or password\r\n");
        self.delayed = Some((
            now + self.config.failure_delay * self.failures,
            reply.into_bytes(),
        ));
    }

    /// The TLS handshake after STARTTLS finished; input sent before it is
    /// discarded (RFC 3501 §6.2.1).
    pub fn tls_established(&mut self, now: Instant) {
        if !matches!(self.state, State::AwaitingTls) {
            return;
        }
        self.tls = true;
        self.input.clear();
        self.last_activity = now;
        self.state = State::NotAuthenticated;
    }

    /// The driver's timer fired.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((at, _)) = &self.delayed
            && now >= *at
            && let Some((_, out)) = self.delayed.take()
        {
            self.send(out);
            if self.failures >= self.config.max_failures {
                self.line("* BYE too many failed logins");
                self.close();
                return;
            }
            self.process();
        }
        if self.idling.is_some() {
            self.report_changes();
        }
        let limit = if self.idling.is_some() {
            // RFC 2177 §3: clients re-issue IDLE at least every 29 minutes.
            self.config.idle_timeout + Duration::from_secs(60)
        } else {
            self.config.idle_timeout
        };
        if !matches!(self.state, State::Logout) && now >= self.last_activity + limit {
            self.line("* BYE autologout: idle for too long");
            self.close();
        }
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        if matches!(self.state, State::Logout) {
            return None;
        }
        let mut at = self.last_activity + self.config.idle_timeout;
        if let Some((d, _)) = &self.delayed {
            at = at.min(*d);
        }
        if self.idling.is_some() {
            at = at.min(now + IDLE_POLL);
        }
        Some(at)
    }

    /// The next bytes to send. A running FETCH renders its next chunk
    /// here, and commands that waited behind it run once it is done.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.output.is_empty() && self.fetching.is_some() {
            self.continue_fetch();
            if self.fetching.is_none() {
                self.process();
            }
        }
        self.output.pop_front()
    }

    /// The next request for the driver.
    pub fn poll_event(&mut self) -> Option<ImapEvent> {
        self.events.pop_front()
    }

    /// The next traced line.
    pub fn poll_trace(&mut self) -> Option<TraceLine> {
        self.transcript.poll()
    }

    /// True once the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Logout)
    }
}
