//! A token bucket shared by every connection of a torrent, for
//! `--upload-limit` and `--download-limit`: a task takes the bytes it just
//! moved and, when the bucket is in debt, sleeps until the debt is repaid,
//! so TCP flow control slows the other side down.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Burst allowance: a quarter second of the rate, at least one 16 KiB block.
fn burst(rate: u64) -> f64 {
    (rate as f64 / 4.0).max(16.0 * 1024.0)
}

/// Bytes per second for a group of connections (`None`: unlimited).
#[derive(Debug)]
pub struct RateLimit {
    rate: Option<u64>,
    /// Tokens available (negative: debt) and when they were counted.
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    /// A limit of `rate` bytes per second, or none.
    pub fn new(rate: Option<u64>) -> Self {
        RateLimit {
            rate: rate.filter(|&r| r > 0),
            state: Mutex::new((rate.map_or(0.0, burst), Instant::now())),
        }
    }

    /// Accounts for `bytes` moved; waits while the bucket is in debt.
    pub async fn take(&self, bytes: usize) {
        let Some(rate) = self.rate else { return };
        let wait = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let refill = now.duration_since(s.1).as_secs_f64() * rate as f64;
            s.0 = (s.0 + refill).min(burst(rate)) - bytes as f64;
            s.1 = now;
            if s.0 < 0.0 {
                Duration::from_secs_f64(-s.0 / rate as f64)
            } else {
                Duration::ZERO
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debt_is_repaid_at_the_rate() {
        let l = RateLimit::new(Some(100_000));
        let start = Instant::now();
        // The burst (25 000 bytes) passes; 20 000 more take at least 0.2 s.
        l.take(25_000).await;
        l.take(20_000).await;
        assert!(start.elapsed() >= Duration::from_millis(190));
        RateLimit::new(None).take(1 << 30).await;
    }
}
