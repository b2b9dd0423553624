//! What a relay attempt achieved, per recipient: delivered, failed for now
//! (4xx, timeouts, lost connections: retry later) or failed for good (5xx:
//! bounce). RFC 5321 §4.2.1 gives the classes; §4.5.4.1 the retry duty.

use crate::smtp::address::Mailbox;
use crate::smtp::reply::{Reply, Severity};

/// The fate of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// The server took responsibility (250 after the body).
    Delivered,
    /// Try again later.
    Transient,
    /// Give up and bounce.
    Permanent,
}

impl DeliveryStatus {
    /// The status a failure reply implies.
    pub fn of_failure(reply: &Reply) -> DeliveryStatus {
        match reply.severity() {
            Severity::Permanent => DeliveryStatus::Permanent,
            _ => DeliveryStatus::Transient,
        }
    }
}

/// The result for one recipient, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientResult {
    /// The recipient.
    pub recipient: Mailbox,
    /// Delivered, transient or permanent.
    pub status: DeliveryStatus,
    /// The server's reply that decided it, or our own reason (as a reply
    /// with an RFC 3463 code, e.g. `451 4.4.2` for a timeout).
    pub reply: Reply,
}
