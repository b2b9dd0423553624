//! One swarm's peers as the tracker keeps them: a dense vector (so a random
//! subset costs O(numwant), not a walk over every peer), an ordered index
//! from address to slot, and a running count of seeds (so the counters in
//! every response cost nothing). Removal swaps the last peer into the hole;
//! the order depends only on the announces, so random choices depend only
//! on the RNG seed.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use l7_wire::Instant;
use rand::Rng;
use rand::seq::IteratorRandom;

/// What the tracker remembers of a peer.
#[derive(Debug, Clone)]
pub(super) struct PeerRecord {
    pub peer_id: [u8; 20],
    pub last_seen: Instant,
    pub seed: bool,
}

/// A swarm's peers, keyed by address.
#[derive(Debug, Default)]
pub(super) struct PeerSet {
    slots: Vec<(SocketAddr, PeerRecord)>,
    index: BTreeMap<SocketAddr, usize>,
    seeds: usize,
}

impl PeerSet {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Seeds among the peers.
    pub fn seeds(&self) -> usize {
        self.seeds
    }

    pub fn get(&self, addr: &SocketAddr) -> Option<&PeerRecord> {
        self.index.get(addr).map(|&i| &self.slots[i].1)
    }

    pub fn contains(&self, addr: &SocketAddr) -> bool {
        self.index.contains_key(addr)
    }

    /// Adds or replaces the record of `addr`.
    pub fn insert(&mut self, addr: SocketAddr, record: PeerRecord) {
        self.seeds += usize::from(record.seed);
        match self.index.get(&addr) {
            Some(&i) => {
                let old = std::mem::replace(&mut self.slots[i].1, record);
                self.seeds -= usize::from(old.seed);
            }
            None => {
                self.index.insert(addr, self.slots.len());
                self.slots.push((addr, record));
            }
        }
    }

    pub fn remove(&mut self, addr: &SocketAddr) {
        let Some(i) = self.index.remove(addr) else {
            return;
        };
        let (_, old) = self.slots.swap_remove(i);
        self.seeds -= usize::from(old.seed);
        if let Some((moved, _)) = self.slots.get(i) {
            self.index.insert(*moved, i);
        }
    }

    /// Keeps only the peers for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&PeerRecord) -> bool) {
        let gone: Vec<SocketAddr> = self
            .slots
            .iter()
            .filter(|(_, p)| !keep(p))
            .map(|(a, _)| *a)
            .collect();
        for a in &gone {
            self.remove(a);
        }
    }

    pub fn records(&self) -> impl Iterator<Item = &PeerRecord> {
        self.slots.iter().map(|(_, p)| p)
    }

    /// Up to `want` peers chosen uniformly at random among those `wanted`
    /// accepts. Draws `want + 1` distinct slots first (one spare for the
    /// asking peer itself); only when that leaves too few does it fall back
    /// to one pass over every peer.
    pub fn sample<R: Rng>(
        &self,
        rng: &mut R,
        want: usize,
        wanted: impl Fn(&SocketAddr, &PeerRecord) -> bool,
    ) -> Vec<(SocketAddr, &PeerRecord)> {
        let draw = want + 1;
        if draw < self.slots.len() {
            let chosen: Vec<_> = rand::seq::index::sample(rng, self.slots.len(), draw)
                .into_iter()
                .map(|i| &self.slots[i])
                .filter(|(a, p)| wanted(a, p))
                .take(want)
                .map(|(a, p)| (*a, p))
                .collect();
            if chosen.len() == want {
                return chosen;
            }
        }
        self.slots
            .iter()
            .filter(|(a, p)| wanted(a, p))
            .choose_multiple(rng, want)
            .into_iter()
            .map(|(a, p)| (*a, p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rec(seed: bool) -> PeerRecord {
        PeerRecord {
            peer_id: [0; 20],
            last_seen: Instant::ZERO,
            seed,
        }
    }

    fn addr(i: u16) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, 1], i))
    }

    #[test]
    fn index_and_seed_count_survive_inserts_replacements_and_removals() {
        let mut s = PeerSet::default();
        for i in 0..10 {
            s.insert(addr(i), rec(i % 2 == 0));
        }
        assert_eq!((s.len(), s.seeds()), (10, 5));
        s.insert(addr(0), rec(false));
        assert_eq!((s.len(), s.seeds()), (10, 4));
        s.remove(&addr(3));
        s.remove(&addr(3));
        s.remove(&addr(2));
        assert_eq!((s.len(), s.seeds()), (8, 3));
        s.retain(|p| !p.seed);
        assert_eq!((s.len(), s.seeds()), (5, 0));
        for i in [0, 1, 5, 7, 9] {
            assert!(
                s.contains(&addr(i)) && !s.get(&addr(i)).unwrap().seed,
                "{i}"
            );
        }
        for i in [2, 3, 4, 6, 8] {
            assert!(!s.contains(&addr(i)), "{i}");
        }
    }

    #[test]
    fn samples_are_distinct_filtered_and_cover_the_swarm() {
        let mut s = PeerSet::default();
        for i in 0..200 {
            s.insert(addr(i), rec(i < 150));
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let got = s.sample(&mut rng, 50, |a, _| *a != addr(7));
            assert_eq!(got.len(), 50);
            let distinct: std::collections::HashSet<_> = got.iter().map(|g| g.0).collect();
            assert_eq!(distinct.len(), 50);
            assert!(!distinct.contains(&addr(7)));
            seen.extend(distinct);
        }
        assert_eq!(seen.len(), 199, "every other peer is offered sometimes");
        // Only 50 leechers: a seed asking for 60 gets exactly those.
        let leechers = s.sample(&mut rng, 60, |_, p| !p.seed);
        assert_eq!(leechers.len(), 50);
        assert!(leechers.iter().all(|(_, p)| !p.seed));
    }
}
