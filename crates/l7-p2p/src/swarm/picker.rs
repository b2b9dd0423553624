//! Piece selection (BEP 3 leaves it to clients; this follows the course and
//! the reference client): the first pieces are chosen at random until
//! [`RANDOM_FIRST_PIECES`] are complete, then rarest first by availability
//! over the peers' bitfields (ties broken at random); blocks of pieces already
//! started always go first (strict priority); at the very end, endgame mode
//! requests every remaining block from every peer that has it, and a received
//! block yields cancels for its duplicates. Bookkeeping is per 16 KiB block.

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::PeerKey;
use crate::metainfo::Layout;
use crate::peer_wire::{BLOCK_SIZE, Bitfield, BlockRef};

/// Pieces picked at random before rarest-first takes over.
pub const RANDOM_FIRST_PIECES: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
enum BlockState {
    Missing,
    /// Requested from `first`, then from `more` (only in endgame: one
    /// requester, the usual case, costs no allocation).
    Requested {
        first: PeerKey,
        more: Vec<PeerKey>,
    },
    /// Arrived from this peer.
    Received(PeerKey),
}

/// What happened to an arriving block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockReceipt {
    /// Not needed: already received, piece already had, or not a block of ours.
    NotWanted,
    /// Stored; `cancel` lists the other peers it was also requested from (endgame).
    Accepted {
        /// Every block of the piece has arrived: verify it now.
        piece_complete: bool,
        /// Peers to send CANCEL for this block.
        cancel: Vec<PeerKey>,
    },
}

/// Chooses which blocks to request from which peer.
#[derive(Debug)]
pub struct PiecePicker {
    layout: Layout,
    have: Bitfield,
    availability: Vec<u32>,
    /// Started pieces: block states.
    partial: BTreeMap<u32, Vec<BlockState>>,
    /// Pieces had or started (`have` and `partial`'s keys), so a new piece
    /// is chosen from a peer's bitfield a byte at a time.
    taken: Bitfield,
    /// Scratch for the candidates of a new piece.
    candidates: Vec<u32>,
    rng: ChaCha8Rng,
    /// False: every new piece is a random one (for comparing with rarest first).
    rarest_first: bool,
}

impl PiecePicker {
    /// A picker for a torrent of this geometry, with the pieces we already have.
    pub fn new(layout: Layout, have: Bitfield, rng: ChaCha8Rng) -> Self {
        let n = layout.piece_count();
        PiecePicker {
            availability: vec![0; n as usize],
            layout,
            taken: have.clone(),
            candidates: Vec::new(),
            have,
            partial: BTreeMap::new(),
            rng,
            rarest_first: true,
        }
    }

    /// Rarest first (the default) or, with `false`, random piece selection
    /// throughout (the baseline the course compares rarest first with).
    pub fn set_rarest_first(&mut self, on: bool) {
        self.rarest_first = on;
    }

    /// Verified pieces.
    pub fn have(&self) -> &Bitfield {
        &self.have
    }

    /// Every piece verified.
    pub fn is_complete(&self) -> bool {
        self.have.is_full()
    }

    /// How many connected peers have `piece`.
    pub fn availability(&self, piece: u32) -> u32 {
        self.availability.get(piece as usize).copied().unwrap_or(0)
    }

    /// The geometry.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Counts a new peer's pieces.
    pub fn peer_added(&mut self, bitfield: &Bitfield) {
        bitfield.ones().for_each(|i| self.peer_has(i));
    }

    /// A peer announced HAVE.
    pub fn peer_has(&mut self, piece: u32) {
        if let Some(a) = self.availability.get_mut(piece as usize) {
            *a += 1;
        }
    }

    /// Uncounts a departed peer and releases its requests.
    pub fn peer_removed(&mut self, peer: PeerKey, bitfield: &Bitfield) {
        for i in bitfield.ones() {
            if let Some(a) = self.availability.get_mut(i as usize) {
                *a = a.saturating_sub(1);
            }
        }
        for blocks in self.partial.values_mut() {
            for b in blocks.iter_mut() {
                release(b, peer);
            }
        }
    }

    /// True if the peer has a piece we lack (we are interested).
    pub fn wants_any(&self, peer_has: &Bitfield) -> bool {
        peer_has.has_any_missing_from(&self.have)
    }

    /// Endgame: every missing piece is started and every one of its blocks is requested or here.
    pub fn in_endgame(&self) -> bool {
        let started_or_had = self.have.count() as usize + self.partial.len();
        started_or_had == self.layout.piece_count() as usize
            && !self.partial.is_empty()
            && self
                .partial
                .values()
                .flatten()
                .all(|b| *b != BlockState::Missing)
    }

