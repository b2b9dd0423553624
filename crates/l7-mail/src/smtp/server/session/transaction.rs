//! The mail transaction commands of a server session (RFC 5321 §3.3,
//! §4.1.1.1-4): EHLO/HELO, MAIL, RCPT and DATA, with their order checks.

use super::{ServerSession, State, Transaction, es};
use crate::smtp::address::{ForwardPath, ReversePath};
use crate::smtp::command::MailParams;
use crate::smtp::reply::Reply;
use crate::smtp::server::data::DataReader;
use crate::smtp::server::event::{Envelope, ServerEvent};
use crate::smtp::server::policy::{RcptContext, RcptVerdict, RecipientPolicy};

impl<P: RecipientPolicy> ServerSession<P> {
    pub(super) fn hello(&mut self, domain: String, esmtp: bool) {
        // RFC 5321 §4.1.4: EHLO in a transaction resets it, like RSET.
        self.state = State::Ready;
        let reply = if esmtp {
            let mut lines = vec![
                format!("{} Hello {domain}", self.config.hostname),
                "PIPELINING".to_string(),
                format!("SIZE {}", self.config.max_message_size),
                "8BITMIME".to_string(),
                "ENHANCEDSTATUSCODES".to_string(),
                "SMTPUTF8".to_string(),
            ];
            if self.config.starttls_available && !self.tls {
                lines.push("STARTTLS".to_string());
            }
            // RFC 4954 §4 + GUIDE §7: plaintext mechanisms only over TLS.
            if self.config.auth_enabled && self.tls {
                lines.push("AUTH PLAIN LOGIN".to_string());
            }
            lines.push("HELP".to_string());
            Reply::multiline(250, None, lines)
        } else {
            Reply::new(250, None, format!("Hello {domain}, pleased to meet you"))
        };
        self.helo = Some((domain, esmtp));
        self.reply(reply);
    }

    pub(super) fn mail(&mut self, sender: ReversePath, params: MailParams) {
        let esmtp = self.esmtp();
        let refusal = if self.helo.is_none() {
            Some(Reply::new(503, es(5, 5, 1), "Error: send HELO/EHLO first"))
        } else if self.in_transaction() {
            Some(Reply::new(503, es(5, 5, 1), "Error: nested MAIL command"))
        } else if self.config.require_auth && self.authenticated.is_none() {
            // RFC 4954 §6.
            Some(Reply::new(530, es(5, 7, 0), "Authentication required"))
        } else if !esmtp && params != MailParams::default() {
            Some(Reply::new(555, es(5, 5, 4), "ESMTP parameters need EHLO"))
        } else if sender.mailbox().is_some_and(|m| m.is_utf8()) && !params.smtputf8 {
            // RFC 6531 §3.4.
            Some(Reply::new(
                553,
                es(5, 6, 7),
                "Non-ASCII address needs SMTPUTF8",
            ))
        } else if params
            .size
            .is_some_and(|s| s > self.config.max_message_size)
        {
            // RFC 1870 §6.1.
            Some(Reply::new(
                552,
                es(5, 3, 4),
                "Message size exceeds fixed maximum message size",
            ))
        } else {
            None
        };
        if let Some(reply) = refusal {
            return self.error(reply);
        }
        let shown = match &sender {
            ReversePath::Null => "<>".to_string(),
            ReversePath::Mailbox(m) => m.to_string(),
        };
        self.state = State::Mail(Transaction {
            sender,
            params,
            recipients: Vec::new(),
            rejected: 0,
        });
        self.reply(Reply::new(
            250,
            es(2, 1, 0),
            format!("{shown} ... Sender ok"),
        ));
    }

    pub(super) fn rcpt(&mut self, rcpt: ForwardPath) {
        let (State::Mail(tx) | State::Rcpt(tx)) = &mut self.state else {
            return self.error(Reply::new(503, es(5, 5, 1), "Error: need MAIL command"));
        };
        if tx.recipients.len() >= self.config.max_recipients {
            // RFC 5321 §4.5.3.1.10: not an error; the client sends the rest later.
            return self.reply(Reply::new(452, es(4, 5, 3), "Too many recipients"));
        }
        let (shown, utf8) = match &rcpt {
            ForwardPath::Postmaster => ("Postmaster".to_string(), false),
            ForwardPath::Mailbox(m) => (m.to_string(), m.is_utf8()),
        };
        if utf8 && !tx.params.smtputf8 {
            tx.rejected += 1;
            return self.error(Reply::new(
                553,
                es(5, 6, 7),
                "Non-ASCII address needs SMTPUTF8",
            ));
        }
        let ctx = RcptContext {
            sender: &tx.sender,
            authenticated: self.authenticated.as_deref(),
            tls: self.tls,
        };
        let verdict = self.policy.check_recipient(&rcpt, &ctx);
        if verdict != RcptVerdict::Accept {
            tx.rejected += 1;
        }
        match verdict {
            RcptVerdict::Accept => {
                tx.recipients.push(rcpt);
                self.state = match std::mem::replace(&mut self.state, State::Ready) {
                    State::Mail(tx) => State::Rcpt(tx),
                    other => other,
                };
                self.reply(Reply::new(
                    250,
                    es(2, 1, 5),
                    format!("{shown} ... Recipient ok"),
                ));
            }
            RcptVerdict::UnknownUser => self.error(Reply::new(
                550,
                es(5, 1, 1),
                format!("{shown} ... User unknown"),
            )),
            RcptVerdict::RelayDenied => self.error(Reply::new(550, es(5, 7, 1), "Relaying denied")),
            RcptVerdict::TryLater => self.reply(Reply::new(
                451,
                es(4, 3, 0),
                "Temporary failure, try again later",
            )),
        }
    }

    pub(super) fn data(&mut self) {
        let tx = match std::mem::replace(&mut self.state, State::Ready) {
            State::Rcpt(tx) => tx,
            other => {
                let reply = match &other {
                    // RFC 5321 §3.3: 554 when no recipient was accepted.
                    State::Mail(tx) if tx.rejected > 0 => {
                        Reply::new(554, es(5, 5, 1), "Error: no valid recipients")
                    }
                    State::Mail(_) => Reply::new(503, es(5, 5, 1), "Error: need RCPT command"),
                    _ => Reply::new(503, es(5, 5, 1), "Error: need MAIL command"),
                };
                self.state = other;
                return self.error(reply);
            }
        };
        let (helo, esmtp) = self.helo.clone().unwrap_or_default();
        self.events.push_back(ServerEvent::MessageBegin(Envelope {
            helo,
            esmtp,
            sender: tx.sender,
            recipients: tx.recipients,
            body: tx.params.body,
            smtputf8: tx.params.smtputf8,
            authenticated: self.authenticated.clone(),
            tls: self.tls,
        }));
        self.state = State::Data {
            size: 0,
            oversize: false,
            reader: DataReader::new(),
        };
        self.reply(Reply::new(
            354,
            None,
            "Enter mail, end with \".\" on a line by itself",
        ));
    }
}
