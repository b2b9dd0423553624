//! A piece being downloaded, checked as it arrives: blocks are fed to an
//! incremental SHA-1 in offset order the moment the gap before them is
//! filled, so verification (BEP 3: a piece counts only once its SHA-1
//! matches the metainfo) costs nothing extra when the last block lands and
//! the piece is never joined from parts. Blocks that arrive ahead of a gap
//! wait, held by the hasher ([`PieceHasher::hold`]: their bytes, or less
//! for a hasher over synthetic content). The piece's bytes are kept, in
//! order, only for a driver that stores them; without them a failed piece
//! can still be re-downloaded but its blocks cannot be compared with the
//! good copy later (smart ban).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Debug;

use sha1::{Digest, Sha1};

/// An incremental SHA-1 over a piece's bytes, fed in order. It must give
/// the true SHA-1 (a simulator may memoise it over synthetic content).
pub trait PieceHasher: Debug + Send {
    /// Feeds the next bytes of the piece.
    fn update(&mut self, data: &[u8]);
    /// Keeps a block that arrived ahead of a gap until
    /// [`PieceHasher::update_held`] feeds it (the piece's bytes are not
    /// kept otherwise). By default its bytes; a hasher that knows the
    /// content may keep a run of one byte as a count.
    fn hold(&self, block: Cow<'_, [u8]>) -> HeldBlock {
        HeldBlock::Bytes(block.into_owned())
    }
    /// Feeds a block [`PieceHasher::hold`] kept.
    fn update_held(&mut self, held: &HeldBlock) {
        match held {
            HeldBlock::Bytes(bytes) => self.update(bytes),
            HeldBlock::Run { byte, len } => self.update(&vec![*byte; *len as usize]),
        }
    }
    /// The SHA-1 of everything fed.
    fn finish(self: Box<Self>) -> [u8; 20];
}

/// A block waiting for the gap before it to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldBlock {
    /// Its bytes.
    Bytes(Vec<u8>),
    /// `len` copies of `byte`.
    Run {
        /// The byte.
        byte: u8,
        /// How many.
        len: u32,
    },
}

impl HeldBlock {
    /// How many bytes it stands for.
    pub(crate) fn len(&self) -> u32 {
        match self {
            HeldBlock::Bytes(bytes) => bytes.len() as u32,
            HeldBlock::Run { len, .. } => *len,
        }
    }
}

/// Makes the hasher for one piece.
pub type NewPieceHasher = fn() -> Box<dyn PieceHasher>;

/// The plain SHA-1 hasher, the engine's default.
#[derive(Debug, Default)]
pub struct Sha1Hasher(Sha1);

impl Sha1Hasher {
    /// A fresh hasher, boxed for [`crate::swarm::Torrent::set_piece_hasher`].
    pub fn boxed() -> Box<dyn PieceHasher> {
        Box::<Sha1Hasher>::default()
    }
}

impl PieceHasher for Sha1Hasher {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finish(self: Box<Self>) -> [u8; 20] {
        self.0.finalize().into()
    }
}

/// The blocks of one piece received so far.
#[derive(Debug)]
pub(super) struct Assembly {
    hasher: Box<dyn PieceHasher>,
    /// Bytes from the piece's start fed to the hasher.
    hashed: u32,
    /// Blocks past a gap, by offset.
    waiting: BTreeMap<u32, HeldBlock>,
    /// The hashed bytes, when kept.
    data: Option<Vec<u8>>,
}

impl Assembly {
    pub fn new(hasher: Box<dyn PieceHasher>, keep: bool) -> Self {
        Assembly {
            hasher,
            hashed: 0,
            waiting: BTreeMap::new(),
            data: keep.then(Vec::new),
        }
    }

    /// A block at offset `begin` (each offset once: the picker accepts a
    /// block only once per attempt at the piece).
    pub fn add(&mut self, begin: u32, block: Cow<'_, [u8]>) {
        if begin != self.hashed {
            let held = match self.data {
                Some(_) => HeldBlock::Bytes(block.into_owned()),
                None => self.hasher.hold(block),
            };
            self.waiting.insert(begin, held);
            return;
        }
        self.feed(&block);
        while let Some(next) = self.waiting.remove(&self.hashed) {
            match next {
                HeldBlock::Bytes(bytes) => self.feed(&bytes),
                // Only held when the bytes are not kept.
                run => {
                    self.hashed += run.len();
                    self.hasher.update_held(&run);
                }
            }
        }
    }

    fn feed(&mut self, block: &[u8]) {
        self.hasher.update(block);
        self.hashed += block.len() as u32;
        if let Some(data) = &mut self.data {
            data.extend_from_slice(block);
        }
    }

    /// The piece's SHA-1 and its bytes (if kept). Every block must have
    /// arrived; a gap left would give the SHA-1 of the prefix only.
    pub fn finish(self) -> ([u8; 20], Option<Vec<u8>>) {
        debug_assert!(self.waiting.is_empty(), "piece finished with a gap");
        (self.hasher.finish(), self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metainfo::hash_piece;

    #[test]
    fn out_of_order_blocks_hash_as_the_whole_piece() {
        let piece: Vec<u8> = (0..40u8).collect();
        let mut a = Assembly::new(Sha1Hasher::boxed(), true);
        a.add(30, piece[30..].into());
        a.add(10, piece[10..20].into());
        a.add(0, piece[..10].into());
        a.add(20, piece[20..30].into());
        assert_eq!(a.finish(), (hash_piece(&piece), Some(piece.clone())));
        let mut b = Assembly::new(Sha1Hasher::boxed(), false);
        b.add(0, piece[..25].into());
        b.add(25, piece[25..].into());
        assert_eq!(b.finish(), (hash_piece(&piece), None));
    }

    /// SHA-1 that holds any block ahead of a gap as a run of its first byte.
    #[derive(Debug, Default)]
    struct RunHolder(Sha1Hasher);

    impl PieceHasher for RunHolder {
        fn update(&mut self, data: &[u8]) {
            self.0.update(data);
        }
        fn hold(&self, block: Cow<'_, [u8]>) -> HeldBlock {
            HeldBlock::Run {
                byte: block[0],
                len: block.len() as u32,
            }
        }
        fn finish(self: Box<Self>) -> [u8; 20] {
            Box::new(self.0).finish()
        }
    }

    #[test]
    fn held_runs_are_fed_in_their_place_unless_the_bytes_are_kept() {
        let piece = [vec![1u8; 10], vec![2u8; 10], vec![3u8; 10]].concat();
        for keep in [false, true] {
            let mut a = Assembly::new(Box::<RunHolder>::default(), keep);
            a.add(20, piece[20..].into());
            a.add(10, piece[10..20].into());
            let held: Vec<bool> = a
                .waiting
                .values()
                .map(|h| matches!(h, HeldBlock::Run { .. }))
                .collect();
            assert_eq!(held, [!keep, !keep]);
            a.add(0, piece[..10].into());
            assert_eq!(
                a.finish(),
                (hash_piece(&piece), keep.then(|| piece.clone()))
            );
        }
    }
}
