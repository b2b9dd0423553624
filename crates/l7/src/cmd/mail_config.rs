//! How `l7 mail serve` describes a server: from flags for one domain, or
//! from a TOML file (`--config`) for several domains, aliases and
//! listeners:
//!
//! ```toml
//! hostname = "mail.crepes.fr"
//! domains = ["crepes.fr"]
//! users = ["carol@crepes.fr"]          # mailboxes without a password
//! users_file = "users"                 # accounts (l7 mail user add)
//! maildirs = "maildirs"
//! queue = "queue"
//! max_size = "25MiB"
//! [aliases]
//! "postmaster@crepes.fr" = ["alice@crepes.fr"]
//! [[listen]]
//! role = "mx"                          # mx | submission | submissions
//! address = "127.0.0.1:2525"
//! [tls]
//! cert = "cert.pem"
//! key = "key.pem"
//! [relay]
//! resolver = "127.0.0.53:53"           # or smarthost = "HOST:PORT"
//! mx_port = 25
//! max_age = "5d"
//! ```
//!
//! Relative paths are relative to the file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use l7_mail::accounts::Accounts;
use l7_mail::queue::RetryPolicy;
use l7_mail::store::Directory;
use l7_net::mail::mx::system_resolver;
use l7_net::mail::service::{Mailboxes, Relay, Role};
use l7_net::mail::setup::ServerSpec;
use l7_world::state::{WorldState, default_path};
use serde::Deserialize;

