//! The engine's sessions in a slab: a [`PeerKey`] holds its slot's index in
//! its low 32 bits and a serial number (never reused) in its high 32 bits,
//! so a lookup is one index and one comparison in a [`PeerTable`], a stale
//! key (its session gone, the slot since reused) finds nothing, and keys
//! still order by creation. Iteration is in slot order, which is deterministic: freed
//! slots are reused last-freed first.

use super::{PeerKey, PeerTable};

/// Values keyed by [`PeerKey`], in reusable slots.
#[derive(Debug)]
pub struct Slots<T> {
    table: PeerTable<T>,
    /// Indices of empty slots, the next one to fill last.
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            table: PeerTable::default(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slots<T> {
    /// Stores the value `make` builds for its new key, made of `serial`
    /// (unique per value stored) and a free slot.
    pub fn insert_with(&mut self, serial: u32, make: impl FnOnce(PeerKey) -> T) -> PeerKey {
        let slot = self
            .free
            .pop()
            .unwrap_or(u32::try_from(self.table.slots()).unwrap_or(u32::MAX));
        let key = PeerKey(u64::from(serial) << 32 | u64::from(slot));
        self.table.insert(key, make(key));
        self.len += 1;
        key
    }

    /// Removes and returns the value of `key`.
    pub fn remove(&mut self, key: &PeerKey) -> Option<T> {
        let value = self.table.remove(*key)?;
        self.free.push(key.slot() as u32);
        self.len -= 1;
        Some(value)
    }

    /// The value of `key`.
    pub fn get(&self, key: &PeerKey) -> Option<&T> {
        self.table.get(*key)
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &PeerKey) -> Option<&mut T> {
        self.table.get_mut(*key)
    }

    /// True if `key` has a value.
    pub fn contains_key(&self, key: &PeerKey) -> bool {
        self.get(key).is_some()
    }

    /// How many values are stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every key and value, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (&PeerKey, &T)> {
        self.table.iter()
    }

    /// Every key and value, to change, in slot order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&PeerKey, &mut T)> {
        self.table.iter_mut()
    }

    /// Every key, in slot order.
    pub fn keys(&self) -> impl Iterator<Item = &PeerKey> {
        self.iter().map(|(k, _)| k)
    }

    /// Every value, in slot order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_find_nothing_and_slots_are_reused() {
        let mut s = Slots::default();
        let a = s.insert_with(1, |_| "a");
        let b = s.insert_with(2, |_| "b");
        assert!(a < b);
        assert_eq!((s.get(&a), s.get(&b), s.len()), (Some(&"a"), Some(&"b"), 2));
        assert_eq!(s.remove(&a), Some("a"));
        assert_eq!((s.remove(&a), s.get(&a), s.len()), (None, None, 1));
        // The freed slot is reused under a new key; the old key stays dead.
        let c = s.insert_with(3, |_| "c");
        assert_eq!(c.slot(), a.slot());
        assert_ne!(c, a);
        assert_eq!((s.get(&a), s.get(&c)), (None, Some(&"c")));
        *s.get_mut(&b).unwrap() = "B";
        let all: Vec<_> = s.iter().collect();
        assert_eq!(all, vec![(&c, &"c"), (&b, &"B")]);
        assert!(!s.contains_key(&PeerKey(u64::MAX)));
    }
}
