//! The delivery workers: take queued messages (each one as soon as it is
//! committed, and every due retry from a periodic scan), deliver local
//! recipients into their Maildirs and relay the others to their domains'
//! mail hosts, then record the attempt in the queue, which retries with
//! backoff, bounces (one DSN to the sender, never for a bounce) or removes
//! the message. A message is handled by one attempt at a time.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use l7_mail::queue::{QueueId, QueuedMessage, RecipientState};
use l7_mail::smtp::address::Mailbox;
use l7_mail::smtp::client::{
    ClientConfig, DeliveryStatus, OutgoingMessage, RecipientResult, TlsPolicy,
};
use l7_mail::smtp::reply::{EnhancedStatus, Reply};
use l7_mail::store::Maildir;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};

use super::conn::Conn;
use super::inbound::unix_now;
use super::mx::{self, MailHost, MxError};
use super::outbound;
use super::service::{MailService, Route};
use crate::Shutdown;

/// How often the queue is scanned for due retries (and `--flush`ed messages).
pub const SCAN_INTERVAL: Duration = Duration::from_secs(5);
/// Attempts running at once.
const MAX_PARALLEL: usize = 32;
/// Time allowed to connect to a mail host.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

type InFlight = Arc<Mutex<HashSet<QueueId>>>;

