//! The engine's sessions in a slab: a [`PeerKey`] holds its slot's index in
//! its low 32 bits and a serial number (never reused) in its high 32 bits,
//! so a lookup is one index and one comparison, a stale key (its session
//! gone, the slot since reused) finds nothing, and keys still order by
//! creation. Iteration is in slot order, which is deterministic: freed
//! slots are reused last-freed first.

use super::PeerKey;

/// Values keyed by [`PeerKey`], in reusable slots.
#[derive(Debug)]
pub struct Slots<T> {
    slots: Vec<Option<(PeerKey, T)>>,
    /// Indices of empty slots, the next one to fill last.
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slots<T> {
    /// Stores the value `make` builds for its new key, made of `serial`
    /// (unique per value stored) and a free slot.
    pub fn insert_with(&mut self, serial: u32, make: impl FnOnce(PeerKey) -> T) -> PeerKey {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            (self.slots.len() - 1) as u32
        });
        let key = PeerKey(u64::from(serial) << 32 | u64::from(slot));
        self.slots[slot as usize] = Some((key, make(key)));
        self.len += 1;
        key
    }

    /// Removes and returns the value of `key`.
    pub fn remove(&mut self, key: &PeerKey) -> Option<T> {
        let key = *key;
        let slot = self.slots.get_mut(key.slot())?;
        if slot.as_ref().is_none_or(|(k, _)| *k != key) {
            return None;
        }
        let (_, value) = slot.take()?;
        self.free.push(key.slot() as u32);
        self.len -= 1;
        Some(value)
    }

    /// The value of `key`.
    pub fn get(&self, key: &PeerKey) -> Option<&T> {
        match self.slots.get(key.slot())? {
            Some((k, v)) if k == key => Some(v),
            _ => None,
        }
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &PeerKey) -> Option<&mut T> {
        match self.slots.get_mut(key.slot())? {
            Some((k, v)) if k == key => Some(v),
            _ => None,
        }
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
        self.slots.iter().flatten().map(|(k, v)| (k, v))
    }

    /// Every key and value, to change, in slot order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&PeerKey, &mut T)> {
        self.slots.iter_mut().flatten().map(|(k, v)| (&*k, v))
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
