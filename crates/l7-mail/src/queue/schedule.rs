//! When to retry (RFC 5321 §4.5.4.1: retry intervals of at least 30
//! minutes are suggested, give-up after 4-5 days): exponential backoff from
//! minutes to hours, capped, and a maximum age after which the message
//! bounces.

use std::time::Duration;

/// The retry schedule of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt.
    pub initial_delay: Duration,
    /// Longest delay between attempts.
    pub max_delay: Duration,
    /// Age after which undelivered recipients bounce (5 days by default).
    pub max_age: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(5 * 60),
            max_delay: Duration::from_secs(4 * 3600),
            max_age: Duration::from_secs(5 * 86_400),
        }
    }
}

impl RetryPolicy {
    /// The delay after the `attempts`-th failed attempt (1-based):
    /// initial × 2^(attempts-1), at most `max_delay`.
    pub fn delay_after(&self, attempts: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }

    /// True when a message created at `created` is too old to retry at `now`.
    pub fn expired(&self, created: i64, now: i64) -> bool {
        now.saturating_sub(created) >= self.max_age.as_secs() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_from_minutes_to_hours() {
        let p = RetryPolicy::default();
        let minutes: Vec<u64> = (1..=8).map(|n| p.delay_after(n).as_secs() / 60).collect();
        assert_eq!(minutes, [5, 10, 20, 40, 80, 160, 240, 240]);
        assert_eq!(p.delay_after(1000), p.max_delay);
        assert!(!p.expired(0, 5 * 86_400 - 1));
        assert!(p.expired(0, 5 * 86_400));
    }
}
