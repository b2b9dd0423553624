//! Starting a whole mail server from its description: open the queue,
//! bind every listener (so a failure is reported before anything runs),
//! then spawn the listeners, the queue committer and the delivery workers.
//! `l7 mail serve` and `l7 up` both start mail servers this way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use l7_mail::accounts::Accounts;
use l7_mail::queue::{Queue, RetryPolicy};
use tokio::task::JoinSet;

use super::service::{MailService, Mailboxes, Relay, Role};
use super::spool::Spool;
use super::{delivery, inbound};
use crate::Shutdown;
use crate::tcp::{ConnLimits, bind_tcp};

/// Everything a mail server is made of.
pub struct ServerSpec {
    /// Our host name.
    pub hostname: String,
    /// Whose mail we take.
    pub mailboxes: Mailboxes,
    /// Users who may AUTH.
    pub accounts: Accounts,
    /// Our certificate, if any (STARTTLS, 465).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Largest message accepted.
    pub max_message_size: u64,
    /// Print sessions.
    pub trace: bool,
    /// The queue directory.
    pub queue_dir: PathBuf,
    /// Retry schedule and maximum age.
    pub retry: RetryPolicy,
    /// Outbound delivery.
    pub relay: Relay,
    /// Where to listen, in which role.
    pub listeners: Vec<(Role, SocketAddr)>,
}

/// Binds and starts the server; its tasks join `tasks`.
pub async fn start(
    spec: ServerSpec,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<Arc<MailService>, String> {
    if spec.tls.is_none() && spec.listeners.iter().any(|(r, _)| *r != Role::Mx) {
        return Err(
            "submission needs TLS: give a certificate (--tls-cert/--tls-key) or let l7 make one"
                .into(),
        );
    }
    let queue = Queue::open(
        &spec.queue_dir,
        &spec.hostname,
        std::process::id(),
        spec.retry,
    )
    .map_err(|e| format!("cannot open the queue in {}: {e}", spec.queue_dir.display()))?;
    let mut bound = Vec::new();
    for (role, addr) in &spec.listeners {
        bound.push((*role, bind_tcp(*addr).await.map_err(|e| e.to_string())?));
    }
    let (spool, fresh) = Spool::start(queue);
    let service = Arc::new(MailService::new(
        spec.hostname,
        spec.mailboxes,
        Arc::new(spec.accounts),
        spec.tls,
        spec.max_message_size,
        spec.trace,
        spool,
        spec.relay,
    ));
    for (role, listener) in bound {
        tasks.spawn(inbound::serve(
            listener,
            service.clone(),
            role,
            ConnLimits::default(),
            shutdown.clone(),
        ));
    }
    tasks.spawn(delivery::run(service.clone(), fresh, shutdown.clone()));
    Ok(service)
}
