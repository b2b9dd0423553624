//! The durable outbound queue in a directory:
//!
//! ```text
//! queue/tmp/       files being written (removed on open: never acknowledged)
//! queue/data/ID    the message, immutable once staged
//! queue/env/ID     the envelope (see `envelope`), replaced atomically
//! ```
//!
//! Durability (nothing acknowledged is lost on kill -9): a message is
//! written to `tmp/`, fsynced, renamed to `data/ID`; its envelope is written
//! to `tmp/`, fsynced, renamed to `env/ID`; then `data/` and `env/` are
//! fsynced. Only after that does the driver send 250. Group commit:
//! [`Queue::stage`] does the per-message work and [`Queue::commit`] the
//! directory fsyncs once for every message staged since, so concurrent
//! sessions share them. On open, files in `tmp/` and a `data/` or `env/`
//! without its partner are unacknowledged leftovers and are removed.
//!
//! No double delivery: after each attempt the envelope is rewritten (tmp →
//! fsync → rename → fsync dir) with per-recipient states, so a recipient
//! marked `delivered` is never tried again. The one remaining window — the
//! next hop said 250 and we died before the rewrite — is the duplicate RFC
//! 5321 §6.1 accepts; for local Maildir delivery it is closed too: the
//! Maildir file name is derived from (queue id, recipient index)
//! ([`Queue::maildir_name`]) and `Maildir::contains` tells the driver the
//! copy is already there. Bounces are queued before the envelope records
//! the failure, under an id derived from the message id and attempt
//! number, so a crash between the two cannot produce a second bounce.

