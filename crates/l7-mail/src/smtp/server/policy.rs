//! The recipient policy the driver supplies: which RCPTs the server takes.
//! This is where "no open relay" is decided: local domains accept their own
//! users from anyone; other domains only for authenticated clients.

use crate::smtp::address::{ForwardPath, ReversePath};

/// What the session knows when it asks about a recipient.
#[derive(Debug, Clone, Copy)]
pub struct RcptContext<'a> {
    /// The transaction's sender.
    pub sender: &'a ReversePath,
    /// The authenticated user, if the client did AUTH.
    pub authenticated: Option<&'a str>,
    /// The connection is encrypted.
    pub tls: bool,
}

/// The policy's answer for one RCPT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptVerdict {
    /// `250 2.1.5`: take it.
    Accept,
    /// `550 5.1.1`: a local domain without such a user.
    UnknownUser,
    /// `550 5.7.1`: a foreign domain and an unauthenticated client.
    RelayDenied,
    /// `451 4.3.0`: cannot decide now (e.g. the user database is unavailable).
    TryLater,
}

/// Decides RCPTs for a server session.
pub trait RecipientPolicy {
    /// The verdict for `rcpt` in the given context.
    fn check_recipient(&self, rcpt: &ForwardPath, ctx: &RcptContext<'_>) -> RcptVerdict;
}

/// Sessions of one server share a policy (e.g. an `Arc<Directory>`).
impl<T: RecipientPolicy + ?Sized> RecipientPolicy for std::sync::Arc<T> {
    fn check_recipient(&self, rcpt: &ForwardPath, ctx: &RcptContext<'_>) -> RcptVerdict {
        (**self).check_recipient(rcpt, ctx)
    }
}

/// A policy chosen at run time (MX, submission or catch-all).
impl<T: RecipientPolicy + ?Sized> RecipientPolicy for Box<T> {
    fn check_recipient(&self, rcpt: &ForwardPath, ctx: &RcptContext<'_>) -> RcptVerdict {
        (**self).check_recipient(rcpt, ctx)
    }
}

/// `--catch-all`: accept every recipient (and relay nothing: the driver
/// delivers everything locally).
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchAll;

impl RecipientPolicy for CatchAll {
    fn check_recipient(&self, _rcpt: &ForwardPath, _ctx: &RcptContext<'_>) -> RcptVerdict {
        RcptVerdict::Accept
    }
}
