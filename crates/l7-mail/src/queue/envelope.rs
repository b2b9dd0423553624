//! The envelope file of a queued message: sender, recipients with their
//! per-recipient state, attempts, next attempt and creation times, in a
//! line format that is easy to read with `cat` and to parse strictly:
//!
//! ```text
//! l7-queue 1
//! created 1700000000
//! sender <alice@crepes.fr>
//! attempts 2
//! next 1700000900
//! rcpt pending <bob@hamburger.edu>
//! rcpt delivered <carol@hamburger.edu>
//! rcpt failed <dave@hamburger.edu> 5.1.1 smtp; 550 5.1.1 User unknown
//! error 451 4.3.0 try again later
//! ```

use crate::smtp::address::{Mailbox, ReversePath};
use crate::smtp::reply::EnhancedStatus;
use l7_wire::WireError;

/// Largest envelope file read back (a thousand recipients fit easily).
pub const MAX_ENVELOPE: usize = 1024 * 1024;

/// Where one recipient stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientState {
    /// Not delivered yet; will be tried again.
    Pending,
    /// Delivered (the next hop said 250, or the Maildir file is in place).
    Delivered,
    /// Failed for good; the bounce (if any) has been queued.
    Failed {
        /// RFC 3463 status.
        status: EnhancedStatus,
        /// What went wrong, one line.
        diagnostic: String,
    },
}

/// One recipient of a queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRecipient {
    /// The address.
    pub address: Mailbox,
    /// Its state.
    pub state: RecipientState,
}

/// The envelope of a queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEnvelope {
    /// MAIL FROM (`<>` for bounces, which are never bounced).
    pub sender: ReversePath,
    /// The recipients.
    pub recipients: Vec<QueuedRecipient>,
    /// Arrival time, unix seconds.
    pub created: i64,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Next attempt, unix seconds.
    pub next_attempt: i64,
    /// The last transient error, for `l7 mail queue`.
    pub last_error: Option<String>,
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl QueueEnvelope {
    /// A fresh envelope: every recipient pending, first attempt at once.
    pub fn new(sender: ReversePath, recipients: Vec<Mailbox>, created: i64) -> Self {
        QueueEnvelope {
            sender,
            recipients: recipients
                .into_iter()
                .map(|address| QueuedRecipient {
                    address,
                    state: RecipientState::Pending,
                })
                .collect(),
            created,
            attempts: 0,
            next_attempt: created,
            last_error: None,
        }
    }

    /// True while some recipient is still pending.
    pub fn has_pending(&self) -> bool {
        self.recipients
            .iter()
            .any(|r| r.state == RecipientState::Pending)
    }

    /// The file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "l7-queue 1\ncreated {}\nsender {}\nattempts {}\nnext {}\n",
            self.created, self.sender, self.attempts, self.next_attempt
        );
        for r in &self.recipients {
            match &r.state {
                RecipientState::Pending => out.push_str(&format!("rcpt pending <{}>\n", r.address)),
                RecipientState::Delivered => {
                    out.push_str(&format!("rcpt delivered <{}>\n", r.address))
                }
                RecipientState::Failed { status, diagnostic } => out.push_str(&format!(
                    "rcpt failed <{}> {status} {}\n",
                    r.address,
                    one_line(diagnostic)
                )),
            }
        }
        if let Some(e) = &self.last_error {
            out.push_str(&format!("error {}\n", one_line(e)));
        }
        out.into_bytes()
    }

    /// Parses an envelope file.
    pub fn parse(raw: &[u8]) -> Result<QueueEnvelope, WireError> {
        if raw.len() > MAX_ENVELOPE {
            return Err(WireError::invalid("envelope file too large"));
        }
        let text =
            std::str::from_utf8(raw).map_err(|_| WireError::invalid("envelope not UTF-8"))?;
        let mut lines = text.lines();
        if lines.next() != Some("l7-queue 1") {
            return Err(WireError::invalid("not an l7 queue envelope"));
        }
        let bad = |what: &str| WireError::invalid(format!("bad envelope line: {what}"));
        let (mut created, mut sender, mut attempts, mut next) = (None, None, None, None);
        let mut recipients = Vec::new();
        let mut last_error = None;
        for line in lines {
            let (key, rest) = line.split_once(' ').ok_or_else(|| bad(line))?;
            match key {
                "created" => created = Some(rest.parse().map_err(|_| bad(line))?),
                "attempts" => attempts = Some(rest.parse().map_err(|_| bad(line))?),
                "next" => next = Some(rest.parse().map_err(|_| bad(line))?),
                "sender" => sender = Some(ReversePath::parse(rest).map_err(|_| bad(line))?),
                // Control characters are written as spaces; read them so too.
                "error" => last_error = Some(one_line(rest)),
                "rcpt" => recipients.push(parse_recipient(rest).ok_or_else(|| bad(line))?),
                _ => return Err(bad(line)),
            }
        }
        match (created, sender, attempts, next) {
            (Some(created), Some(sender), Some(attempts), Some(next_attempt))
                if !recipients.is_empty() =>
            {
                Ok(QueueEnvelope {
                    sender,
                    recipients,
                    created,
                    attempts,
                    next_attempt,
                    last_error,
                })
            }
            _ => Err(WireError::invalid("envelope misses a field")),
        }
    }
}

