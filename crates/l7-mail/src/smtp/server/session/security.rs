//! The security commands of a server session: STARTTLS (RFC 3207) and
//! AUTH PLAIN/LOGIN (RFC 4954), which pause the session for the driver.

use super::{AuthStep, ServerSession, State, es};
use crate::smtp::command::AuthMechanism;
use crate::smtp::reply::Reply;
use crate::smtp::server::auth::{self, LOGIN_PASSWORD_PROMPT, LOGIN_USER_PROMPT};
use crate::smtp::server::event::ServerEvent;
use crate::smtp::server::policy::RecipientPolicy;
use crate::smtp::trace::Direction;

impl<P: RecipientPolicy> ServerSession<P> {
    pub(super) fn starttls(&mut self) {
        if !self.config.starttls_available || self.tls {
            return self.error(Reply::new(502, es(5, 5, 1), "STARTTLS not available"));
        }
        if self.in_transaction() {
            return self.error(Reply::new(
                503,
                es(5, 5, 1),
                "Error: MAIL transaction in progress",
            ));
        }
        self.reply(Reply::new(220, es(2, 0, 0), "Ready to start TLS"));
        // RFC 3207 §4: pipelined plaintext after STARTTLS is thrown away.
        self.input.clear();
        self.state = State::AwaitingTls;
        self.events.push_back(ServerEvent::StartTls);
    }

    pub(super) fn auth(&mut self, mechanism: AuthMechanism, initial: Option<String>) {
        let refusal = if !self.config.auth_enabled {
            Some(Reply::new(
                503,
                es(5, 5, 1),
                "Error: authentication not enabled",
            ))
        } else if !self.tls {
            // RFC 4954 §6: 538 for mechanisms that need an encrypted channel.
            Some(Reply::new(
                538,
                es(5, 7, 11),
                "Encryption required for requested authentication mechanism",
            ))
        } else if !self.esmtp() {
            Some(Reply::new(503, es(5, 5, 1), "Error: send EHLO first"))
        } else if self.authenticated.is_some() {
            Some(Reply::new(503, es(5, 5, 1), "Error: already authenticated"))
        } else if self.in_transaction() {
            Some(Reply::new(
                503,
                es(5, 5, 1),
                "Error: MAIL transaction in progress",
            ))
        } else {
            None
        };
        if let Some(reply) = refusal {
            return self.error(reply);
        }
        match (mechanism, initial) {
            (AuthMechanism::Plain, Some(response)) => {
                self.auth_response(AuthStep::Plain, response.as_bytes())
            }
            (AuthMechanism::Plain, None) => self.challenge("", AuthStep::Plain),
            (AuthMechanism::Login, Some(user)) => {
                self.auth_response(AuthStep::LoginUser, user.as_bytes())
            }
            (AuthMechanism::Login, None) => self.challenge(LOGIN_USER_PROMPT, AuthStep::LoginUser),
        }
    }

    /// RFC 4954 §4: `continue-req = "334" SP [base64] CRLF` (the space is
    /// kept even for an empty challenge).
    fn challenge(&mut self, base64: &str, step: AuthStep) {
        let line = format!("334 {base64}");
        self.transcript.line(Direction::Server, line.as_bytes());
        self.output.extend_from_slice(line.as_bytes());
        self.output.extend_from_slice(b"\r\n");
        self.state = State::AuthResponse(step);
    }

    pub(super) fn auth_response(&mut self, step: AuthStep, line: &[u8]) {
        if line == b"*" {
            // RFC 4954 §4: the client cancelled.
            return self.error(Reply::new(501, es(5, 0, 0), "Authentication aborted"));
        }
        let bad = || Reply::new(501, es(5, 5, 2), "Cannot decode response");
        let (mechanism, user, password) = match step {
            AuthStep::Plain => match auth::decode_plain(line) {
                Ok((user, password)) => (AuthMechanism::Plain, user, password),
                Err(_) => return self.error(bad()),
            },
            AuthStep::LoginUser => match auth::decode_text(line) {
                Ok(user) => {
                    return self.challenge(LOGIN_PASSWORD_PROMPT, AuthStep::LoginPassword { user });
                }
                Err(_) => return self.error(bad()),
            },
            AuthStep::LoginPassword { user } => match auth::decode_text(line) {
                Ok(password) => (AuthMechanism::Login, user, password),
                Err(_) => return self.error(bad()),
            },
        };
        self.state = State::AwaitingAuthVerdict { user: user.clone() };
        self.events.push_back(ServerEvent::Authenticate {
            mechanism,
            user,
            password,
        });
    }
}

/// Hides SASL responses in the transcript: `AUTH PLAIN xxx` → `AUTH PLAIN ****`.
pub(super) fn mask_credentials(line: &[u8]) -> Vec<u8> {
    let is_auth = line.len() > 5 && line[..5].eq_ignore_ascii_case(b"AUTH ");
    match line.iter().skip(5).position(|&b| b == b' ') {
        Some(space) if is_auth => {
            let mut masked = line[..5 + space].to_vec();
            masked.extend_from_slice(b" ****");
            masked
        }
        _ => line.to_vec(),
    }
}
