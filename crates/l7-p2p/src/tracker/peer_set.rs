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

    #[cfg(test)]
    pub fn get(&self, addr: &SocketAddr) -> Option<&PeerRecord> {
        self.index.get(addr).map(|&i| &self.slots[i].1)
    }

    #[cfg(test)]
    pub fn contains(&self, addr: &SocketAddr) -> bool {
        self.index.contains_key(addr)
    }

    /// Adds or replaces the record of `addr` (a new peer only while fewer
    /// than `max` are kept); returns whether it was a seed before.
    pub fn refresh(&mut self, addr: &SocketAddr, record: PeerRecord, max: usize) -> bool {
        match self.index.get(addr) {
            Some(&i) => {
                self.seeds += usize::from(record.seed);
                let old = std::mem::replace(&mut self.slots[i].1, record);
                self.seeds -= usize::from(old.seed);
                old.seed
            }
            None if self.slots.len() < max => {
                self.seeds += usize::from(record.seed);
                self.index.insert(*addr, self.slots.len());
                self.slots.push((*addr, record));
                false
            }
            None => false,
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

    /// Calls `each` on up to `want` distinct peers among those `wanted`
    /// accepts, in a random order that allocates nothing: the slots are
    /// walked from a random start with a random stride coprime to their
    /// number, which visits every slot once, so each peer is equally likely
    /// to be offered and a filtered-out peer never shortens the answer.
    pub fn sample_each<R: Rng>(
        &self,
        rng: &mut R,
        want: usize,
        wanted: impl Fn(&SocketAddr, &PeerRecord) -> bool,
        mut each: impl FnMut(SocketAddr, &PeerRecord),
    ) {
        let n = self.slots.len();
        if n == 0 || want == 0 {
            return;
        }
        let mut at = rng.random_range(0..n);
        let mut stride = if n == 1 { 0 } else { rng.random_range(1..n) };
        while gcd(stride, n) != 1 {
            stride += 1;
        }
        let mut given = 0;
        for _ in 0..n {
            let (a, p) = &self.slots[at];
            if wanted(a, p) {
                each(*a, p);
                given += 1;
                if given == want {
                    return;
                }
            }
            at = (at + stride) % n;
        }
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
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
            s.refresh(&addr(i), rec(i % 2 == 0), usize::MAX);
        }
        assert_eq!((s.len(), s.seeds()), (10, 5));
        s.refresh(&addr(0), rec(false), usize::MAX);
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
            s.refresh(&addr(i), rec(i < 150), usize::MAX);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let mut got = Vec::new();
            s.sample_each(&mut rng, 50, |a, _| *a != addr(7), |a, _| got.push((a, ())));
            assert_eq!(got.len(), 50);
            let distinct: std::collections::HashSet<_> = got.iter().map(|g| g.0).collect();
            assert_eq!(distinct.len(), 50);
            assert!(!distinct.contains(&addr(7)));
            seen.extend(distinct);
        }
        assert_eq!(seen.len(), 199, "every other peer is offered sometimes");
        // Only 50 leechers: a seed asking for 60 gets exactly those.
        let mut leechers = Vec::new();
        s.sample_each(
            &mut rng,
            60,
            |_, p| !p.seed,
            |a, p| leechers.push((a, p.seed)),
        );
        assert_eq!(leechers.len(), 50);
        assert!(leechers.iter().all(|(_, seed)| !seed));
        // One peer, and none.
        let mut one = PeerSet::default();
        let mut got = 0;
        one.sample_each(&mut rng, 5, |_, _| true, |_, _| got += 1);
        assert_eq!(got, 0);
        one.refresh(&addr(1), rec(false), usize::MAX);
        one.sample_each(&mut rng, 5, |_, _| true, |_, _| got += 1);
        assert_eq!(got, 1);
    }
}
