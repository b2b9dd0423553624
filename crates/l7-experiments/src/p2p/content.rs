//! The simulated file: piece `i` is `piece_size(i)` copies of one byte
//! derived from `i`, so a peer can produce any block without storage. Each
//! distinct piece is SHA-1 hashed once: the engines still verify every
//! piece they complete against the metainfo, block by block as blocks
//! arrive, through [`MemoHasher`], which sees that a piece is one byte
//! repeated (one memcmp per block, while it is still in cache) and looks
//! its SHA-1 up, and computes the real SHA-1 of anything else. A block
//! that arrives ahead of a gap in its piece is held as its byte and length
//! until the gap fills, not copied.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

use l7_p2p::metainfo::{Metainfo, MetainfoError, TorrentBuilder};
use l7_p2p::swarm::{HeldBlock, PieceHasher, Sha1Hasher};

/// The byte piece `index` is made of.
pub fn piece_byte(index: u32) -> u8 {
    (index % 251) as u8 + 1
}

/// The SHA-1 of `len` copies of `byte`, each pair computed once.
fn uniform_sha1(byte: u8, len: usize) -> [u8; 20] {
    static TABLE: Mutex<BTreeMap<(u8, usize), [u8; 20]>> = Mutex::new(BTreeMap::new());
    let mut table = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    *table.entry((byte, len)).or_insert_with(|| {
        let mut h = Sha1Hasher::default();
        h.update(&vec![byte; len]);
        Box::new(h).finish()
    })
}

/// The piece SHA-1 the simulated peers verify with: while every byte fed
/// is the same, only that byte and the count are kept; the first other
/// byte turns it into a real SHA-1 of everything fed.
#[derive(Debug, Default)]
pub enum MemoHasher {
    /// Nothing fed yet.
    #[default]
    Empty,
    /// `len` copies of `byte` fed.
    Uniform {
        /// The byte.
        byte: u8,
        /// How many.
        len: usize,
    },
    /// Something else fed.
    Real(Sha1Hasher),
}

impl MemoHasher {
    /// A fresh hasher, for `Torrent::set_piece_hasher`.
    pub fn boxed() -> Box<dyn PieceHasher> {
        Box::<MemoHasher>::default()
    }
}

/// `Some(b)` if `data` is non-empty and every byte is `b` (one memcmp of
/// the block against itself shifted by one).
fn uniform_byte(data: &[u8]) -> Option<u8> {
    let (&first, rest) = data.split_first()?;
    (rest == &data[..data.len() - 1]).then_some(first)
}

impl MemoHasher {
    /// Counts `len` copies of `byte` if all fed so far is that byte;
    /// false if the real SHA-1 must take them.
    fn absorb_run(&mut self, byte: u8, len: usize) -> bool {
        match self {
            MemoHasher::Empty => *self = MemoHasher::Uniform { byte, len },
            MemoHasher::Uniform { byte: b, len: n } if *b == byte => *n += len,
            _ => return false,
        }
        true
    }

    /// Feeds bytes into the real SHA-1, which takes over from here.
    fn feed_real(&mut self, data: &[u8]) {
        let mut h = match std::mem::take(self) {
            MemoHasher::Empty => Sha1Hasher::default(),
            MemoHasher::Uniform { byte, len } => {
                let mut h = Sha1Hasher::default();
                h.update(&vec![byte; len]);
                h
            }
            MemoHasher::Real(h) => h,
        };
        h.update(data);
        *self = MemoHasher::Real(h);
    }
}

impl PieceHasher for MemoHasher {
    fn update(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        match uniform_byte(data) {
            Some(byte) if self.absorb_run(byte, data.len()) => {}
            _ => self.feed_real(data),
        }
    }

    /// A uniform block ahead of a gap is kept as its byte and length (a
    /// copy of it would be read back cold when the gap fills).
    fn hold(&self, block: Cow<'_, [u8]>) -> HeldBlock {
        match uniform_byte(&block) {
            Some(byte) => HeldBlock::Run {
                byte,
                len: block.len() as u32,
            },
            None => HeldBlock::Bytes(block.into_owned()),
        }
    }

