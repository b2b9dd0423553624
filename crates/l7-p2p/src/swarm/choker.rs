//! Tit-for-tat choking as the course gives it (and BEP 3's reference
//! client): every [`RECHOKE_INTERVAL`] (10 s) unchoke the [`UNCHOKE_SLOTS`]
//! (4) interested peers with the best download rate to us — as a seed, the
//! best upload rate from us; every [`OPTIMISTIC_INTERVAL`] (30 s, every third
//! round) move the optimistic unchoke to a random choked, interested peer,
//! new peers (connected for less than [`NEW_PEER_AGE`], 60 s) being three
//! times as likely. Anti-snubbing: while downloading, a peer we are
//! interested in that has sent us no block for [`SNUB_TIME`] (60 s) is not
//! given a regular slot (it can still win the optimistic one). Between rounds,
//! a peer that becomes interested takes a free regular slot at once
//! ([`Choker::fill_free_slot`]), so a lone downloader never waits 10 s.

use std::collections::BTreeSet;
use std::time::Duration;

use l7_wire::Instant;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::PeerKey;

/// Regular unchoke slots.
pub const UNCHOKE_SLOTS: usize = 4;
/// Period of the regular rechoke.
pub const RECHOKE_INTERVAL: Duration = Duration::from_secs(10);
/// Period of the optimistic rotation.
pub const OPTIMISTIC_INTERVAL: Duration = Duration::from_secs(30);
/// Peers connected for less than this are "new" (weight 3 in the optimistic draw).
pub const NEW_PEER_AGE: Duration = Duration::from_secs(60);
/// A peer that sent nothing for this long is snubbing us.
pub const SNUB_TIME: Duration = Duration::from_secs(60);

const ROUNDS_PER_OPTIMISTIC: u64 = OPTIMISTIC_INTERVAL.as_secs() / RECHOKE_INTERVAL.as_secs();

/// What the choker needs to know about one connected peer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChokerPeer {
    /// Which peer.
    pub key: PeerKey,
    /// The peer is interested in our pieces.
    pub interested: bool,
    /// Rolling rate of payload it sends us (bytes/s; only interested
    /// peers are ranked, so a caller may leave the others' at 0).
    pub download_rate: f64,
    /// Rolling rate of payload we send it (bytes/s; likewise).
    pub upload_rate: f64,
    /// When the connection was established.
    pub connected_at: Instant,
    /// When it last sent us a block (`None`: never).
    pub last_block_at: Option<Instant>,
    /// We are interested in it (only then can it snub us).
    pub am_interested: bool,
}

/// The choking state of a torrent.
#[derive(Debug)]
pub struct Choker {
    regular: BTreeSet<PeerKey>,
    optimistic: Option<PeerKey>,
    next_round: Instant,
    round: u64,
    rng: ChaCha8Rng,
}

impl Choker {
    /// Starts with everyone choked; the first round runs at `now`.
    pub fn new(now: Instant, rng: ChaCha8Rng) -> Self {
        Choker {
            regular: BTreeSet::new(),
            optimistic: None,
            next_round: now,
            round: 0,
            rng,
        }
    }

    /// When [`Choker::handle_timeout`] next has work.
    pub fn poll_timeout(&self) -> Instant {
        self.next_round
    }

    /// Peers that should currently be unchoked.
    pub fn unchoked(&self) -> BTreeSet<PeerKey> {
        self.regular
            .iter()
            .copied()
            .chain(self.optimistic)
            .collect()
    }

    /// The current optimistic unchoke.
    pub fn optimistic(&self) -> Option<PeerKey> {
        self.optimistic
    }

    /// Runs due rounds; returns the new unchoked set if a round ran.
    /// `seeding` switches the ranking to upload rate and disables anti-snubbing.
    pub fn handle_timeout(
        &mut self,
        now: Instant,
        peers: &[ChokerPeer],
        seeding: bool,
    ) -> Option<BTreeSet<PeerKey>> {
        if now < self.next_round {
            return None;
        }
        let optimistic_round = self.round.is_multiple_of(ROUNDS_PER_OPTIMISTIC);
        self.round += 1;
        // Keep a fixed 10 s grid even if the driver is late.
        while self.next_round <= now {
            self.next_round = self.next_round + RECHOKE_INTERVAL;
        }
        let optimistic_gone = self
            .optimistic
            .is_some_and(|o| !peers.iter().any(|p| p.key == o && p.interested));
        self.regular = self.rank(now, peers, seeding);
        if optimistic_round
            || optimistic_gone
            || self.optimistic.is_some_and(|o| self.regular.contains(&o))
        {
            self.optimistic = self.draw_optimistic(now, peers);
        }
        Some(self.unchoked())
    }