use super::envelope::{QueueEnvelope, RecipientState};
use super::schedule::RetryPolicy;
use crate::message::{Bounce, FailedRecipient};
use crate::smtp::address::{Mailbox, ReversePath};
use crate::smtp::client::{DeliveryStatus, RecipientResult};
use crate::smtp::reply::EnhancedStatus;
use crate::store::{UniqueName, sync_dir};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The name of a queued message (also its file names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(String);

impl QueueId {
    /// Accepts only the characters our ids use, so an id never names a
    /// path outside the queue.
    pub fn parse(s: &str) -> Option<QueueId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok.then(|| QueueId(s.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A queued message as `list()` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    /// Its id.
    pub id: QueueId,
    /// Its envelope.
    pub envelope: QueueEnvelope,
    /// Size of the message data in bytes.
    pub size: u64,
}

/// What an attempt changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The bounce queued for newly failed recipients (never for a bounce).
    pub bounce: Option<QueueId>,
    /// Every recipient is done: the message left the queue.
    pub finished: bool,
    /// When the pending recipients are tried next.
    pub next_attempt: Option<i64>,
}

/// A message being received into the queue; dropped without
/// [`Queue::stage`], its temporary file is removed.
#[derive(Debug)]
pub struct Incoming {
    file: File,
    tmp: PathBuf,
    staged: bool,
}

impl Incoming {
    /// Appends message bytes as they stream in.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.staged {
            // Best effort; `Queue::open` removes whatever is left in tmp/.
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The queue directory.
#[derive(Debug)]
pub struct Queue {
    dir: PathBuf,
    hostname: String,
    pid: u32,
    seq: AtomicU64,
    policy: RetryPolicy,
    /// Messages staged whose directory entries are not fsynced yet.
    unsynced: AtomicBool,
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl Queue {
    /// Opens (creating) the queue in `dir`, removing unacknowledged
    /// leftovers. `hostname` names us in bounces; `pid` keeps ids unique.
    pub fn open(
        dir: impl Into<PathBuf>,
        hostname: &str,
        pid: u32,
        policy: RetryPolicy,
    ) -> io::Result<Queue> {
        let dir = dir.into();
        for sub in ["tmp", "data", "env"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        let queue = Queue {
            dir,
            hostname: hostname.to_string(),
            pid,
            seq: AtomicU64::new(0),
            policy,
            unsynced: AtomicBool::new(false),
        };
        for entry in fs::read_dir(queue.dir.join("tmp"))? {
            fs::remove_file(entry?.path())?;
        }
        for (this, partner) in [("data", "env"), ("env", "data")] {
            for entry in fs::read_dir(queue.dir.join(this))? {
                let entry = entry?;
                if !queue.dir.join(partner).join(entry.file_name()).exists() {
                    fs::remove_file(entry.path())?;
                }
            }
        }
        Ok(queue)
    }

    fn path(&self, sub: &str, id: &QueueId) -> PathBuf {
        self.dir.join(sub).join(id.as_str())
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Starts receiving a message (stream its body with [`Incoming::write`]).
    pub fn begin(&self) -> io::Result<Incoming> {
        let seq = self.next_seq();
        let tmp = self.dir.join("tmp").join(format!("in-{}-{seq}", self.pid));
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        Ok(Incoming {
            file,
            tmp,
            staged: false,
        })
    }

    fn fresh_id(&self, now: i64) -> QueueId {
        loop {
            let seq = self.next_seq();
            let id = QueueId(format!("{now:X}-{:X}-{seq:X}", self.pid));
            if !self.path("data", &id).exists() && !self.path("env", &id).exists() {
                return id;
            }
        }
    }

    fn write_envelope(&self, id: &QueueId, envelope: &QueueEnvelope) -> io::Result<()> {
        let tmp = self.dir.join("tmp").join(format!("{id}.env"));
        write_synced(&tmp, &envelope.to_bytes())?;
        fs::rename(&tmp, self.path("env", id))
    }

    /// Makes a received message durable except for the directory fsyncs,
    /// which [`Queue::commit`] does for every staged message at once.
    pub fn stage(
        &self,
        mut incoming: Incoming,
        sender: ReversePath,
        recipients: Vec<Mailbox>,
        now: i64,
    ) -> io::Result<QueueId> {
        incoming.file.sync_all()?;
        let id = self.fresh_id(now);
        fs::rename(&incoming.tmp, self.path("data", &id))?;
        incoming.staged = true;
        self.write_envelope(&id, &QueueEnvelope::new(sender, recipients, now))?;
        self.unsynced.store(true, Ordering::Release);
        Ok(id)
    }

    /// Group commit: fsyncs `data/` and `env/` once. After it returns, every
    /// message staged before may be acknowledged with 250.
    pub fn commit(&self) -> io::Result<()> {
        // Cleared before syncing: a message staged meanwhile sets it again
        // and is covered by this sync or the next one.
        if self.unsynced.swap(false, Ordering::AcqRel) {
            let synced =
                sync_dir(&self.dir.join("data")).and_then(|()| sync_dir(&self.dir.join("env")));
            if synced.is_err() {
                self.unsynced.store(true, Ordering::Release);
            }
            synced?;
        }
        Ok(())
    }

    /// Queues a whole message durably (begin, write, stage, commit).
    pub fn enqueue(
        &self,
        sender: ReversePath,
        recipients: Vec<Mailbox>,
        data: &[u8],
        now: i64,
    ) -> io::Result<QueueId> {
        let mut incoming = self.begin()?;
        incoming.write(data)?;
        let id = self.stage(incoming, sender, recipients, now)?;
        self.commit()?;
        Ok(id)
    }

    /// Every message in the queue, oldest first. Envelopes that cannot be
    /// parsed are left on disk for a human and not listed.
    pub fn list(&self) -> io::Result<Vec<QueuedMessage>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(self.dir.join("env"))? {
            let entry = entry?;
            let Some(id) = entry.file_name().to_str().and_then(QueueId::parse) else {
                continue;
            };
            let Ok(envelope) = QueueEnvelope::parse(&fs::read(entry.path())?) else {
                continue;
            };
            let size = fs::metadata(self.path("data", &id))?.len();
            out.push(QueuedMessage { id, envelope, size });
        }
        out.sort_by(|a, b| (a.envelope.created, &a.id).cmp(&(b.envelope.created, &b.id)));
        Ok(out)
    }

    /// One queued message.
    pub fn get(&self, id: &QueueId) -> io::Result<QueuedMessage> {
        let envelope = self.envelope(id)?;
        let size = fs::metadata(self.path("data", id))?.len();
        Ok(QueuedMessage {
            id: id.clone(),
            envelope,
            size,
        })
    }

    /// Messages with pending recipients whose next attempt is due at `now`.
    pub fn due(&self, now: i64) -> io::Result<Vec<QueuedMessage>> {
        let mut all = self.list()?;
        all.retain(|m| m.envelope.has_pending() && m.envelope.next_attempt <= now);
        Ok(all)
    }

    /// The path of the message data (immutable once queued).
    pub fn data_path(&self, id: &QueueId) -> PathBuf {
        self.path("data", id)
    }

    /// The message data.
    pub fn data(&self, id: &QueueId) -> io::Result<Vec<u8>> {
        fs::read(self.path("data", id))
    }

    fn envelope(&self, id: &QueueId) -> io::Result<QueueEnvelope> {
        let raw = fs::read(self.path("env", id))?;
        QueueEnvelope::parse(&raw).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidData, format!("queue file {id}: {e}"))
        })
    }

    /// Makes every pending message due now (`l7 mail queue --flush`);
    /// returns how many were rescheduled.
    pub fn flush(&self, now: i64) -> io::Result<usize> {
        let mut count = 0;
        for mut m in self.list()? {
            if m.envelope.has_pending() && m.envelope.next_attempt > now {
                m.envelope.next_attempt = now;
                self.write_envelope(&m.id, &m.envelope)?;
                count += 1;
            }
        }
        sync_dir(&self.dir.join("env"))?;
        Ok(count)
    }

    /// The Maildir name for local delivery of recipient `index` of a queued
    /// message: the same on every attempt, so a retry after a crash can see
    /// the copy is already delivered.
    pub fn maildir_name(&self, message: &QueuedMessage, index: usize) -> UniqueName {
        UniqueName {
            unix_time: message.envelope.created,
            unique: format!("{}_{index}", message.id),
            hostname: self.hostname.clone(),
        }
    }

    /// Records the results of one delivery attempt: delivered recipients are
    /// done, permanent failures bounce (unless the sender is `<>`), transient
    /// ones are retried with backoff, or bounce once the message is older
    /// than the policy's maximum age. Finished messages leave the queue.
    pub fn record_attempt(
        &self,
        id: &QueueId,
        results: &[RecipientResult],
        now: i64,
    ) -> io::Result<AttemptOutcome> {
        let mut envelope = self.envelope(id)?;
        envelope.attempts += 1;
        let mut newly_failed = Vec::new();
        for result in results {
            let Some(index) = envelope
                .recipients
                .iter()
                .position(|r| r.address == result.recipient && r.state == RecipientState::Pending)
            else {
                continue;
            };
            match result.status {
                DeliveryStatus::Delivered => {
                    envelope.recipients[index].state = RecipientState::Delivered
                }
                DeliveryStatus::Permanent => {
                    let status = result
                        .reply
                        .enhanced()
                        .unwrap_or(EnhancedStatus::new(5, 0, 0));
                    newly_failed.push((index, status, format!("smtp; {}", result.reply)));
                }
                DeliveryStatus::Transient => envelope.last_error = Some(result.reply.to_string()),
            }
        }
        if self.policy.expired(envelope.created, now) {
            // RFC 3463 4.4.7: delivery time expired.
            for (index, r) in envelope.recipients.iter().enumerate() {
                if r.state == RecipientState::Pending
                    && !newly_failed.iter().any(|(i, _, _)| *i == index)
                {
                    let why = envelope
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "no successful attempt".into());
                    newly_failed.push((
                        index,
                        EnhancedStatus::new(4, 4, 7),
                        format!("x-l7; delivery time expired; last error: {why}"),
                    ));
                }
            }
        }
        let bounce = match (&envelope.sender, newly_failed.is_empty()) {
            (ReversePath::Mailbox(sender), false) => {
                Some(self.queue_bounce(id, &envelope, sender, &newly_failed, now)?)
            }
            // RFC 5321 §4.5.5: never bounce a bounce (null reverse-path).
            _ => None,
        };
        for (index, status, diagnostic) in newly_failed {
            envelope.recipients[index].state = RecipientState::Failed { status, diagnostic };
        }
        envelope.next_attempt = now + self.policy.delay_after(envelope.attempts).as_secs() as i64;
        let finished = !envelope.has_pending();
        if finished {
            fs::remove_file(self.path("env", id))?;
            fs::remove_file(self.path("data", id))?;
        } else {
            self.write_envelope(id, &envelope)?;
        }
        sync_dir(&self.dir.join("env"))?;
        Ok(AttemptOutcome {
            bounce,
            finished,
            next_attempt: (!finished).then_some(envelope.next_attempt),
        })
    }

    fn queue_bounce(
        &self,
        id: &QueueId,
        envelope: &QueueEnvelope,
        sender: &Mailbox,
        failed: &[(usize, EnhancedStatus, String)],
        now: i64,
    ) -> io::Result<QueueId> {
        let bounce_id = QueueId(format!("{id}-B{}", envelope.attempts));
        if self.path("env", &bounce_id).exists() {
            // Queued before a crash that kept the envelope from recording it.
            return Ok(bounce_id);
        }
        let failed: Vec<FailedRecipient> = failed
            .iter()
            .map(|(i, status, diagnostic)| FailedRecipient {
                recipient: envelope.recipients[*i].address.to_string(),
                status: *status,
                diagnostic: diagnostic.clone(),
            })
            .collect();
        let original = self.data(id)?;
        let message_id = format!("<{bounce_id}@{}>", self.hostname);
        let sender_text = sender.to_string();
        let dsn = Bounce {
            reporting_mta: &self.hostname,
            original_sender: &sender_text,
            original_message: &original,
            failed: &failed,
            arrival_unix: envelope.created,
            unix_time: now,
            message_id: &message_id,
        }
        .to_bytes();
        let data_tmp = self.dir.join("tmp").join(format!("{bounce_id}.data"));
        write_synced(&data_tmp, &dsn)?;
        fs::rename(&data_tmp, self.path("data", &bounce_id))?;
        self.write_envelope(
            &bounce_id,
            &QueueEnvelope::new(ReversePath::Null, vec![sender.clone()], now),
        )?;
        self.unsynced.store(true, Ordering::Release);
        self.commit()?;
        Ok(bounce_id)
    }
}
