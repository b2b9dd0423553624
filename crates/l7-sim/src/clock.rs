//! Virtual time arithmetic. The simulator's clock is an [`Instant`] that only
//! moves when the event loop jumps to the next event; these helpers turn
//! instants into nanosecond counts and sizes into serialisation times.

use l7_wire::Instant;
use std::time::Duration;

/// Nanoseconds since the simulation's epoch.
pub(crate) fn nanos(at: Instant) -> u64 {
    u64::try_from(at.since_epoch().as_nanos()).unwrap_or(u64::MAX)
}

/// The instant `ns` nanoseconds after the epoch.
pub(crate) fn from_nanos(ns: u64) -> Instant {
    Instant::from_epoch(Duration::from_nanos(ns))
}

/// Seconds since the epoch, for traces, series and reports.
pub fn seconds(at: Instant) -> f64 {
    at.since_epoch().as_secs_f64()
}

/// Time to put `bytes` on a link of `bits_per_second`, rounded up to the
/// nanosecond. A zero rate never finishes (saturates at the maximum).
pub(crate) fn serialisation_time(bytes: u64, bits_per_second: u64) -> Duration {
    if bits_per_second == 0 {
        return Duration::from_nanos(u64::MAX);
    }
    let ns = (u128::from(bytes) * 8 * 1_000_000_000).div_ceil(u128::from(bits_per_second));
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
}

/// Time for `bits` at a fluid `rate` (bits/s), rounded up to the nanosecond.
pub(crate) fn fluid_time(bits: f64, rate: f64) -> Duration {
    let ns = (bits / rate * 1e9).ceil();
    if ns.is_finite() && ns < 1e18 {
        Duration::from_nanos(ns.max(0.0) as u64)
    } else {
        Duration::from_nanos(1_000_000_000_000_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialisation_rounds_up() {
        // 1500 bytes at 12 Mbit/s = 1 ms exactly.
        assert_eq!(
            serialisation_time(1500, 12_000_000),
            Duration::from_millis(1)
        );
        // 1 byte at 3 bit/s = 8/3 s, rounded up to the nanosecond.
        assert_eq!(
            serialisation_time(1, 3),
            Duration::from_nanos(2_666_666_667)
        );
        assert_eq!(nanos(from_nanos(42)), 42);
        assert_eq!(fluid_time(8e6, 8e6), Duration::from_secs(1));
    }
}
