//! Clean shutdown: one token that every server watches, fired by SIGINT or
//! SIGTERM. Servers stop accepting when it fires, let in-flight connections
//! finish for a grace period, and return.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long servers wait for open connections after shutdown begins.
pub const GRACE: Duration = Duration::from_secs(2);

/// A cloneable shutdown signal shared by every task of a process.
#[derive(Debug, Clone, Default)]
pub struct Shutdown(CancellationToken);

impl Shutdown {
    /// A token that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the token: every watcher begins to stop.
    pub fn trigger(&self) {
        self.0.cancel();
    }

    /// True once the token has fired.
    pub fn is_triggered(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Completes when the token fires.
    pub async fn wait(&self) {
        self.0.cancelled().await
    }

    /// Fires the token on the first SIGINT or SIGTERM (in a background task).
    pub fn on_signals(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let me = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = int.recv() => tracing::info!("SIGINT: shutting down"),
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            }
            me.trigger();
        });
        Ok(())
    }
}