/// Runs the workers until shutdown: `fresh` brings newly committed ids.
pub async fn run(
    service: Arc<MailService>,
    mut fresh: mpsc::UnboundedReceiver<QueueId>,
    shutdown: Shutdown,
) {
    let in_flight: InFlight = Arc::default();
    let slots = Arc::new(Semaphore::new(MAX_PARALLEL));
    let mut scan = tokio::time::interval(SCAN_INTERVAL);
    loop {
        let ids: Vec<QueueId> = tokio::select! {
            _ = shutdown.wait() => return,
            id = fresh.recv() => match id {
                Some(id) => vec![id],
                None => return,
            },
            _ = scan.tick() => {
                let queue = service.spool.queue.clone();
                match tokio::task::spawn_blocking(move || queue.due(unix_now())).await {
                    Ok(Ok(due)) => due.into_iter().map(|m| m.id).collect(),
                    Ok(Err(e)) => {
                        tracing::error!("cannot read the queue: {e}");
                        Vec::new()
                    }
                    Err(_) => Vec::new(),
                }
            }
        };
        for id in ids {
            if !in_flight.lock().expect("in-flight set").insert(id.clone()) {
                continue;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (service, in_flight) = (service.clone(), in_flight.clone());
            tokio::spawn(async move {
                attempt(&service, &id).await;
                in_flight.lock().expect("in-flight set").remove(&id);
                drop(permit);
            });
        }
    }
}

fn failure(code: u16, status: EnhancedStatus, text: impl Into<String>) -> Reply {
    Reply::new(code, Some(status), text)
}

fn result(recipient: &Mailbox, status: DeliveryStatus, reply: Reply) -> RecipientResult {
    RecipientResult {
        recipient: recipient.clone(),
        status,
        reply,
    }
}

/// One attempt at every pending recipient of one message.
async fn attempt(service: &Arc<MailService>, id: &QueueId) {
    let queue = service.spool.queue.clone();
    let wanted = id.clone();
    let message = match tokio::task::spawn_blocking(move || queue.get(&wanted)).await {
        Ok(Ok(m)) => m,
        // Gone meanwhile (finished by an earlier attempt): nothing to do.
        _ => return,
    };
    if !message.envelope.has_pending() || message.envelope.next_attempt > unix_now() {
        return;
    }
    let mut results = Vec::new();
    let mut remote: BTreeMap<String, Vec<Mailbox>> = BTreeMap::new();
    let mut local = Vec::new();
    for (index, r) in message.envelope.recipients.iter().enumerate() {
        if r.state != RecipientState::Pending {
            continue;
        }
        match service.route(&r.address) {
            Route::Local(maildirs) => local.push((index, r.address.clone(), maildirs)),
            Route::Unknown => results.push(result(
                &r.address,
                DeliveryStatus::Permanent,
                failure(550, EnhancedStatus::new(5, 1, 1), "no such user here"),
            )),
            Route::Remote => remote
                .entry(r.address.domain().to_ascii_lowercase())
                .or_default()
                .push(r.address.clone()),
        }
    }
    if !local.is_empty() {
        let s = service.clone();
        let m = message.clone();
        match tokio::task::spawn_blocking(move || deliver_local(&s, &m, local)).await {
            Ok(r) => results.extend(r),
            Err(e) => tracing::error!("local delivery of {id}: {e}"),
        }
    }
    for (domain, recipients) in remote {
        results.extend(relay(service, &message, &domain, &recipients).await);
    }
    let queue = service.spool.queue.clone();
    let (wanted, now) = (id.clone(), unix_now());
    match tokio::task::spawn_blocking(move || queue.record_attempt(&wanted, &results, now)).await {
        Ok(Ok(outcome)) => {
            if let Some(bounce) = outcome.bounce {
                tracing::info!("{id}: bounced to the sender as {bounce}");
                service.spool.announce(bounce);
            }
        }
        Ok(Err(e)) => tracing::error!("recording the attempt for {id}: {e}"),
        Err(e) => tracing::error!("recording the attempt for {id}: {e}"),
    }
}

/// Links the queue file into each recipient's Maildirs under a name fixed
/// per (message, recipient), so a retry after a crash finds the copy.
fn deliver_local(
    service: &MailService,
    message: &QueuedMessage,
    local: Vec<(usize, Mailbox, Vec<std::path::PathBuf>)>,
) -> Vec<RecipientResult> {
    let source = service.spool.queue.data_path(&message.id);
    let name = |index| service.spool.queue.maildir_name(message, index);
    local
        .into_iter()
        .map(|(index, rcpt, maildirs)| {
            let delivered = maildirs.iter().try_for_each(|dir| {
                let maildir = Maildir::create(dir)?;
                if !maildir.contains(&name(index))? {
                    maildir.deliver_file(&name(index), &source)?;
                }
                Ok::<_, std::io::Error>(())
            });
            match delivered {
                Ok(()) => result(
                    &rcpt,
                    DeliveryStatus::Delivered,
                    Reply::new(
                        250,
                        Some(EnhancedStatus::new(2, 0, 0)),
                        "delivered to Maildir",
                    ),
                ),
                Err(e) => result(
                    &rcpt,
                    DeliveryStatus::Transient,
                    failure(
                        451,
                        EnhancedStatus::new(4, 3, 0),
                        format!("local delivery failed: {e}"),
                    ),
                ),
            }
        })
        .collect()
}

/// Relays to one domain: each of its hosts in turn until one answers.
async fn relay(
    service: &MailService,
    message: &QueuedMessage,
    domain: &str,
    recipients: &[Mailbox],
) -> Vec<RecipientResult> {
    let all = |status, reply: Reply| {
        recipients
            .iter()
            .map(|r| result(r, status, reply.clone()))
            .collect::<Vec<_>>()
    };
    let relay = &service.relay;
    let hosts = match relay.smarthost {
        Some(addr) => Ok(vec![MailHost {
            name: addr.ip().to_string(),
            addr,
        }]),
        None => mx::lookup(relay.resolver, domain, relay.mx_port).await,
    };
    let hosts = match hosts {
        Ok(h) => h,
        Err(MxError::NoSuchDomain(why)) => {
            return all(
                DeliveryStatus::Permanent,
                failure(550, EnhancedStatus::new(5, 1, 2), why),
            );
        }
        Err(MxError::Temporary(why)) => {
            return all(
                DeliveryStatus::Transient,
                failure(451, EnhancedStatus::new(4, 4, 3), why),
            );
        }
    };
    let (size, eight_bit) = match body_facts(service, &message.id).await {
        Ok(facts) => facts,
        Err(e) => {
            let why = format!("cannot read the queued message: {e}");
            return all(
                DeliveryStatus::Transient,
                failure(451, EnhancedStatus::new(4, 3, 0), why),
            );
        }
    };
    let mut last = failure(
        451,
        EnhancedStatus::new(4, 4, 1),
        format!("no mail host of {domain} answered"),
    );
    for host in hosts {
        let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(host.addr)).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => {
                last = failure(
                    451,
                    EnhancedStatus::new(4, 4, 1),
                    format!("{} ({}): {e}", host.name, host.addr),
                );
                continue;
            }
            Err(_) => {
                last = failure(
                    451,
                    EnhancedStatus::new(4, 4, 1),
                    format!("{} ({}): connection timed out", host.name, host.addr),
                );
                continue;
            }
        };
        let body = match tokio::fs::File::open(service.spool.queue.data_path(&message.id)).await {
            Ok(f) => f,
            Err(e) => {
                let why = format!("cannot read the queued message: {e}");
                return all(
                    DeliveryStatus::Transient,
                    failure(451, EnhancedStatus::new(4, 3, 0), why),
                );
            }
        };
        let config = ClientConfig {
            hostname: service.hostname.clone(),
            tls: TlsPolicy::Opportunistic,
            tls_active: false,
            credentials: None,
            trace: false,
        };
        let outgoing = OutgoingMessage {
            sender: message.envelope.sender.clone(),
            recipients: recipients.to_vec(),
            size,
            eight_bit,
        };
        tracing::info!("{}: relaying to {} ({})", message.id, host.name, host.addr);
        return outbound::deliver(
            Conn::Plain(tcp),
            &host.name,
            config,
            outgoing,
            body,
            relay.tls.clone(),
        )
        .await;
    }
    all(DeliveryStatus::Transient, last)
}

/// The queued message's size and whether it has 8-bit octets.
async fn body_facts(service: &MailService, id: &QueueId) -> std::io::Result<(u64, bool)> {
    let path = service.spool.queue.data_path(id);
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let (mut size, mut eight_bit) = (0u64, false);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok((size, eight_bit));
            }
            size += n as u64;
            eight_bit |= !buf[..n].is_ascii();
        }
    })
    .await
    .map_err(std::io::Error::other)?
}