    fn update_held(&mut self, held: &HeldBlock) {
        match held {
            HeldBlock::Bytes(bytes) => self.update(bytes),
            HeldBlock::Run { byte, len } => {
                if !self.absorb_run(*byte, *len as usize) {
                    self.feed_real(&vec![*byte; *len as usize]);
                }
            }
        }
    }

    fn finish(self: Box<Self>) -> [u8; 20] {
        match *self {
            MemoHasher::Empty => Box::new(Sha1Hasher::default()).finish(),
            MemoHasher::Uniform { byte, len } => uniform_sha1(byte, len),
            MemoHasher::Real(h) => Box::new(h).finish(),
        }
    }
}

/// The metainfo of a `length`-byte simulated file in `piece_length` pieces.
pub fn metainfo(length: u64, piece_length: u64) -> Result<Metainfo, MetainfoError> {
    let builder = TorrentBuilder::single_file("sim.bin", length)?.piece_length(piece_length)?;
    let layout = builder.layout();
    let hashes = (0..layout.piece_count())
        .map(|i| uniform_sha1(piece_byte(i), layout.piece_size(i) as usize))
        .collect();
    builder.tracker("udp://10.0.0.1:6969").build(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use l7_p2p::metainfo::hash_piece;

    fn memo(parts: &[&[u8]]) -> [u8; 20] {
        let mut h = MemoHasher::boxed();
        parts.iter().for_each(|p| h.update(p));
        h.finish()
    }

    #[test]
    fn memo_returns_the_true_sha1() {
        let piece = vec![7u8; 1000];
        let halves = [&piece[..600], &piece[600..]];
        assert_eq!(memo(&halves), hash_piece(&piece));
        assert_eq!(memo(&halves), hash_piece(&piece));
        let mut bad = piece.clone();
        bad[500] = 8;
        assert_eq!(memo(&[&bad[..600], &bad[600..]]), hash_piece(&bad));
        assert_ne!(memo(&[&bad]), memo(&[&piece]));
        // Each block uniform, but not the same byte; or uniform after not.
        let mixed = [vec![7u8; 500], vec![8u8; 500]];
        assert_eq!(memo(&[&mixed[0], &mixed[1]]), hash_piece(&mixed.concat()));
        assert_eq!(memo(&[&bad, &piece]), hash_piece(&[bad, piece].concat()));
        assert_eq!(memo(&[]), hash_piece(&[]));
    }

    #[test]
    fn held_runs_hash_as_their_bytes() {
        let run = vec![7u8; 300];
        let mut odd = run.clone();
        odd[9] = 1;
        let other_run = vec![8u8; 300];
        let h = MemoHasher::default();
        let (held_run, held_odd) = (h.hold(run[..].into()), h.hold(odd[..].into()));
        assert_eq!(held_run, HeldBlock::Run { byte: 7, len: 300 });
        assert_eq!(held_odd, HeldBlock::Bytes(odd.clone()));
        // (bytes fed first, then a held block, and what that stands for).
        let cases = [
            (&[][..], &held_run, &run),
            (&run[..], &held_run, &run),
            (&odd[..], &held_run, &run),
            (&other_run[..], &held_run, &run),
            (&run[..], &held_odd, &odd),
        ];
        for (before, held, stands_for) in cases {
            let mut h = MemoHasher::boxed();
            h.update(before);
            h.update_held(held);
            assert_eq!(h.finish(), hash_piece(&[before, stands_for].concat()));
        }
    }

    #[test]
    fn metainfo_hashes_the_generated_pieces() {
        let m = metainfo(600 * 1024, 256 * 1024).unwrap();
        assert_eq!(m.info.pieces.len(), 3);
        assert_eq!(
            m.info.pieces[2],
            hash_piece(&vec![piece_byte(2); 88 * 1024])
        );
    }
}
