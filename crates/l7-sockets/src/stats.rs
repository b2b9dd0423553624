//! Round-trip-time statistics as ping and the RTT tool report them:
//! min/avg/max/mdev (iputils ping's definition of mdev) and the median and
//! 99th percentile (nearest rank).

use std::time::Duration;

/// Summary of a set of RTT samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RttStats {
    /// Number of samples.
    pub count: usize,
    /// Smallest sample.
    pub min: Duration,
    /// Arithmetic mean.
    pub avg: Duration,
    /// Largest sample.
    pub max: Duration,
    /// Mean deviation as iputils computes it: sqrt(mean(x²) − mean(x)²).
    pub mdev: Duration,
    /// Median (nearest rank).
    pub median: Duration,
    /// 99th percentile (nearest rank).
    pub p99: Duration,
}

impl RttStats {
    /// Summarises `samples`; `None` when there are none.
    pub fn from_samples(samples: &[Duration]) -> Option<RttStats> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort();
        let n = sorted.len() as f64;
        let secs: Vec<f64> = sorted.iter().map(Duration::as_secs_f64).collect();
        let mean = secs.iter().sum::<f64>() / n;
        let mean_sq = secs.iter().map(|x| x * x).sum::<f64>() / n;
        let mdev = (mean_sq - mean * mean).max(0.0).sqrt();
        Some(RttStats {
            count: sorted.len(),
            min: sorted[0],
            avg: Duration::from_secs_f64(mean),
            max: sorted[sorted.len() - 1],
            mdev: Duration::from_secs_f64(mdev),
            median: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
        })
    }
}

/// Nearest-rank percentile of sorted, non-empty samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Loss as ping reports it: whole percent of transmitted that got no reply.
pub fn loss_percent(transmitted: usize, received: usize) -> f64 {
    if transmitted == 0 {
        return 0.0;
    }
    100.0 * (transmitted.saturating_sub(received)) as f64 / transmitted as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn matches_hand_computed_values() {
        let s = RttStats::from_samples(&[ms(4), ms(1), ms(3), ms(2)]).unwrap();
        assert_eq!((s.count, s.min, s.max), (4, ms(1), ms(4)));
        assert_eq!(s.avg, Duration::from_micros(2500));
        // mean(x²) = 7.5, mean² = 6.25, mdev = sqrt(1.25) ms
        assert!((s.mdev.as_secs_f64() * 1e3 - 1.25f64.sqrt()).abs() < 1e-5);
        assert_eq!(s.median, ms(2));
        assert_eq!(s.p99, ms(4));
        assert_eq!(RttStats::from_samples(&[]), None);
    }

    #[test]
    fn loss() {
        assert_eq!(loss_percent(10, 7), 30.0);
        assert_eq!(loss_percent(0, 0), 0.0);
    }
}
