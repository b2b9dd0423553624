//! A stream direction's send buffer: the writes not yet on the wire, cut
//! into the units the simulator delivers. A unit is at most one piece
//! (`stream_piece_bytes`) and never spans a write boundary, except that
//! consecutive writes fitting together in one small segment
//! (`small_write_bytes`) travel together, as TCP would coalesce them.
//! A write that fits in one unit is moved, not copied. Writes are kept
//! packed ([`Payload`]).

use std::collections::VecDeque;

use crate::payload::Payload;

/// Bytes written to one direction of a stream and not yet sent.
#[derive(Debug, Default)]
pub(crate) struct SendBuffer {
    writes: VecDeque<Payload>,
    len: usize,
}

impl SendBuffer {
    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Queues a write (empty writes are ignored).
    pub fn push(&mut self, bytes: Payload) {
        if !bytes.is_empty() {
            self.len += bytes.len();
            self.writes.push_back(bytes);
        }
    }

    /// The next unit if it is small (at most `coalesce` bytes): what rides
    /// behind a unit that just left (see `stream.rs`).
    pub fn take_small(&mut self, piece: usize, coalesce: usize) -> Option<Payload> {
        if self.writes.front()?.len() > coalesce {
            return None;
        }
        self.take_unit(piece, coalesce)
    }

    /// The next unit to put on the wire, if anything waits.
    pub fn take_unit(&mut self, piece: usize, coalesce: usize) -> Option<Payload> {
        let head = self.writes.front_mut()?;
        if head.len() > piece {
            self.len -= piece;
            return Some(head.split_front(piece));
        }
        let mut unit = self.writes.pop_front()?;
        while let Some(next) = self.writes.front() {
            if unit.len() + next.len() > coalesce {
                break;
            }
            unit.append(self.writes.pop_front()?);
        }
        self.len -= unit.len();
        Some(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(unit: Option<Payload>) -> Option<Vec<u8>> {
        unit.map(|u| {
            let mut out = Vec::new();
            u.expand_into(&mut out);
            out
        })
    }

    #[test]
    fn pieces_boundaries_and_coalescing() {
        let mut b = SendBuffer::default();
        b.push(Payload::pack(vec![1; 10]));
        b.push(Payload::pack(vec![2; 3]));
        b.push(Payload::with_fill(vec![3], 3, 3));
        b.push(Payload::pack(Vec::new()));
        assert_eq!(b.len(), 17);
        // Large write cut into pieces of 4; its tail ends the unit.
        assert_eq!(bytes(b.take_unit(4, 8)), Some(vec![1; 4]));
        // A head of 6 bytes left: too big to ride as a small unit.
        assert_eq!(bytes(b.take_small(4, 3)), None);
        assert_eq!(bytes(b.take_unit(4, 8)), Some(vec![1; 4]));
        // Tail (2 bytes) coalesces with the 3-byte write (5 ≤ 8), not with the next 4.
        assert_eq!(bytes(b.take_unit(4, 8)), Some(vec![1, 1, 2, 2, 2]));
        assert_eq!(bytes(b.take_unit(4, 8)), Some(vec![3; 4]));
        assert_eq!(bytes(b.take_unit(4, 8)), None);
        assert_eq!(b.len(), 0);
    }
}
