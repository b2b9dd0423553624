//! The video the simulated origin holds: every segment at every rung, cut
//! into the pieces the player requests, as objects of l7-http's simulated
//! web server (`GET /o/<index>`). Segment sizes vary around the nominal
//! bitrate × duration by a seeded factor per segment (scene complexity,
//! the same at every rung), as a VBR encoder's would.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::player::PIECE_BYTES;

/// How far a segment's size strays from nominal (±).
const VBR_SPREAD: f64 = 0.15;

/// Segment sizes and where their pieces live.
#[derive(Debug, Clone)]
pub struct Catalogue {
    rungs: usize,
    /// Bytes of (segment, rung), row-major.
    bytes: Vec<u64>,
    /// First object index of (segment, rung), row-major.
    first_object: Vec<usize>,
}

impl Catalogue {
    /// Sizes for `bitrates` (bit/s) × `segment_s` segments, from `seed`.
    pub fn new(bitrates: &[f64], segment_s: &[f64], seed: u64) -> Catalogue {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut bytes = Vec::with_capacity(bitrates.len() * segment_s.len());
        for &secs in segment_s {
            let factor = 1.0 + rng.random_range(-VBR_SPREAD..VBR_SPREAD);
            for &bps in bitrates {
                bytes.push(((bps * secs / 8.0) * factor).round().max(1.0) as u64);
            }
        }
        let mut first_object = Vec::with_capacity(bytes.len());
        let mut next = 0;
        for &b in &bytes {
            first_object.push(next);
            next += b.div_ceil(PIECE_BYTES) as usize;
        }
        Catalogue {
            rungs: bitrates.len(),
            bytes,
            first_object,
        }
    }

    /// Bytes of `segment` at `rung`.
    pub fn bytes(&self, segment: usize, rung: usize) -> u64 {
        self.bytes[segment * self.rungs + rung]
    }

    /// The request path of piece `piece` of `segment` at `rung`.
    pub fn path(&self, segment: usize, rung: usize, piece: usize) -> String {
        format!(
            "/o/{}",
            self.first_object[segment * self.rungs + rung] + piece
        )
    }

    /// Every object's size, by index: what the web server serves.
    pub fn object_sizes(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for &b in &self.bytes {
            let pieces = b.div_ceil(PIECE_BYTES);
            for p in 0..pieces {
                out.push(PIECE_BYTES.min(b - p * PIECE_BYTES));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_each_segment_exactly() {
        let c = Catalogue::new(&[1e6, 4e6], &[4.0; 3], 1);
        let sizes = c.object_sizes();
        for seg in 0..3 {
            for rung in 0..2 {
                let first: usize = c.path(seg, rung, 0)[3..].parse().unwrap();
                let n = c.bytes(seg, rung).div_ceil(PIECE_BYTES) as usize;
                let sum: u64 = sizes[first..first + n].iter().sum();
                assert_eq!(sum, c.bytes(seg, rung));
            }
            let ratio = c.bytes(seg, 1) as f64 / c.bytes(seg, 0) as f64;
            assert!((ratio - 4.0).abs() < 0.01, "one factor per segment");
        }
    }
}
