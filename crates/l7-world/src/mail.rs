//! A world's mail servers: each gets its users' accounts with fresh
//! passwords (argon2id-hashed; the plain ones go to the state file and the
//! banner so l7's clients and the user can log in), a certificate from the
//! world's CA, its
//! Maildirs and queue under the host's data directory, and a relay that
//! looks up MX records through the world's local DNS server and connects
//! to the world's port 25 (moved by the port plan).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use l7_mail::accounts::{Accounts, SALT_LEN};
use l7_mail::queue::RetryPolicy;
use l7_mail::store::Directory;
use l7_net::Shutdown;
use l7_net::mail::service::{Mailboxes, Relay, Role};
use l7_net::mail::setup::{self, ServerSpec};
use rand::Rng;
use tokio::task::JoinSet;

use crate::ca::WorldCa;
use crate::state::MailAccount;
use crate::{PortPlan, Service, World};

/// Largest message a world mail server takes.
const MAX_MESSAGE_SIZE: u64 = 25 << 20;
/// Characters of a generated password.
const PASSWORD_LEN: usize = 12;

/// Where one mail server listens.
pub struct Listeners {
    /// Inbound MX (25).
    pub mx: SocketAddr,
    /// Submission with STARTTLS (587).
    pub submission: Option<SocketAddr>,
    /// Submission with implicit TLS (465).
    pub submissions: Option<SocketAddr>,
}

/// The host a mail server runs on.
pub struct MailHost<'a> {
    /// Its world.
    pub world: &'a World,
    /// The world's port plan.
    pub plan: PortPlan,
    /// The host's data directory.
    pub data: &'a Path,
    /// The host's name.
    pub name: &'a str,
}

/// The TLS certificate of a world mail host, issued by the world's CA
/// (kept in `data/ca` beside the hosts' directories, as `l7 up` made it).
pub fn server_tls(host: &str, host_data: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    let world_data = host_data.parent().unwrap_or(host_data);
    WorldCa::load_or_create(&world_data.join("ca"))?.server_tls(host, &host_data.join("tls"), &[])
}

/// A fresh password: letters and digits.
fn password() -> String {
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..PASSWORD_LEN)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// The world's local DNS server (the first resolver host), for MX lookups.
fn world_resolver(world: &World, plan: PortPlan) -> Result<SocketAddr, String> {
    world
        .hosts
        .iter()
        .find_map(|h| {
            h.services.iter().find_map(|s| match s {
                Service::Resolver { port, .. } => {
                    Some(SocketAddr::from((h.address, plan.port(*port))))
                }
                _ => None,
            })
        })
        .ok_or_else(|| "the world has no resolver for MX lookups".to_string())
}

/// Starts one mail server; returns its accounts with their passwords.
pub async fn start(
    host: &MailHost<'_>,
    domains: &[String],
    users: &[String],
    listeners: Listeners,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<Vec<MailAccount>, String> {
    let mut directory = Directory::new();
    let mut accounts = Accounts::new();
    let mut made = Vec::new();
    for d in domains {
        directory.add_domain(d);
    }
    for u in users {
        directory.add_user(u);
        let pw = password();
        let salt: [u8; SALT_LEN] = rand::random();
        accounts.add(u, &pw, &salt).map_err(|e| e.to_string())?;
        made.push(MailAccount {
            address: u.clone(),
            password: pw,
            server: host.name.to_string(),
            submission_port: listeners.submission.map_or(0, |a| a.port()),
        });
    }
    let mut bind = vec![(Role::Mx, listeners.mx)];
    bind.extend(listeners.submission.map(|a| (Role::Submission, a)));
    bind.extend(listeners.submissions.map(|a| (Role::Submissions, a)));
    let spec = ServerSpec {
        hostname: host.name.to_string(),
        mailboxes: Mailboxes::Local {
            directory: Arc::new(directory),
            root: host.data.join("maildirs"),
        },
        accounts,
        tls: Some(server_tls(host.name, host.data)?),
        max_message_size: MAX_MESSAGE_SIZE,
        trace: false,
        queue_dir: host.data.join("queue"),
        retry: RetryPolicy::default(),
        relay: Relay {
            resolver: world_resolver(host.world, host.plan)?,
            smarthost: None,
            mx_port: host.plan.port(25),
            tls: l7_net::tls_client::unauthenticated(),
        },
        listeners: bind,
    };
    setup::start(spec, shutdown, tasks).await?;
    Ok(made)
}