    fn block_count(&self, piece: u32) -> usize {
        self.layout
            .piece_size(piece)
            .div_ceil(u64::from(BLOCK_SIZE)) as usize
    }

    fn block_ref(&self, piece: u32, block: usize) -> BlockRef {
        block_ref(&self.layout, piece, block)
    }

    /// Up to `max` blocks to request from `peer`, which has `peer_has`.
    pub fn pick(&mut self, peer: PeerKey, peer_has: &Bitfield, max: usize) -> Vec<BlockRef> {
        let mut out = Vec::new();
        // Strict priority: finish started pieces before starting new ones
        // (walked in place: this runs for every block received).
        for (&piece, blocks) in &mut self.partial {
            if out.len() >= max {
                break;
            }
            if peer_has.get(piece) {
                request_missing(&self.layout, peer, piece, blocks, max, &mut out);
            }
        }
        while out.len() < max {
            let Some(piece) = self.choose_new_piece(peer_has) else {
                break;
            };
            let n = self.block_count(piece);
            self.taken.set(piece);
            let blocks = self
                .partial
                .entry(piece)
                .or_insert(vec![BlockState::Missing; n]);
            request_missing(&self.layout, peer, piece, blocks, max, &mut out);
        }
        if out.len() < max && self.in_endgame() {
            self.request_endgame(peer, peer_has, max, &mut out);
        }
        out
    }

    /// Endgame (reference client): ask this peer too for blocks already requested elsewhere.
    fn request_endgame(
        &mut self,
        peer: PeerKey,
        peer_has: &Bitfield,
        max: usize,
        out: &mut Vec<BlockRef>,
    ) {
        let pieces: Vec<u32> = self
            .partial
            .keys()
            .copied()
            .filter(|&i| peer_has.get(i))
            .collect();
        for piece in pieces {
            let n = self.partial.get(&piece).map_or(0, Vec::len);
            for b in 0..n {
                if out.len() >= max {
                    return;
                }
                let block = self.block_ref(piece, b);
                if let Some(BlockState::Requested { first, more }) =
                    self.partial.get_mut(&piece).map(|v| &mut v[b])
                    && *first != peer
                    && !more.contains(&peer)
                {
                    more.push(peer);
                    out.push(block);
                }
            }
        }
    }

    /// A piece the peer has, we lack and have not started: random while we
    /// have fewer than [`RANDOM_FIRST_PIECES`], else the rarest (random among ties).
    fn choose_new_piece(&mut self, peer_has: &Bitfield) -> Option<u32> {
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        candidates.extend(peer_has.ones_missing_from(Some(&self.taken)));
        let chosen = if candidates.is_empty() {
            None
        } else if !self.rarest_first || self.have.count() < RANDOM_FIRST_PIECES {
            Some(candidates[self.rng.random_range(0..candidates.len())])
        } else {
            let rarest = candidates.iter().map(|&i| self.availability(i)).min();
            candidates.retain(|&i| Some(self.availability(i)) == rarest);
            candidates.choose(&mut self.rng).copied()
        };
        self.candidates = candidates;
        chosen
    }

    /// A request to `peer` will not be answered (rejected, choked, cancelled, timed out).
    pub fn request_failed(&mut self, peer: PeerKey, block: BlockRef) {
        let b = (block.begin / BLOCK_SIZE) as usize;
        if let Some(state) = self
            .partial
            .get_mut(&block.index)
            .and_then(|v| v.get_mut(b))
        {
            release(state, peer);
        }
    }

    /// A block arrived from `peer`.
    pub fn block_received(&mut self, peer: PeerKey, block: BlockRef) -> BlockReceipt {
        let b = (block.begin / BLOCK_SIZE) as usize;
        if !block.begin.is_multiple_of(BLOCK_SIZE)
            || self.have.get(block.index)
            || b >= self.block_count(block.index)
            || self.block_ref(block.index, b) != block
        {
            return BlockReceipt::NotWanted;
        }
        let Some(blocks) = self.partial.get_mut(&block.index) else {
            return BlockReceipt::NotWanted;
        };
        let cancel = match &blocks[b] {
            BlockState::Received(_) => return BlockReceipt::NotWanted,
            BlockState::Missing => Vec::new(),
            BlockState::Requested { first, more } => std::iter::once(first)
                .chain(more)
                .copied()
                .filter(|p| *p != peer)
                .collect(),
        };
        blocks[b] = BlockState::Received(peer);
        let piece_complete = blocks.iter().all(|s| matches!(s, BlockState::Received(_)));
        BlockReceipt::Accepted {
            piece_complete,
            cancel,
        }
    }

