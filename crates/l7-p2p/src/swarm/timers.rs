//! The sessions' next timers as a lazy min-heap: a session whose timer
//! moves files a new entry and its old one goes stale in place (no search
//! and removal on every message), stale entries are skipped when they reach
//! the top, and the heap is rebuilt when they outnumber the live ones. The
//! heap also remembers whether its top is known to be live, so that pruning
//! after every message looks a session up only when the top may have moved.
//! Each caller says what is current through `current(key)`: the instant the
//! session's timer is filed at, or `None` (session gone, or timer taken);
//! it changes only through [`Timers::push`], [`Timers::pop_due`] and
//! [`Timers::forget`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use l7_wire::Instant;

use super::PeerKey;

/// Rebuild once the heap holds this many entries per live timer.
const STALE_FACTOR: usize = 4;

/// Timers of sessions, earliest first.
#[derive(Debug, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(Instant, PeerKey)>>,
    /// The top entry is live (checked, or filed since and still first).
    top_live: bool,
}

impl Timers {
    /// Files `key`'s timer at `at` (its earlier entries are stale now).
    pub fn push(&mut self, at: Instant, key: PeerKey) {
        let top = self.top();
        self.heap.push(Reverse((at, key)));
        if self.top() == Some((at, key)) {
            self.top_live = true;
        } else if top.is_some_and(|(_, k)| k == key) {
            self.top_live = false;
        }
    }

    /// `key`'s session is gone (its entries are stale now).
    pub fn forget(&mut self, key: PeerKey) {
        if self.top().is_some_and(|(_, k)| k == key) {
            self.top_live = false;
        }
    }

    fn top(&self) -> Option<(Instant, PeerKey)> {
        self.heap.peek().map(|Reverse(entry)| *entry)
    }

    /// Drops stale entries from the top, so that [`Timers::first`] is live.
    pub fn prune(&mut self, current: impl Fn(PeerKey) -> Option<Instant>) {
        if self.top_live {
            debug_assert!(self.top().is_none_or(|(at, k)| current(k) == Some(at)));
            return;
        }
        while let Some(Reverse((at, key))) = self.heap.peek() {
            if current(*key) == Some(*at) {
                break;
            }
            self.heap.pop();
        }
        self.top_live = true;
    }

    /// The earliest timer (live after [`Timers::prune`]).
    pub fn first(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Takes the earliest live timer due at `now`, if any; the caller
    /// marks it taken (so that a duplicate entry goes stale).
    pub fn pop_due(
        &mut self,
        now: Instant,
        current: impl Fn(PeerKey) -> Option<Instant>,
    ) -> Option<PeerKey> {
        while let Some(Reverse((at, key))) = self.heap.peek().copied() {
            if at > now {
                return None;
            }
            self.heap.pop();
            self.top_live = false;
            if current(key) == Some(at) {
                return Some(key);
            }
        }
        None
    }

    /// Rebuilds the heap from the `live` timers (at most `count`) if
    /// stale entries dominate.
    pub fn compact<I: Iterator<Item = (Instant, PeerKey)>>(
        &mut self,
        count: usize,
        live: impl FnOnce() -> I,
    ) {
        if self.heap.len() > STALE_FACTOR * count + 16 {
            self.heap = live().map(Reverse).collect();
            self.top_live = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_entries_are_skipped() {
        let t = Instant::from_millis;
        let (a, b) = (PeerKey(1), PeerKey(2));
        let mut timers = Timers::default();
        let mut filed = [None, Some(t(30)), Some(t(20))];
        timers.push(t(10), a);
        timers.push(t(30), a);
        timers.push(t(20), b);
        let current = |filed: [Option<Instant>; 3]| move |k: PeerKey| filed[k.0 as usize];
        timers.prune(current(filed));
        assert_eq!(timers.first(), Some(t(20)));
        assert_eq!(timers.pop_due(t(25), current(filed)), Some(b));
        filed[2] = None;
        assert_eq!(timers.pop_due(t(25), current(filed)), None);
        assert_eq!(timers.pop_due(t(30), current(filed)), Some(a));
        assert_eq!(timers.first(), None);
    }

    #[test]
    fn a_moved_or_forgotten_top_is_pruned() {
        let t = Instant::from_millis;
        let (a, b) = (PeerKey(0), PeerKey(1));
        let mut timers = Timers::default();
        let mut filed = [Some(t(10)), Some(t(20))];
        timers.push(t(10), a);
        timers.push(t(20), b);
        // The top's session moves its timer later: the old top goes.
        filed[0] = Some(t(30));
        timers.push(t(30), a);
        timers.prune(|k: PeerKey| filed[k.0 as usize]);
        assert_eq!(timers.first(), Some(t(20)));
        // The top's session is gone.
        filed[1] = None;
        timers.forget(b);
        timers.prune(|k: PeerKey| filed[k.0 as usize]);
        assert_eq!(timers.first(), Some(t(30)));
        // Moving earlier makes the new entry the top, live at once.
        filed[0] = Some(t(5));
        timers.push(t(5), a);
        timers.prune(|k: PeerKey| filed[k.0 as usize]);
        assert_eq!(timers.first(), Some(t(5)));
    }
}
