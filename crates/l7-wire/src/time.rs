//! Time as a value. Protocol cores never read a clock: drivers pass the
//! current [`Instant`] in (from a monotonic clock), and the simulator passes
//! virtual time. An `Instant` is a duration since an epoch chosen by the
//! caller; only differences between instants from one caller are meaningful.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time, measured from the caller's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The caller's epoch (time zero).
    pub const ZERO: Instant = Instant(Duration::ZERO);

    /// The instant `d` after the epoch.
    pub const fn from_epoch(d: Duration) -> Self {
        Instant(d)
    }

    /// The instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Instant(Duration::from_millis(ms))
    }

    /// Time elapsed since the epoch.
    pub const fn since_epoch(self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let a = Instant::from_millis(1500);
        let b = a + Duration::from_millis(500);
        assert_eq!(b - a, Duration::from_millis(500));
        assert_eq!(a - b, Duration::ZERO);
        assert_eq!(b.since_epoch(), Duration::from_secs(2));
    }
}