    /// The piece's hash matched: it is ours.
    pub fn piece_passed(&mut self, piece: u32) {
        self.partial.remove(&piece);
        self.have.set(piece);
        self.taken.set(piece);
    }

    /// The piece's hash did not match: every block is fetched again. Returns
    /// the peers that sent its blocks.
    pub fn piece_failed(&mut self, piece: u32) -> Vec<PeerKey> {
        let Some(blocks) = self.partial.get_mut(&piece) else {
            return Vec::new();
        };
        let mut senders: Vec<PeerKey> = blocks
            .iter()
            .filter_map(|s| match s {
                BlockState::Received(p) => Some(*p),
                _ => None,
            })
            .collect();
        senders.sort();
        senders.dedup();
        blocks.iter_mut().for_each(|s| *s = BlockState::Missing);
        senders
    }
}

/// Block `block` of `piece`.
fn block_ref(layout: &Layout, piece: u32, block: usize) -> BlockRef {
    let begin = block as u64 * u64::from(BLOCK_SIZE);
    let length = (layout.piece_size(piece) - begin).min(u64::from(BLOCK_SIZE));
    BlockRef {
        index: piece,
        begin: begin as u32,
        length: length as u32,
    }
}

/// Requests `piece`'s missing blocks from `peer`, in order, until `out`
/// holds `max`.
fn request_missing(
    layout: &Layout,
    peer: PeerKey,
    piece: u32,
    blocks: &mut [BlockState],
    max: usize,
    out: &mut Vec<BlockRef>,
) {
    for (b, state) in blocks.iter_mut().enumerate() {
        if out.len() >= max {
            return;
        }
        if *state == BlockState::Missing {
            out.push(block_ref(layout, piece, b));
            *state = BlockState::Requested {
                first: peer,
                more: Vec::new(),
            };
        }
    }
}

