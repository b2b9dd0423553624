//! What one mail server is: its name, whose mail it takes (local users'
//! Maildirs, or a catch-all Maildir), its accounts for AUTH, its TLS
//! certificate, its queue, and how it relays. The listeners (MX on 25,
//! submission on 587 and 465) and the delivery workers share one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use l7_mail::accounts::Accounts;
use l7_mail::smtp::address::{ForwardPath, Mailbox};
use l7_mail::smtp::server::{CatchAll, RecipientPolicy, ServerConfig};
use l7_mail::store::{Directory, Resolution};

use super::spool::Spool;

/// Where accepted messages go.
#[derive(Debug, Clone)]
pub enum Mailboxes {
    /// Every message into this one Maildir, whatever the recipients; nothing
    /// is ever relayed.
    CatchAll(PathBuf),
    /// Local users' Maildirs under `root` (one per user); other domains are
    /// relayed for authenticated users.
    Local {
        /// Local domains, users and aliases.
        directory: Arc<Directory>,
        /// Where the users' Maildirs live.
        root: PathBuf,
    },
}

/// Which listener a session arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Inbound MX (port 25): mail for local domains from anyone; STARTTLS
    /// and AUTH offered when there is a certificate.
    Mx,
    /// Submission (port 587, RFC 6409): STARTTLS, then AUTH before MAIL.
    Submission,
    /// Submission over implicit TLS (port 465, RFC 8314): AUTH before MAIL.
    Submissions,
}

/// How queued mail for other domains leaves.
#[derive(Clone)]
pub struct Relay {
    /// The DNS resolver asked for MX records (the world's or the system's).
    pub resolver: SocketAddr,
    /// Send everything to this host instead of looking up MX records.
    pub smarthost: Option<SocketAddr>,
    /// The port of the receiving servers (25, or 25 moved by a world's offset).
    pub mx_port: u16,
    /// TLS for opportunistic STARTTLS.
    pub tls: Arc<rustls::ClientConfig>,
}

/// Where a recipient's copy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Into these local Maildirs.
    Local(Vec<PathBuf>),
    /// A local domain without such a user.
    Unknown,
    /// To another domain's server.
    Remote,
}

/// One mail server's settings, shared by its listeners and workers.
pub struct MailService {
    /// Our host name (greeting, Received, Message-ID, bounces).
    pub hostname: String,
    /// Whose mail we take.
    pub mailboxes: Mailboxes,
    /// Users who may AUTH (and so relay).
    pub accounts: Arc<Accounts>,
    /// Our certificate for STARTTLS and port 465.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Largest message accepted (SIZE).
    pub max_message_size: u64,
    /// Pause before answering a failed AUTH, times the failures so far.
    pub auth_delay: Duration,
    /// Print sessions as `C:`/`S:` lines.
    pub trace: bool,
    /// The durable queue.
    pub spool: Spool,
    /// Outbound delivery.
    pub relay: Relay,
    seq: AtomicU64,
}

impl MailService {
    /// A service; see the fields.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        hostname: String,
        mailboxes: Mailboxes,
        accounts: Arc<Accounts>,
        tls: Option<Arc<rustls::ServerConfig>>,
        max_message_size: u64,
        trace: bool,
        spool: Spool,
        relay: Relay,
    ) -> MailService {
        MailService {
            hostname,
            mailboxes,
            accounts,
            tls,
            max_message_size,
            auth_delay: Duration::from_secs(1),
            trace,
            spool,
            relay,
            seq: AtomicU64::new(0),
        }
    }

    /// A token unique in this process (Received ids, Message-IDs).
    pub fn unique(&self, unix: i64) -> String {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{unix:X}.{:X}.{seq:X}", std::process::id())
    }

    /// The session limits and capabilities of a listener.
    pub fn session_config(&self, role: Role) -> ServerConfig {
        let mut config = ServerConfig::new(self.hostname.clone());
        config.max_message_size = self.max_message_size;
        config.trace = self.trace;
        let tls = self.tls.is_some();
        match role {
            Role::Mx => {
                config.starttls_available = tls;
                config.auth_enabled = tls;
            }
            Role::Submission => {
                config.starttls_available = tls;
                config.auth_enabled = true;
                config.require_auth = true;
            }
            Role::Submissions => {
                config.tls_active = true;
                config.auth_enabled = true;
                config.require_auth = true;
            }
        }
        config
    }

    /// Which RCPTs sessions take (no open relay: see `Directory`).
    pub fn policy(&self) -> Box<dyn RecipientPolicy + Send + Sync> {
        match &self.mailboxes {
            Mailboxes::CatchAll(_) => Box::new(CatchAll),
            Mailboxes::Local { directory, .. } => Box::new(directory.clone()),
        }
    }

    /// The queue's address for an accepted RCPT (`<Postmaster>` is ours).
    pub fn queue_address(&self, rcpt: &ForwardPath) -> Option<Mailbox> {
        match rcpt {
            ForwardPath::Mailbox(m) => Some(m.clone()),
            ForwardPath::Postmaster => {
                Mailbox::parse(&format!("postmaster@{}", self.hostname)).ok()
            }
        }
    }

    /// Where a queued recipient goes.
    pub fn route(&self, rcpt: &Mailbox) -> Route {
        match &self.mailboxes {
            Mailboxes::CatchAll(dir) => Route::Local(vec![dir.clone()]),
            Mailboxes::Local { directory, root } => match directory.resolve(rcpt) {
                Resolution::Local(users) => Route::Local(
                    users
                        .iter()
                        .map(|u| Directory::maildir_path(root, u))
                        .collect(),
                ),
                // RFC 5321 §4.5.1: postmaster exists in every domain we
                // serve, and at our host name (`<Postmaster>`).
                Resolution::Unknown | Resolution::Foreign
                    if rcpt.local_part().eq_ignore_ascii_case("postmaster")
                        && (directory.is_local_domain(rcpt.domain())
                            || rcpt.domain().eq_ignore_ascii_case(&self.hostname)) =>
                {
                    let user = format!("postmaster@{}", rcpt.domain().to_lowercase());
                    Route::Local(vec![Directory::maildir_path(root, &user)])
                }
                Resolution::Unknown => Route::Unknown,
                Resolution::Foreign => Route::Remote,
            },
        }
    }
}
