//! A small ordered map kept as a sorted vector: a session's request
//! pipelines (ours to the peer, the peer's to us) hold a few to a few
//! hundred blocks and change on every block, where a binary search and a
//! short move in one allocation beat a B-tree's node walks. Iteration is
//! in key order, as a `BTreeMap`'s would be.

/// Keys in order, each with its value.
#[derive(Debug, Clone)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// How many keys are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// Stores `value` under `key`; returns the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Empties the map; returns its keys, in order.
    pub fn take_keys(&mut self) -> Vec<K> {
        std::mem::take(&mut self.entries)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// Every operation answers as a `BTreeMap` does.
        #[test]
        fn behaves_as_a_btree_map(ops in proptest::collection::vec((0u8..3, 0u8..16, any::<u8>()), 0..200)) {
            let (mut ours, mut oracle) = (SortedMap::default(), BTreeMap::new());
            for (op, k, v) in ops {
                match op {
                    0 => prop_assert_eq!(ours.insert(k, v), oracle.insert(k, v)),
                    1 => prop_assert_eq!(ours.remove(&k), oracle.remove(&k)),
                    _ => prop_assert_eq!(ours.get(&k), oracle.get(&k)),
                }
                prop_assert_eq!(ours.len(), oracle.len());
                prop_assert!(ours.keys().eq(oracle.keys()));
            }
            prop_assert_eq!(ours.take_keys(), oracle.into_keys().collect::<Vec<_>>());
            prop_assert_eq!(ours.len(), 0);
        }
    }
}