    /// A peer became interested between rounds: it takes a free regular
    /// slot at once, rather than waiting up to 10 s for the next round.
    /// Returns true if it is now unchoked (the caller sends UNCHOKE).
    pub fn fill_free_slot(&mut self, key: PeerKey) -> bool {
        if self.regular.len() >= UNCHOKE_SLOTS
            || self.regular.contains(&key)
            || self.optimistic == Some(key)
        {
            return false;
        }
        self.regular.insert(key);
        true
    }

    /// A peer left: its slot is free for the next interested peer.
    pub fn peer_removed(&mut self, key: PeerKey) {
        self.regular.remove(&key);
        if self.optimistic == Some(key) {
            self.optimistic = None;
        }
    }

    fn rank(&self, now: Instant, peers: &[ChokerPeer], seeding: bool) -> BTreeSet<PeerKey> {
        let snubbing = |p: &ChokerPeer| {
            !seeding
                && p.am_interested
                && now - p.connected_at >= SNUB_TIME
                && p.last_block_at.is_none_or(|t| now - t >= SNUB_TIME)
        };
        let mut candidates: Vec<&ChokerPeer> = peers
            .iter()
            .filter(|p| p.interested && !snubbing(p) && Some(p.key) != self.optimistic)
            .collect();
        let rate = |p: &ChokerPeer| {
            if seeding {
                p.upload_rate
            } else {
                p.download_rate
            }
        };
        // Highest rate first; equal rates by key, so decisions are reproducible.
        candidates.sort_by(|a, b| rate(b).total_cmp(&rate(a)).then(a.key.cmp(&b.key)));
        candidates
            .into_iter()
            .take(UNCHOKE_SLOTS)
            .map(|p| p.key)
            .collect()
    }

