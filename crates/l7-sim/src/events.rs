//! The event queue: a binary heap keyed by (time, sequence number). The
//! sequence number is assigned at insertion, so events due at the same
//! instant run in the order they were scheduled — ties never depend on heap
//! internals, which keeps runs reproducible. Times are kept as nanosecond
//! counts so the heap compares two integers, and the heap holds only
//! (time, sequence, slot) while the events wait in a slab beside it.
//!
//! Events that are rescheduled often (a flow's next unit completion, moved
//! by every rate change) are *keyed*: at most one per key, moved or
//! cancelled in place ([`KeyedHeap`]), and ordered with the others by the
//! same (time, sequence number), a move taking a fresh sequence number as
//! a new push would.

use crate::clock::{from_nanos, nanos};
use crate::keyed_heap::KeyedHeap;
use l7_wire::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Pending events ordered by due time, then by scheduling order.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// (due time in ns, sequence number, slot of the event in `slab`):
    /// small entries, so sifting touches few cache lines.
    heap: BinaryHeap<Reverse<(u64, u64, usize)>>,
    slab: Vec<Option<E>>,
    free: Vec<usize>,
    keyed: KeyedHeap<E>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            keyed: KeyedHeap::default(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`, after every event already due at `at`.
    pub fn push(&mut self, at: Instant, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot] = Some(event);
                slot
            }
            None => {
                self.slab.push(Some(event));
                self.slab.len() - 1
            }
        };
        self.heap.push(Reverse((nanos(at), seq, slot)));
    }

    /// Schedules `event` at `at` as `key`'s one keyed event, replacing the
    /// one pending, if any (ordered as if pushed now).
    pub fn set_keyed(&mut self, key: u32, at: Instant, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.keyed.set(key, nanos(at), seq, event);
    }

    /// Drops `key`'s pending keyed event, if any.
    pub fn cancel_keyed(&mut self, key: u32) {
        self.keyed.cancel(key);
    }

    /// True when the earliest event is a keyed one.
    fn keyed_first(&self) -> bool {
        match (self.heap.peek(), self.keyed.peek()) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(Reverse((at_ns, seq, _))), Some(k)) => k < (*at_ns, *seq),
        }
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        if self.keyed_first() {
            return self.keyed.pop().map(|(at_ns, e)| (from_nanos(at_ns), e));
        }
        let Reverse((at_ns, _, slot)) = self.heap.pop()?;
        self.free.push(slot);
        self.slab[slot].take().map(|e| (from_nanos(at_ns), e))
    }

    /// When the earliest event is due.
    pub fn peek_time(&self) -> Option<Instant> {
        let plain = self.heap.peek().map(|Reverse((at_ns, _, _))| *at_ns);
        let keyed = self.keyed.peek().map(|(at_ns, _)| at_ns);
        match (plain, keyed) {
            (Some(a), Some(b)) => Some(from_nanos(a.min(b))),
            (a, b) => a.or(b).map(from_nanos),
        }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + self.keyed.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(Instant::from_millis(5), "late");
        q.push(Instant::from_millis(1), "first-at-1");
        q.push(Instant::from_millis(1), "second-at-1");
        q.push(Instant::from_millis(3), "mid");
        assert_eq!(q.peek_time(), Some(Instant::from_millis(1)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first-at-1", "second-at-1", "mid", "late"]);
        assert!(q.is_empty());
    }

    #[test]
    fn keyed_events_move_and_interleave_by_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(Instant::from_millis(2), "plain-at-2");
        q.set_keyed(7, Instant::from_millis(1), "keyed-7");
        q.set_keyed(3, Instant::from_millis(4), "keyed-3");
        // Moved later: now scheduled after the plain event at 2 ms.
        q.set_keyed(7, Instant::from_millis(2), "keyed-7-moved");
        q.push(Instant::from_millis(4), "plain-at-4");
        q.set_keyed(9, Instant::from_millis(5), "keyed-9");
        q.cancel_keyed(9);
        assert_eq!(q.len(), 4);
        assert_eq!(q.peek_time(), Some(Instant::from_millis(2)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            ["plain-at-2", "keyed-7-moved", "keyed-3", "plain-at-4"]
        );
        assert!(q.is_empty());
    }
}
