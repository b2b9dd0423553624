//! A min-heap of pending entries addressed by a small integer key, at most
//! one per key, that can be moved or cancelled in place: the completion
//! times of active flows, which every rate change moves. Moving an entry
//! costs one sift instead of leaving a stale copy behind to pop later.
//! Entries are ordered by (time, sequence number), as in the event queue.

/// Where a key's entry sits in the heap, if it has one.
const ABSENT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    at_ns: u64,
    seq: u64,
    key: u32,
}

impl Node {
    fn before(&self, other: &Node) -> bool {
        (self.at_ns, self.seq) < (other.at_ns, other.seq)
    }
}

/// Pending entries by key, earliest (time, seq) first.
#[derive(Debug)]
pub(crate) struct KeyedHeap<E> {
    heap: Vec<Node>,
    /// Per key: position in `heap` (or [`ABSENT`]) and payload.
    slots: Vec<(u32, Option<E>)>,
}

impl<E> Default for KeyedHeap<E> {
    fn default() -> Self {
        KeyedHeap {
            heap: Vec::new(),
            slots: Vec::new(),
        }
    }
}

impl<E> KeyedHeap<E> {
    /// Sets `key`'s entry to `(at_ns, seq)` with `event`, replacing any.
    pub fn set(&mut self, key: u32, at_ns: u64, seq: u64, event: E) {
        let k = key as usize;
        if self.slots.len() <= k {
            self.slots.resize_with(k + 1, || (ABSENT, None));
        }
        self.slots[k].1 = Some(event);
        let node = Node { at_ns, seq, key };
        let pos = self.slots[k].0;
        if pos == ABSENT {
            self.heap.push(node);
            self.sift_up(self.heap.len() - 1);
        } else {
            self.replace_at(pos as usize, node);
        }
    }

    /// Removes `key`'s entry, if any.
    pub fn cancel(&mut self, key: u32) {
        let Some(&(pos, _)) = self.slots.get(key as usize) else {
            return;
        };
        if pos != ABSENT {
            self.remove_at(pos as usize);
        }
    }

    /// The earliest entry's (time, seq).
    pub fn peek(&self) -> Option<(u64, u64)> {
        self.heap.first().map(|n| (n.at_ns, n.seq))
    }

    /// Removes the earliest entry; returns its time and payload.
    pub fn pop(&mut self) -> Option<(u64, E)> {
        let first = *self.heap.first()?;
        let event = self.remove_at(0)?;
        Some((first.at_ns, event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    fn remove_at(&mut self, pos: usize) -> Option<E> {
        let key = self.heap[pos].key as usize;
        let last = self.heap.pop()?;
        if pos < self.heap.len() {
            self.replace_at(pos, last);
        }
        self.slots[key].0 = ABSENT;
        self.slots[key].1.take()
    }

    /// Puts `node` in place of the one at `pos` and sifts it to where
    /// the order wants it.
    fn replace_at(&mut self, pos: usize, node: Node) {
        let earlier = node.before(&self.heap[pos]);
        self.heap[pos] = node;
        if earlier {
            self.sift_up(pos);
        } else {
            self.sift_down(pos);
        }
    }

    fn sift_up(&mut self, mut pos: usize) {
        let node = self.heap[pos];
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !node.before(&self.heap[parent]) {
                break;
            }
            self.heap[pos] = self.heap[parent];
            self.slots[self.heap[pos].key as usize].0 = pos as u32;
            pos = parent;
        }
        self.heap[pos] = node;
        self.slots[node.key as usize].0 = pos as u32;
    }

    fn sift_down(&mut self, mut pos: usize) {
        let node = self.heap[pos];
        let len = self.heap.len();
        loop {
            let left = 2 * pos + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.heap[right].before(&self.heap[left]) {
                right
            } else {
                left
            };
            if !self.heap[child].before(&node) {
                break;
            }
            self.heap[pos] = self.heap[child];
            self.slots[self.heap[pos].key as usize].0 = pos as u32;
            pos = child;
        }
        self.heap[pos] = node;
        self.slots[node.key as usize].0 = pos as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;

    /// Random sets, moves, cancels and pops agree with a sorted map.
    #[test]
    fn matches_a_sorted_model() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut heap = KeyedHeap::default();
        let mut model: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for seq in 0..20_000u64 {
            let key = rng.random_range(0..64u32);
            match rng.random_range(0..4) {
                0 | 1 => {
                    let at = rng.random_range(0..100u64);
                    heap.set(key, at, seq, key);
                    model.insert(key, (at, seq));
                }
                2 => {
                    heap.cancel(key);
                    model.remove(&key);
                }
                _ => {
                    let want = model.iter().min_by_key(|(_, v)| **v).map(|(k, v)| (*k, *v));
                    assert_eq!(heap.peek(), want.map(|(_, v)| v));
                    let got = heap.pop();
                    assert_eq!(got, want.map(|(k, (at, _))| (at, k)));
                    if let Some((k, _)) = want {
                        model.remove(&k);
                    }
                }
            }
            assert_eq!(heap.len(), model.len());
        }
    }
}
