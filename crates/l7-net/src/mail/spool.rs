//! The queue as the receiving sessions and the delivery workers share it,
//! with group commit: each session stages its message (fsyncing its own
//! files, in parallel with the others) and then asks the committer for the
//! directory fsyncs; the committer does them once for every session that
//! asked meanwhile, and all of them send their 250s. Each newly committed
//! message is handed to the delivery workers at once.

use std::io;
use std::sync::Arc;

use l7_mail::queue::{Queue, QueueId};
use tokio::sync::{mpsc, oneshot};

type Waiter = oneshot::Sender<Result<(), String>>;

/// The shared queue and its committer.
#[derive(Clone)]
pub struct Spool {
    /// The queue on disk.
    pub queue: Arc<Queue>,
    commits: mpsc::UnboundedSender<Waiter>,
    fresh: mpsc::UnboundedSender<QueueId>,
}

impl Spool {
    /// Starts the committer task; newly committed ids arrive on the
    /// returned receiver (for the delivery workers).
    pub fn start(queue: Queue) -> (Spool, mpsc::UnboundedReceiver<QueueId>) {
        let queue = Arc::new(queue);
        let (commits, rx) = mpsc::unbounded_channel();
        let (fresh, fresh_rx) = mpsc::unbounded_channel();
        tokio::spawn(committer(queue.clone(), rx));
        (
            Spool {
                queue,
                commits,
                fresh,
            },
            fresh_rx,
        )
    }

    /// Waits until every message staged before this call is durable.
    pub async fn commit(&self) -> io::Result<()> {
        let (tx, rx) = oneshot::channel();
        self.commits
            .send(tx)
            .map_err(|_| io::Error::other("the queue committer has stopped"))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(io::Error::other(e)),
            Err(_) => Err(io::Error::other("the queue committer has stopped")),
        }
    }

    /// Hands a committed message to the delivery workers.
    pub fn announce(&self, id: QueueId) {
        // Without workers (they stopped at shutdown) the message waits on
        // disk for the next start.
        let _ = self.fresh.send(id);
    }
}

async fn committer(queue: Arc<Queue>, mut rx: mpsc::UnboundedReceiver<Waiter>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let q = queue.clone();
        let result = match tokio::task::spawn_blocking(move || q.commit()).await {
            Ok(r) => r.map_err(|e| format!("cannot sync the queue: {e}")),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &result {
            tracing::error!("{e}");
        }
        for waiter in batch {
            let _ = waiter.send(result.clone());
        }
    }
}
