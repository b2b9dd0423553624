//! Round-robin interleaving of response bodies that share one multiplexed
//! connection (HTTP/2, RFC 9113 §5): each stream with body bytes left gets a
//! turn of at most one quantum, then goes to the back of the line, so a
//! small object is never stuck behind a large one (the head-of-line blocking
//! HTTP/2 exists to remove). Flow control (RFC 9113 §5.2) limits a turn
//! further: the driver passes the credit the peer granted the stream.

use std::collections::VecDeque;

/// The bytes a stream sends in one turn: `len` body bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    /// First body byte of this slice.
    pub offset: u64,
    /// Slice length (> 0).
    pub len: u64,
    /// True when this slice ends the body.
    pub last: bool,
}

#[derive(Debug)]
struct Entry<K> {
    key: K,
    sent: u64,
    total: u64,
}

/// The line of streams waiting to send body bytes, served round-robin.
#[derive(Debug)]
pub struct Interleaver<K> {
    line: VecDeque<Entry<K>>,
    quantum: u64,
}

impl<K: Copy + Eq> Interleaver<K> {
    /// A line whose turns carry at most `quantum` (> 0) bytes.
    pub fn new(quantum: u64) -> Self {
        Interleaver {
            line: VecDeque::new(),
            quantum: quantum.max(1),
        }
    }

    /// Adds a stream with a `total`-byte body (> 0) at the back of the line.
    pub fn push(&mut self, key: K, total: u64) {
        if total > 0 {
            self.line.push_back(Entry {
                key,
                sent: 0,
                total,
            });
        }
    }

    /// Streams in line.
    pub fn len(&self) -> usize {
        self.line.len()
    }

    /// True when no stream has bytes left.
    pub fn is_empty(&self) -> bool {
        self.line.is_empty()
    }

    /// The stream whose turn it is, without taking the turn.
    pub fn front(&self) -> Option<K> {
        self.line.front().map(|e| e.key)
    }

    /// Takes the front stream's turn with `credit` bytes of flow-control
    /// window: the slice to send, and the stream goes to the back (or
    /// leaves the line after its last slice). With no credit the stream
    /// just goes to the back, keeping its place in the rotation fair.
    pub fn take_turn(&mut self, credit: u64) -> Option<Turn> {
        let mut e = self.line.pop_front()?;
        let len = self.quantum.min(credit).min(e.total - e.sent);
        let turn = (len > 0).then(|| Turn {
            offset: e.sent,
            len,
            last: e.sent + len == e.total,
        });
        e.sent += len;
        if e.sent < e.total {
            self.line.push_back(e);
        }
        turn
    }

    /// The most the front stream could send in its turn, for asking the
    /// peer's flow control for exactly that.
    pub fn want(&self) -> u64 {
        self.line
            .front()
            .map_or(0, |e| self.quantum.min(e.total - e.sent))
    }

    /// Drops a stream (reset by the peer, or its body failed).
    pub fn remove(&mut self, key: K) {
        self.line.retain(|e| e.key != key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the line to the end with unlimited credit; returns the order
    /// in which streams sent their last slice.
    fn finish_order(line: &mut Interleaver<u32>) -> Vec<u32> {
        let mut done = Vec::new();
        while let Some(key) = line.front() {
            if line.take_turn(u64::MAX).unwrap().last {
                done.push(key);
            }
        }
        done
    }

    #[test]
    fn small_bodies_finish_before_a_large_one_queued_first() {
        let mut line = Interleaver::new(16 * 1024);
        line.push(1, 10 * 1024 * 1024);
        for k in 2..=11 {
            line.push(k, 5_000);
        }
        let order = finish_order(&mut line);
        assert_eq!(order, vec![2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1]);
    }

    #[test]
    fn slices_cover_each_body_exactly_once_in_order() {
        let mut line = Interleaver::new(1000);
        line.push('a', 2500);
        line.push('b', 1000);
        line.push('c', 1);
        let mut next = std::collections::HashMap::new();
        let mut credit = [700u64, 0, 5000, 3, 1000].into_iter().cycle();
        while let Some(key) = line.front() {
            if let Some(t) = line.take_turn(credit.next().unwrap()) {
                let at = next.entry(key).or_insert(0u64);
                assert_eq!(t.offset, *at, "stream {key} skipped or repeated bytes");
                assert!(t.len <= 1000);
                *at += t.len;
            }
        }
        assert_eq!(next[&'a'], 2500);
        assert_eq!(next[&'b'], 1000);
        assert_eq!(next[&'c'], 1);
    }

    #[test]
    fn no_credit_rotates_without_sending() {
        let mut line = Interleaver::new(10);
        line.push(1, 5);
        line.push(2, 5);
        assert_eq!(line.take_turn(0), None);
        assert_eq!(line.front(), Some(2));
        assert_eq!(line.len(), 2);
        line.remove(1);
        assert_eq!(line.want(), 5);
        assert_eq!(line.take_turn(99).map(|t| t.last), Some(true));
        assert!(line.is_empty());
        line.push(3, 0);
        assert!(line.is_empty());
    }
}
