//! Upstream server selection data: a smoothed round-trip time per address
//! (RFC 6298's estimator, as resolvers such as Unbound keep it), raised
//! on timeouts so slow or dead servers sink in the ordering.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// The estimate of a server never heard from: low enough that every
/// server gets tried, high enough that known fast ones come first.
pub const UNKNOWN_RTT: Duration = Duration::from_millis(200);
/// Largest estimate kept (and longest timeout used).
pub const MAX_RTT: Duration = Duration::from_secs(3);

/// Smoothed RTTs of upstream servers.
#[derive(Debug, Default)]
pub struct ServerStats {
    srtt: HashMap<IpAddr, Duration>,
}

impl ServerStats {
    /// The current estimate for `addr`.
    pub fn srtt(&self, addr: IpAddr) -> Duration {
        self.srtt.get(&addr).copied().unwrap_or(UNKNOWN_RTT)
    }

    /// True when `addr` has answered or timed out before.
    pub fn is_known(&self, addr: IpAddr) -> bool {
        self.srtt.contains_key(&addr)
    }

    /// Folds in a measured round trip: srtt = 7/8 srtt + 1/8 sample.
    pub fn record_rtt(&mut self, addr: IpAddr, sample: Duration) {
        let new = match self.srtt.get(&addr) {
            Some(old) => (*old * 7 + sample) / 8,
            None => sample,
        };
        self.srtt.insert(addr, new.min(MAX_RTT));
    }

    /// A timeout doubles the estimate (exponential backoff).
    pub fn record_timeout(&mut self, addr: IpAddr) {
        let doubled = (self.srtt(addr) * 2).min(MAX_RTT);
        self.srtt.insert(addr, doubled);
    }

    /// How long to wait for `addr`: a few round trips, within bounds.
    pub fn timeout(&self, addr: IpAddr, initial: Duration) -> Duration {
        match self.srtt.get(&addr) {
            Some(srtt) => (*srtt * 3).clamp(Duration::from_millis(100), MAX_RTT),
            None => initial,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_and_backoff() {
        let mut s = ServerStats::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(s.srtt(a), UNKNOWN_RTT);
        s.record_rtt(a, Duration::from_millis(80));
        s.record_rtt(a, Duration::from_millis(160));
        assert_eq!(s.srtt(a), Duration::from_millis(90));
        s.record_timeout(a);
        assert_eq!(s.srtt(a), Duration::from_millis(180));
        assert_eq!(
            s.timeout(a, Duration::from_secs(1)),
            Duration::from_millis(540)
        );
    }
}