    fn draw_optimistic(&mut self, now: Instant, peers: &[ChokerPeer]) -> Option<PeerKey> {
        let choked: Vec<(PeerKey, u32)> = peers
            .iter()
            .filter(|p| p.interested && !self.regular.contains(&p.key))
            .map(|p| {
                (
                    p.key,
                    if now - p.connected_at < NEW_PEER_AGE {
                        3
                    } else {
                        1
                    },
                )
            })
            .collect();
        let total: u32 = choked.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return None;
        }
        let mut ticket = self.rng.random_range(0..total);
        for (key, weight) in choked {
            if ticket < weight {
                return Some(key);
            }
            ticket -= weight;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn peer(key: u64, down: f64, up: f64) -> ChokerPeer {
        ChokerPeer {
            key: PeerKey(key),
            interested: true,
            download_rate: down,
            upload_rate: up,
            connected_at: Instant::ZERO,
            last_block_at: Some(Instant::ZERO),
            am_interested: true,
        }
    }

    fn keys(s: &BTreeSet<PeerKey>) -> Vec<u64> {
        s.iter().map(|k| k.0).collect()
    }

    #[test]
    fn an_interested_peer_takes_a_free_slot_between_rounds() {
        let mut c = Choker::new(Instant::ZERO, ChaCha8Rng::seed_from_u64(1));
        assert_eq!(
            c.handle_timeout(Instant::ZERO, &[], false),
            Some(BTreeSet::new())
        );
        for k in 1..=UNCHOKE_SLOTS as u64 {
            assert!(c.fill_free_slot(PeerKey(k)));
        }
        assert!(!c.fill_free_slot(PeerKey(1)), "already unchoked");
        assert!(!c.fill_free_slot(PeerKey(99)), "every slot taken");
        c.peer_removed(PeerKey(2));
        assert!(c.fill_free_slot(PeerKey(99)));
        assert_eq!(keys(&c.unchoked()), [1, 3, 4, 99]);
    }

    #[test]
    fn regular_round_every_10s_picks_top_four_downloaders() {
        let mut c = Choker::new(Instant::ZERO, ChaCha8Rng::seed_from_u64(1));
        let mut peers: Vec<ChokerPeer> = (1..=7).map(|k| peer(k, k as f64 * 100.0, 0.0)).collect();
        peers[6].interested = false; // the fastest is not interested
        let set = c.handle_timeout(Instant::ZERO, &peers, false).unwrap();
        let opt = c.optimistic().unwrap();
        assert!(
            opt.0 <= 2,
            "optimistic is one of the choked interested peers: {opt:?}"
        );
        assert_eq!(keys(&c.regular), vec![3, 4, 5, 6]);
        assert!(set.contains(&opt) && set.len() == 5);
        // Nothing happens before the 10 s boundary.
        assert_eq!(c.poll_timeout(), Instant::from_millis(10_000));
        assert_eq!(
            c.handle_timeout(Instant::from_millis(9_999), &peers, false),
            None
        );
        // At 10 s the rates changed: peer 1 is now the best; optimistic stays.
        peers[0].download_rate = 10_000.0;
        let set = c
            .handle_timeout(Instant::from_millis(10_000), &peers, false)
            .unwrap();
        assert_eq!(c.optimistic(), Some(opt));
        assert!(set.contains(&PeerKey(1)));
        assert!(c.regular.contains(&PeerKey(1)));
    }

    #[test]
    fn optimistic_rotates_only_at_30s() {
        let mut c = Choker::new(Instant::ZERO, ChaCha8Rng::seed_from_u64(3));
        // 4 fast peers fill the regular slots; 20 slow choked peers compete for the optimistic slot.
        let peers: Vec<ChokerPeer> = (1..=24)
            .map(|k| peer(k, if k <= 4 { 1e6 } else { 0.0 }, 0.0))
            .collect();
        c.handle_timeout(Instant::ZERO, &peers, false);
        let first = c.optimistic().unwrap();
        assert!(first.0 > 4);
        c.handle_timeout(Instant::from_millis(10_000), &peers, false);
        c.handle_timeout(Instant::from_millis(20_000), &peers, false);
        assert_eq!(c.optimistic(), Some(first), "unchanged at 10 s and 20 s");
        let mut changed = false;
        for round in 3..12u64 {
            let before = c.optimistic();
            c.handle_timeout(Instant::from_millis(round * 10_000), &peers, false);
            if round % 3 != 0 {
                assert_eq!(c.optimistic(), before, "round {round}");
            } else if c.optimistic() != before {
                changed = true;
            }
        }
        assert!(changed, "a 30 s boundary re-drew the optimistic unchoke");
    }

    #[test]
    fn seeds_rank_by_upload_and_snubbers_lose_regular_slots() {
        let mut c = Choker::new(Instant::ZERO, ChaCha8Rng::seed_from_u64(1));
        let peers: Vec<ChokerPeer> = (1..=6).map(|k| peer(k, 0.0, (10 - k) as f64)).collect();
        c.handle_timeout(Instant::ZERO, &peers, true);
        assert_eq!(keys(&c.regular), vec![1, 2, 3, 4]);

        let mut c = Choker::new(Instant::from_millis(60_000), ChaCha8Rng::seed_from_u64(1));
        let mut peers: Vec<ChokerPeer> = (1..=6).map(|k| peer(k, k as f64 * 100.0, 0.0)).collect();
        // Peer 6 is fastest on average but sent nothing for 60 s.
        peers[5].last_block_at = Some(Instant::ZERO);
        for p in &mut peers[..5] {
            p.last_block_at = Some(Instant::from_millis(59_000));
        }
        c.handle_timeout(Instant::from_millis(60_000), &peers, false);
        assert_eq!(keys(&c.regular), vec![2, 3, 4, 5]);
        // A peer we want nothing from cannot be snubbing us.
        peers[5].am_interested = false;
        let mut d = Choker::new(Instant::from_millis(60_000), ChaCha8Rng::seed_from_u64(1));
        d.handle_timeout(Instant::from_millis(60_000), &peers, false);
        assert_eq!(keys(&d.regular), vec![3, 4, 5, 6]);
        peers[5].am_interested = true;
        // Seeding: snubbing does not apply.
        let mut s = Choker::new(Instant::from_millis(60_000), ChaCha8Rng::seed_from_u64(1));
        peers[5].upload_rate = 1e9;
        s.handle_timeout(Instant::from_millis(60_000), &peers, true);
        assert!(s.regular.contains(&PeerKey(6)));
    }

    #[test]
    fn new_peers_are_three_times_as_likely() {
        // One new and one old choked peer: over many draws the new one wins ~3/4.
        let mut new_wins = 0;
        let mut c = Choker::new(Instant::ZERO, ChaCha8Rng::seed_from_u64(5));
        let now = Instant::from_millis(100_000);
        let mut old = peer(1, 0.0, 0.0);
        old.connected_at = Instant::ZERO;
        let mut new = peer(2, 0.0, 0.0);
        new.connected_at = Instant::from_millis(90_000);
        for _ in 0..4000 {
            if c.draw_optimistic(now, &[old, new]) == Some(PeerKey(2)) {
                new_wins += 1;
            }
        }
        assert!((2800..3200).contains(&new_wins), "{new_wins}");
    }
}