fn release(state: &mut BlockState, peer: PeerKey) {
    if let BlockState::Requested { first, more } = state {
        more.retain(|p| *p != peer);
        if *first == peer {
            if more.is_empty() {
                *state = BlockState::Missing;
            } else {
                *first = more.remove(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn picker(pieces: u32, have: &[u32]) -> PiecePicker {
        let layout = Layout::new(vec![u64::from(pieces) * 32 * 1024], 32 * 1024);
        let mut h = Bitfield::new(pieces);
        have.iter().for_each(|&i| h.set(i));
        PiecePicker::new(layout, h, ChaCha8Rng::seed_from_u64(7))
    }

    fn bits(n: u32, set: &[u32]) -> Bitfield {
        let mut b = Bitfield::new(n);
        set.iter().for_each(|&i| b.set(i));
        b
    }

    #[test]
    fn rarest_first_after_four_pieces() {
        let mut p = picker(8, &[0, 1, 2, 3]);
        // Availability: piece 4 held by 3 peers, 5 by 2, 6 by 1 (rarest), 7 by 2.
        for bf in [bits(8, &[4, 5, 6, 7]), bits(8, &[4, 5, 7]), bits(8, &[4])] {
            p.peer_added(&bf);
        }
        assert_eq!(p.availability(6), 1);
        let me = PeerKey(1);
        let got = p.pick(me, &bits(8, &[4, 5, 6, 7]), 2);
        assert_eq!(
            got.iter().map(|b| b.index).collect::<Vec<_>>(),
            vec![6, 6],
            "rarest piece first, both blocks"
        );
        assert_eq!(
            got[1],
            BlockRef {
                index: 6,
                begin: BLOCK_SIZE,
                length: BLOCK_SIZE
            }
        );
        // Next: 5 or 7 (availability 2 each), never 4 (availability 3).
        let next = p.pick(me, &bits(8, &[4, 5, 6, 7]), 2);
        assert!(
            next.iter().all(|b| b.index == 5 || b.index == 7),
            "{next:?}"
        );
        assert_eq!(next[0].index, next[1].index);
        // A peer with only piece 4 gets piece 4.
        assert_eq!(p.pick(PeerKey(2), &bits(8, &[4]), 1)[0].index, 4);
    }

    #[test]
    fn started_pieces_have_strict_priority() {
        let mut p = picker(8, &[0, 1, 2, 3]);
        p.peer_added(&bits(8, &[4, 5, 6, 7]));
        p.peer_added(&bits(8, &[4, 5, 6]));
        // Peer 1 starts the rarest piece, 7, taking one block.
        assert_eq!(p.pick(PeerKey(1), &bits(8, &[4, 5, 6, 7]), 1)[0].index, 7);
        // Peer 2 has 7 too: it must get 7's other block before anything new.
        let got = p.pick(PeerKey(2), &bits(8, &[4, 5, 6, 7]), 2);
        assert_eq!(
            got[0],
            BlockRef {
                index: 7,
                begin: BLOCK_SIZE,
                length: BLOCK_SIZE
            }
        );
        assert_ne!(got[1].index, 7);
    }

    #[test]
    fn random_first_pieces_then_completion() {
        let mut p = picker(4, &[]);
        let all = bits(4, &[0, 1, 2, 3]);
        p.peer_added(&all);
        let blocks = p.pick(PeerKey(1), &all, 100);
        assert_eq!(blocks.len(), 8);
        for b in &blocks {
            let r = p.block_received(PeerKey(1), *b);
            assert!(matches!(r, BlockReceipt::Accepted { .. }));
            if let BlockReceipt::Accepted {
                piece_complete: true,
                ..
            } = r
            {
                p.piece_passed(b.index);
            }
        }
        assert!(p.is_complete());
        assert_eq!(
            p.block_received(PeerKey(1), blocks[0]),
            BlockReceipt::NotWanted
        );
    }

    /// A two-block piece in endgame, both blocks asked of peer 1, then of peer 2.
    fn endgame_pair() -> (PiecePicker, Vec<BlockRef>) {
        let mut p = picker(2, &[0]);
        let all = bits(2, &[0, 1]);
        p.peer_added(&all);
        p.peer_added(&all);
        let first = p.pick(PeerKey(1), &all, 10);
        assert_eq!(first.len(), 2);
        assert!(p.in_endgame());
        // Peer 2 is asked for the same outstanding blocks.
        assert_eq!(p.pick(PeerKey(2), &all, 10), first);
        assert!(
            p.pick(PeerKey(2), &all, 10).is_empty(),
            "never twice from one peer"
        );
        (p, first)
    }

    fn accepted(piece_complete: bool, cancel: u64) -> BlockReceipt {
        BlockReceipt::Accepted {
            piece_complete,
            cancel: vec![PeerKey(cancel)],
        }
    }

    #[test]
    fn endgame_requests_from_everyone_and_cancels_duplicates() {
        let (mut p, blocks) = endgame_pair();
        assert_eq!(p.block_received(PeerKey(2), blocks[0]), accepted(false, 1));
        assert_eq!(
            p.block_received(PeerKey(1), blocks[0]),
            BlockReceipt::NotWanted
        );
        assert_eq!(p.block_received(PeerKey(1), blocks[1]), accepted(true, 2));
    }

    #[test]
    fn a_failed_request_leaves_the_other_requesters() {
        let (mut p, blocks) = endgame_pair();
        // The first requester lets go of one block, the second of the
        // other: whoever delivers cancels the one still asked.
        p.request_failed(PeerKey(1), blocks[0]);
        p.request_failed(PeerKey(2), blocks[1]);
        assert_eq!(p.block_received(PeerKey(3), blocks[0]), accepted(false, 2));
        assert_eq!(p.block_received(PeerKey(3), blocks[1]), accepted(true, 1));
    }

    #[test]
    fn failed_piece_is_refetched_and_names_senders() {
        let mut p = picker(5, &[0, 1, 2, 3]);
        let all = bits(5, &[0, 1, 2, 3, 4]);
        p.peer_added(&all);
        let a = p.pick(PeerKey(1), &all, 1);
        let b = p.pick(PeerKey(2), &all, 1);
        p.block_received(PeerKey(1), a[0]);
        p.block_received(PeerKey(2), b[0]);
        assert_eq!(p.piece_failed(4), vec![PeerKey(1), PeerKey(2)]);
        assert_eq!(p.pick(PeerKey(3), &all, 5).len(), 2);
        // Released requests go back to missing.
        // (then, all blocks being requested, endgame adds the other one).
        p.request_failed(PeerKey(3), a[0]);
        assert_eq!(p.pick(PeerKey(4), &all, 5), vec![a[0], b[0]]);
        p.peer_removed(PeerKey(4), &all);
        assert_eq!(p.availability(4), 0);
        assert_eq!(p.pick(PeerKey(5), &all, 1), vec![a[0]]);
    }
}
