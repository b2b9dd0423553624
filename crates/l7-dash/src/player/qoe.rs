//! What a session did, per segment and in sum: the records `l7 play`
//! prints one line each for, and the QoE summary, including QoE_lin =
//! Σ bitrate (Mbit/s) − 4.3 × rebuffer (s) − Σ |Δ bitrate| (Mbit/s), the
//! linear QoE of Pensieve's evaluation (Mao et al. 2017). Start-up delay is
//! reported on its own and not counted as rebuffering.

use serde::Serialize;

use crate::abr::REBUFFER_PENALTY;

/// One fetched segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRecord {
    /// Segment index (0-based, in presentation order).
    pub segment: usize,
    /// Ladder rung (0 = lowest).
    pub rung: usize,
    /// The rung's bitrate, bit/s.
    pub bitrate_bps: f64,
    /// Bytes received.
    pub bytes: u64,
    /// Request time, seconds from the session's start.
    pub requested_s: f64,
    /// Completion time, seconds from the session's start.
    pub done_s: f64,
    /// Measured throughput of this download, bit/s.
    pub throughput_bps: f64,
    /// Buffer after the segment was added, seconds.
    pub buffer_s: f64,
    /// Seconds stalled while this segment downloaded.
    pub stall_s: f64,
}

/// The session in sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Segments fetched.
    pub segments: usize,
    /// Mean bitrate over the segments, bit/s.
    pub mean_bitrate_bps: f64,
    /// Total rebuffering, seconds.
    pub rebuffer_s: f64,
    /// Number of stalls.
    pub rebuffer_count: usize,
    /// Rung changes between consecutive segments.
    pub switches: usize,
    /// From the session's start to the first frame, seconds.
    pub startup_delay_s: Option<f64>,
    /// Downloads abandoned because they would stall.
    pub abandoned: usize,
    /// Σ bitrate (Mbit/s) − 4.3 × rebuffer (s) − Σ |Δ bitrate| (Mbit/s).
    pub qoe_lin: f64,
}

impl Summary {
    /// The summary of `records`, with the stall totals from the buffer model.
    pub fn of(
        records: &[SegmentRecord],
        rebuffer_s: f64,
        rebuffer_count: usize,
        startup_delay_s: Option<f64>,
        abandoned: usize,
    ) -> Summary {
        let mbps: Vec<f64> = records.iter().map(|r| r.bitrate_bps / 1e6).collect();
        let sum: f64 = mbps.iter().sum();
        let smoothness: f64 = mbps.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        Summary {
            segments: records.len(),
            mean_bitrate_bps: if records.is_empty() {
                0.0
            } else {
                sum * 1e6 / records.len() as f64
            },
            rebuffer_s,
            rebuffer_count,
            switches: records
                .windows(2)
                .filter(|w| w[0].rung != w[1].rung)
                .count(),
            startup_delay_s,
            abandoned,
            qoe_lin: sum - REBUFFER_PENALTY * rebuffer_s - smoothness,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(rung: usize, bitrate_bps: f64) -> SegmentRecord {
        SegmentRecord {
            segment: 0,
            rung,
            bitrate_bps,
            bytes: 0,
            requested_s: 0.0,
            done_s: 0.0,
            throughput_bps: 0.0,
            buffer_s: 0.0,
            stall_s: 0.0,
        }
    }

    #[test]
    fn qoe_lin_as_pensieve_defines_it() {
        let r = [rec(0, 1e6), rec(1, 3e6), rec(1, 3e6), rec(0, 1e6)];
        let s = Summary::of(&r, 0.5, 1, Some(1.0), 0);
        // Σ = 8; smoothness = 2 + 0 + 2 = 4; rebuffer 0.5 × 4.3 = 2.15.
        assert!((s.qoe_lin - (8.0 - 4.0 - 2.15)).abs() < 1e-9);
        assert_eq!(s.switches, 2);
        assert_eq!(s.mean_bitrate_bps, 2e6);
        assert_eq!(Summary::of(&[], 0.0, 0, None, 0).mean_bitrate_bps, 0.0);
    }
}
