//! What a server session asks of its driver, drained with `poll_event()`.

use crate::smtp::address::{ForwardPath, ReversePath};
use crate::smtp::command::{AuthMechanism, BodyType};

/// The envelope of a message being received (RFC 5321 §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The EHLO/HELO name the client gave (for the Received header).
    pub helo: String,
    /// The client said EHLO (ESMTP) rather than HELO.
    pub esmtp: bool,
    /// MAIL FROM.
    pub sender: ReversePath,
    /// The accepted RCPTs, in order.
    pub recipients: Vec<ForwardPath>,
    /// `BODY=` given at MAIL.
    pub body: Option<BodyType>,
    /// `SMTPUTF8` given at MAIL.
    pub smtputf8: bool,
    /// The authenticated user, if any (submission).
    pub authenticated: Option<String>,
    /// The message arrived over TLS.
    pub tls: bool,
}

/// Why the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client said QUIT and got 221.
    Quit,
    /// Too many errors (421 sent).
    TooManyErrors,
    /// Too many failed AUTH attempts (421 sent).
    TooManyAuthFailures,
    /// The client was idle past the timeout (421 sent).
    Timeout,
    /// The client sent too much while the session waited for the driver (421 sent).
    InputOverflow,
}

/// A request or notice for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Send the queued bytes (ending in `220 Ready to start TLS`), then run
    /// the TLS handshake and call `tls_established()`. Plaintext received
    /// after STARTTLS has been discarded (RFC 3207 §4, CVE-2011-0411).
    StartTls,
    /// Verify these credentials and answer with `auth_result()`.
    Authenticate {
        /// The SASL mechanism used.
        mechanism: AuthMechanism,
        /// The user name (PLAIN authcid / LOGIN user).
        user: String,
        /// The password, as sent.
        password: String,
    },
    /// A message body starts; its data follows in `MessageData` events.
    MessageBegin(Envelope),
    /// The next chunk of the body (dot-unstuffed), to be written to disk.
    MessageData(Vec<u8>),
    /// The body is complete: make it durable (fsync), then call
    /// `message_stored()` (or `message_failed()`); only then is 250 sent.
    MessageEnd,
    /// Discard the partial body: it was refused (size) or the session ended.
    MessageAborted,
    /// The session is over: flush the transmit queue and close.
    Closed(CloseReason),
}