use crate::addr;
use crate::cli::MailServeArgs;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    hostname: String,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    users: Vec<String>,
    users_file: Option<PathBuf>,
    #[serde(default)]
    aliases: BTreeMap<String, Vec<String>>,
    maildirs: Option<PathBuf>,
    catch_all: Option<PathBuf>,
    queue: Option<PathBuf>,
    max_size: Option<String>,
    listen: Vec<Listener>,
    tls: Option<TlsFiles>,
    #[serde(default)]
    relay: RelayConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Listener {
    role: String,
    address: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelayConfig {
    resolver: Option<String>,
    smarthost: Option<String>,
    mx_port: Option<u16>,
    max_age: Option<String>,
    retry: Option<String>,
}

/// The size limit when the file names none (the flag's default).
const DEFAULT_MAX_SIZE: u64 = 25 << 20;

fn role(name: &str) -> anyhow::Result<Role> {
    Ok(match name {
        "mx" | "smtp" => Role::Mx,
        "submission" => Role::Submission,
        "submissions" | "smtps" => Role::Submissions,
        _ => bail!("listener role {name:?}: write mx, submission or submissions"),
    })
}

/// The resolver for MX lookups: the running world's local DNS server,
/// else the system's.
pub fn default_resolver() -> anyhow::Result<SocketAddr> {
    if let Some(world) = WorldState::load_running(&default_path()) {
        for host in &world.hosts {
            if let Some(s) = host
                .services
                .iter()
                .find(|s| s.role == "resolver" && s.error.is_none())
            {
                return Ok(SocketAddr::from((host.address, s.port)));
            }
        }
    }
    system_resolver().context("no DNS resolver for MX lookups: pass --resolver ADDR")
}

fn tls(
    files: Option<(&Path, &Path)>,
    hostname: &str,
) -> anyhow::Result<Arc<tokio_rustls::rustls::ServerConfig>> {
    match files {
        Some((cert, key)) => l7_net::tls::server_config(cert, key, &[]),
        None => l7_net::tls::self_signed(hostname, &[]),
    }
    .map_err(anyhow::Error::msg)
}

fn load_accounts(path: Option<&Path>) -> anyhow::Result<Accounts> {
    match path {
        Some(p) => {
            Accounts::load(p).with_context(|| format!("reading accounts from {}", p.display()))
        }
        None => Ok(Accounts::new()),
    }
}

fn directory(
    domains: &[String],
    users: &[String],
    accounts: &Accounts,
) -> anyhow::Result<Directory> {
    if domains.is_empty() && users.is_empty() && accounts.users().next().is_none() {
        bail!(
            "which mail do we receive? name local domains with --domain (and users with --user), or use --catch-all --maildir DIR"
        );
    }
    let mut directory = Directory::new();
    for d in domains {
        directory.add_domain(d);
    }
    for u in users.iter().map(String::as_str).chain(accounts.users()) {
        if !u.contains('@') {
            bail!(
                "user {u}: write the whole address, e.g. bob@{}",
                domains.first().map_or("example.org", |d| d)
            );
        }
        directory.add_user(u);
    }
    Ok(directory)
}

fn relay(resolver: Option<&str>, smarthost: Option<&str>, mx_port: u16) -> anyhow::Result<Relay> {
    let smarthost = smarthost
        .map(addr::listen)
        .transpose()
        .context("--smarthost takes IP:PORT")?;
    let resolver = match resolver {
        Some(r) => addr::listen(r).context("--resolver takes IP:PORT")?,
        None if smarthost.is_some() => SocketAddr::from(([127, 0, 0, 1], 53)),
        None => default_resolver()?,
    };
    Ok(Relay {
        resolver,
        smarthost,
        mx_port,
        tls: l7_net::tls_client::unauthenticated(),
    })
}

fn retry(first: Duration, max_age: Duration) -> RetryPolicy {
    RetryPolicy {
        initial_delay: first,
        max_age,
        ..RetryPolicy::default()
    }
}

/// Where the queue lives unless told: `.queue` among the users' Maildirs
/// (no user is named so), or beside a catch-all Maildir (inside, it would
/// look like a Maildir++ folder).
fn default_queue(mailboxes: &Mailboxes) -> PathBuf {
    match mailboxes {
        Mailboxes::Local { root, .. } => root.join(".queue"),
        Mailboxes::CatchAll(dir) => {
            let mut name = dir.file_name().unwrap_or_default().to_os_string();
            name.push(".queue");
            dir.with_file_name(name)
        }
    }
}

/// The server the flags describe.
pub fn from_flags(a: &MailServeArgs, trace: bool) -> anyhow::Result<ServerSpec> {
    let accounts = load_accounts(a.users_file.as_deref())?;
    let mailboxes = match (&a.maildir, a.catch_all) {
        (Some(dir), true) => Mailboxes::CatchAll(dir.clone()),
        _ => Mailboxes::Local {
            directory: Arc::new(directory(&a.domains, &a.users, &accounts)?),
            root: a.maildirs.clone(),
        },
    };
    let mut listeners = vec![(Role::Mx, addr::listen(&a.listen)?)];
    let queue_dir = a.queue.clone().unwrap_or_else(|| default_queue(&mailboxes));
    if let Some(s) = &a.submission {
        listeners.push((Role::Submission, addr::listen(s)?));
    }
    if let Some(s) = &a.submissions {
        listeners.push((Role::Submissions, addr::listen(s)?));
    }
    let files = a.tls_cert.as_deref().zip(a.tls_key.as_deref());
    Ok(ServerSpec {
        tls: Some(tls(files, &a.hostname)?),
        hostname: a.hostname.clone(),
        mailboxes,
        accounts,
        max_message_size: a.max_size,
        trace,
        queue_dir,
        retry: retry(a.retry, a.max_age),
        relay: relay(a.resolver.as_deref(), a.smarthost.as_deref(), a.mx_port)?,
        listeners,
    })
}

/// The server a TOML file describes.
pub fn from_file(path: &Path, trace: bool) -> anyhow::Result<ServerSpec> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let c: FileConfig = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid mail server description", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let at = |p: &Path| base.join(p);
    let accounts = load_accounts(c.users_file.as_deref().map(at).as_deref())?;
    let mailboxes = match &c.catch_all {
        Some(dir) => Mailboxes::CatchAll(at(dir)),
        None => {
            let mut d = directory(&c.domains, &c.users, &accounts)?;
            for (alias, targets) in &c.aliases {
                let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
                d.add_alias(alias, &targets);
            }
            Mailboxes::Local {
                directory: Arc::new(d),
                root: at(c.maildirs.as_deref().unwrap_or(Path::new("maildirs"))),
            }
        }
    };
    let listeners = c
        .listen
        .iter()
        .map(|l| Ok((role(&l.role)?, addr::listen(&l.address)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let files = c.tls.as_ref().map(|t| (at(&t.cert), at(&t.key)));
    let duration = |s: &Option<String>, default: Duration| -> anyhow::Result<Duration> {
        s.as_deref().map_or(Ok(default), |s| {
            l7_wire::units::parse_duration(s).map_err(|e| anyhow::anyhow!("{s:?}: {e}"))
        })
    };
    let defaults = RetryPolicy::default();
    Ok(ServerSpec {
        tls: Some(tls(
            files.as_ref().map(|(c, k)| (c.as_path(), k.as_path())),
            &c.hostname,
        )?),
        max_message_size: match &c.max_size {
            Some(s) => {
                l7_wire::units::parse_size(s).map_err(|e| anyhow::anyhow!("max_size {s:?}: {e}"))?
            }
            None => DEFAULT_MAX_SIZE,
        },
        retry: retry(
            duration(&c.relay.retry, defaults.initial_delay)?,
            duration(&c.relay.max_age, defaults.max_age)?,
        ),
        relay: relay(
            c.relay.resolver.as_deref(),
            c.relay.smarthost.as_deref(),
            c.relay.mx_port.unwrap_or(25),
        )?,
        queue_dir: c
            .queue
            .as_deref()
            .map_or_else(|| default_queue(&mailboxes), at),
        hostname: c.hostname,
        mailboxes,
        accounts,
        trace,
        listeners,
    })
}
