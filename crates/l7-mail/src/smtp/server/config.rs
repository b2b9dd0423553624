//! What a server session is allowed to do and its limits: the host name it
//! announces, the size limit it advertises (RFC 1870), the recipient and
//! error bounds, the idle timeout (RFC 5321 §4.5.3.2.7), and TLS/AUTH roles
//! (MX on 25, submission on 587 with STARTTLS, 465 with implicit TLS).

use std::time::Duration;

/// RFC 5321 §4.5.3.1.8 asks servers to take at least 100 recipients; more
/// are answered "452 4.5.3 Too many recipients" (§4.5.3.1.10).
pub const DEFAULT_MAX_RECIPIENTS: usize = 100;
/// Default SIZE limit advertised in EHLO and enforced while streaming.
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 10 * 1024 * 1024;
/// Client errors tolerated before the session is closed with 421.
pub const DEFAULT_MAX_ERRORS: u32 = 10;
/// Failed AUTH attempts tolerated before the session is closed with 421.
pub const DEFAULT_MAX_AUTH_FAILURES: u32 = 3;
/// RFC 5321 §4.5.3.2.7: a server waits at least 5 minutes for the next command.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Bytes the session buffers while it waits for the driver (AUTH verdict,
/// message stored); a client sending more is cut off.
pub const MAX_PENDING_INPUT: usize = 64 * 1024;

/// Configuration of one server session.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Our host name, used in the greeting and replies (`hamburger.edu`).
    pub hostname: String,
    /// Largest message accepted, in octets (advertised as `SIZE n`).
    pub max_message_size: u64,
    /// Most recipients per transaction.
    pub max_recipients: usize,
    /// Client errors before `421` and close.
    pub max_errors: u32,
    /// Failed AUTH attempts before `421` and close.
    pub max_auth_failures: u32,
    /// Idle time before `421 4.4.2` and close.
    pub idle_timeout: Duration,
    /// The driver can upgrade this connection with STARTTLS.
    pub starttls_available: bool,
    /// The connection is already encrypted (implicit TLS on 465).
    pub tls_active: bool,
    /// AUTH PLAIN/LOGIN is offered (only ever over TLS).
    pub auth_enabled: bool,
    /// MAIL is refused with 530 until the client has authenticated (submission).
    pub require_auth: bool,
    /// Record a `C:`/`S:` transcript for `--trace`.
    pub trace: bool,
}

impl ServerConfig {
    /// An inbound MX for `hostname` with default limits, no TLS, no AUTH.
    pub fn new(hostname: impl Into<String>) -> Self {
        ServerConfig {
            hostname: hostname.into(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_recipients: DEFAULT_MAX_RECIPIENTS,
            max_errors: DEFAULT_MAX_ERRORS,
            max_auth_failures: DEFAULT_MAX_AUTH_FAILURES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            starttls_available: false,
            tls_active: false,
            auth_enabled: false,
            require_auth: false,
            trace: false,
        }
    }
}
