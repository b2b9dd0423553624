//! Values kept per session in a vector indexed by the session's slot
//! ([`PeerKey::slot`]): a lookup is one index and one comparison of the
//! whole key, so a stale key (its session gone, the slot since reused)
//! finds nothing. The engine's slab of sessions is one; a driver keeps
//! its own per-session state in another.

use super::PeerKey;

/// Values by [`PeerKey`], at their keys' slots.
#[derive(Debug)]
pub struct PeerTable<T> {
    entries: Vec<Option<(PeerKey, T)>>,
}

impl<T> Default for PeerTable<T> {
    fn default() -> Self {
        PeerTable {
            entries: Vec::new(),
        }
    }
}

impl<T> PeerTable<T> {
    /// Stores `value` at `key`'s slot, replacing whatever was there.
    pub fn insert(&mut self, key: PeerKey, value: T) {
        let slot = key.slot();
        if self.entries.len() <= slot {
            self.entries.resize_with(slot + 1, || None);
        }
        self.entries[slot] = Some((key, value));
    }

    /// Removes and returns the value of `key`.
    pub fn remove(&mut self, key: PeerKey) -> Option<T> {
        let entry = self.entries.get_mut(key.slot())?;
        if entry.as_ref().is_none_or(|(k, _)| *k != key) {
            return None;
        }
        entry.take().map(|(_, v)| v)
    }

    /// The value of `key`.
    pub fn get(&self, key: PeerKey) -> Option<&T> {
        match self.entries.get(key.slot())? {
            Some((k, v)) if *k == key => Some(v),
            _ => None,
        }
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: PeerKey) -> Option<&mut T> {
        match self.entries.get_mut(key.slot())? {
            Some((k, v)) if *k == key => Some(v),
            _ => None,
        }
    }

    /// How many slots there are, used or not (the next new slot's index).
    pub fn slots(&self) -> usize {
        self.entries.len()
    }

    /// Every key and value, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (&PeerKey, &T)> {
        self.entries.iter().flatten().map(|(k, v)| (k, v))
    }

    /// Every key and value, to change, in slot order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&PeerKey, &mut T)> {
        self.entries.iter_mut().flatten().map(|(k, v)| (&*k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_key_finds_nothing() {
        let mut t = PeerTable::default();
        let (old, new) = (PeerKey(1 << 32 | 3), PeerKey(2 << 32 | 3));
        t.insert(old, "old");
        assert_eq!((t.get(old), t.slots()), (Some(&"old"), 4));
        // The slot is reused by a later session: the old key is dead.
        t.insert(new, "new");
        assert_eq!(t.get(old), None);
        assert_eq!(t.remove(old), None);
        *t.get_mut(new).unwrap() = "NEW";
        assert_eq!(t.iter().collect::<Vec<_>>(), vec![(&new, &"NEW")]);
        assert_eq!((t.remove(new), t.get(new)), (Some("NEW"), None));
    }
}
