//! Commands valid in any state (RFC 3501 §6.1) and those of the Not
//! Authenticated state (§6.2): CAPABILITY, NOOP, LOGOUT, STARTTLS, LOGIN,
//! AUTHENTICATE PLAIN (RFC 4616). Passwords are refused before TLS unless
//! the server allows plaintext (LOGINDISABLED is then advertised).

use super::parser::Command;
use super::session::{ImapEvent, ImapSession, State};
use crate::smtp::server::auth::decode_plain;

impl ImapSession {
    fn qualify(&self, user: &str) -> String {
        match &self.config.default_domain {
            Some(domain) if !user.contains('@') => format!("{user}@{domain}"),
            _ => user.to_string(),
        }
    }

    fn authenticate(&mut self, tag: &str, user: &str, password: String) {
        let user = self.qualify(user);
        self.events
            .push_back(ImapEvent::Authenticate { user, password });
        self.state = State::AwaitingLogin {
            tag: tag.to_string(),
        };
    }

    /// Handles an any-state or not-authenticated command; false if `c` is
    /// not one of them.
    pub(crate) fn any_state(&mut self, c: &Command) -> bool {
        let tag = c.tag.as_str();
        let unauthenticated = matches!(self.state, State::NotAuthenticated);
        match c.name.as_str() {
            "CAPABILITY" => {
                let caps = self.capabilities();
                self.line(&format!("* CAPABILITY {caps}"));
                self.line(&format!("{tag} OK CAPABILITY completed"));
            }
            "NOOP" | "CHECK"
                if c.name == "NOOP" || matches!(self.state, State::Selected { .. }) =>
            {
                self.report_changes();
                self.line(&format!("{tag} OK {} completed", c.name));
            }
            "LOGOUT" => {
                self.line("* BYE l7 IMAP server logging out");
                self.line(&format!("{tag} OK LOGOUT completed"));
                self.close();
            }
            "ID" => {
                // RFC 2971: answered, nothing disclosed beyond the name.
                self.line("* ID (\"name\" \"l7\")");
                self.line(&format!("{tag} OK ID completed"));
            }
            "STARTTLS" if unauthenticated => {
                if self.tls || !self.config.tls_available {
                    self.line(&format!("{tag} BAD STARTTLS is not available here"));
                } else {
                    self.line(&format!("{tag} OK Begin TLS negotiation now"));
                    self.events.push_back(ImapEvent::StartTls);
                    self.state = State::AwaitingTls;
                }
            }
            "LOGIN" if unauthenticated => {
                if !self.may_send_password() {
                    self.line(&format!(
                        "{tag} NO [PRIVACYREQUIRED] LOGIN needs TLS first: send STARTTLS (or use port 993)"
                    ));
                    return true;
                }
                match (
                    c.args.first().and_then(|v| v.text()),
                    c.args.get(1).and_then(|v| v.text()),
                    c.args.len(),
                ) {
                    (Some(user), Some(password), 2) => self.authenticate(tag, &user, password),
                    _ => self.line(&format!("{tag} BAD usage: LOGIN user password")),
                }
            }
            "AUTHENTICATE" if unauthenticated => {
                let mechanism = c.args.first().and_then(|v| v.text()).unwrap_or_default();
                if !mechanism.eq_ignore_ascii_case("PLAIN") {
                    self.line(&format!("{tag} NO unsupported mechanism; use PLAIN"));
                } else if !self.may_send_password() {
                    self.line(&format!(
                        "{tag} NO [PRIVACYREQUIRED] AUTHENTICATE needs TLS first"
                    ));
                } else if let Some(initial) = c.args.get(1).and_then(|v| v.text()) {
                    // RFC 4959: SASL-IR.
                    self.sasl_response(tag, initial.as_bytes());
                } else {
                    self.line("+ ");
                    self.state = State::AuthResponse {
                        tag: tag.to_string(),
                    };
                }
            }
            "LOGIN" | "AUTHENTICATE" | "STARTTLS" => {
                self.line(&format!("{tag} BAD already logged in"));
            }
            _ => return false,
        }
        true
    }

    /// The base64 PLAIN response of AUTHENTICATE.
    pub(crate) fn sasl_response(&mut self, tag: &str, line: &[u8]) {
        if line == b"*" {
            self.state = State::NotAuthenticated;
            self.line(&format!("{tag} BAD authentication cancelled"));
            return;
        }
        match decode_plain(line) {
            Ok((user, password)) => self.authenticate(tag, &user, password),
            Err(_) => {
                self.state = State::NotAuthenticated;
                self.line(&format!("{tag} BAD malformed PLAIN response"));
            }
        }
    }
}
