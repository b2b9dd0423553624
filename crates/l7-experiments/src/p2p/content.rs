//! The simulated file: piece `i` is `piece_size(i)` copies of one byte
//! derived from `i`, so a peer can produce any block without storage. Each
//! distinct piece is SHA-1 hashed once: the engines still verify every
//! piece they complete against the metainfo, block by block as blocks
//! arrive, through [`MemoHasher`], which sees that a piece is one byte
//! repeated (one memcmp per block, while it is still in cache) and looks
//! its SHA-1 up, and computes the real SHA-1 of anything else.

use std::collections::BTreeMap;
use std::sync::Mutex;

use l7_p2p::metainfo::{Metainfo, MetainfoError, TorrentBuilder};
use l7_p2p::peer_wire::BlockRef;
use l7_p2p::swarm::{PieceHasher, Sha1Hasher};

/// The byte piece `index` is made of.
pub fn piece_byte(index: u32) -> u8 {
    (index % 251) as u8 + 1
}

/// Fills `buf` with the bytes of `block` (kept as they are if it holds
/// them already: an uploader reuses one buffer for every block it sends).
pub fn fill_block(buf: &mut Vec<u8>, block: BlockRef) {
    let byte = piece_byte(block.index);
    let len = block.length as usize;
    if buf.len() != len || buf.first() != Some(&byte) {
        buf.clear();
        buf.resize(len, byte);
    }
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

impl PieceHasher for MemoHasher {
    fn update(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let same = uniform_byte(data);
        match self {
            MemoHasher::Empty => match same {
                Some(byte) => {
                    *self = MemoHasher::Uniform {
                        byte,
                        len: data.len(),
                    }
                }
                None => {
                    let mut h = Sha1Hasher::default();
                    h.update(data);
                    *self = MemoHasher::Real(h);
                }
            },
            MemoHasher::Uniform { byte, len } if same == Some(*byte) => *len += data.len(),
            MemoHasher::Uniform { byte, len } => {
                let mut h = Sha1Hasher::default();
                h.update(&vec![*byte; *len]);
                h.update(data);
                *self = MemoHasher::Real(h);
            }
            MemoHasher::Real(h) => h.update(data),
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
    fn metainfo_hashes_the_generated_pieces() {
        let m = metainfo(600 * 1024, 256 * 1024).unwrap();
        assert_eq!(m.info.pieces.len(), 3);
        assert_eq!(
            m.info.pieces[2],
            hash_piece(&vec![piece_byte(2); 88 * 1024])
        );
    }
}