fn parse_recipient(rest: &str) -> Option<QueuedRecipient> {
    let (state, rest) = rest.split_once(' ')?;
    let (path, tail) = match rest.split_once(' ') {
        Some((p, t)) => (p, Some(t)),
        None => (rest, None),
    };
    let address = Mailbox::parse(path.strip_prefix('<')?.strip_suffix('>')?).ok()?;
    let state = match (state, tail) {
        ("pending", None) => RecipientState::Pending,
        ("delivered", None) => RecipientState::Delivered,
        ("failed", Some(tail)) => {
            let (status, diagnostic) = tail.split_once(' ').unwrap_or((tail, ""));
            RecipientState::Failed {
                status: EnhancedStatus::parse(status)?,
                diagnostic: one_line(diagnostic),
            }
        }
        _ => return None,
    };
    Some(QueuedRecipient { address, state })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_state() {
        let mut env = QueueEnvelope::new(
            ReversePath::parse("<alice@crepes.fr>").unwrap(),
            [
                "bob@hamburger.edu",
                "carol@hamburger.edu",
                "dave@hamburger.edu",
            ]
            .iter()
            .map(|a| Mailbox::parse(a).unwrap())
            .collect(),
            1_700_000_000,
        );
        env.recipients[1].state = RecipientState::Delivered;
        env.recipients[2].state = RecipientState::Failed {
            status: EnhancedStatus::new(5, 1, 1),
            diagnostic: "smtp; 550 5.1.1 User\r\nunknown".into(),
        };
        env.attempts = 2;
        env.last_error = Some("451 4.3.0 later".into());
        let back = QueueEnvelope::parse(&env.to_bytes()).unwrap();
        assert_eq!(
            back.recipients[2].state,
            RecipientState::Failed {
                status: EnhancedStatus::new(5, 1, 1),
                diagnostic: "smtp; 550 5.1.1 User  unknown".into(),
            }
        );
        env.recipients[2] = back.recipients[2].clone();
        assert_eq!(back, env);
        let bounce = QueueEnvelope::new(ReversePath::Null, vec![Mailbox::parse("a@b").unwrap()], 0);
        assert_eq!(QueueEnvelope::parse(&bounce.to_bytes()).unwrap(), bounce);
    }

    #[test]
    fn refuses_damaged_files() {
        assert!(QueueEnvelope::parse(b"").is_err());
        assert!(
            QueueEnvelope::parse(b"l7-queue 1\ncreated 1\nsender <>\nattempts 0\nnext 1\n")
                .is_err()
        );
        assert!(QueueEnvelope::parse(b"l7-queue 1\ncreated x\n").is_err());
        assert!(QueueEnvelope::parse(b"l7-queue 1\nrcpt maybe <a@b>\n").is_err());
    }
}
