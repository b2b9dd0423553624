//! The simulated file: piece `i` is `piece_size(i)` copies of one byte
//! derived from `i`, so a peer can produce any block without storage. Each
//! distinct piece is SHA-1 hashed once ([`memo_sha1`]); the engines still
//! verify every piece they complete against the metainfo, through that
//! memo, which computes the real SHA-1 of anything it has not seen (a
//! piece is given as its blocks: the engines never join them).

use std::collections::BTreeMap;
use std::sync::Mutex;

use l7_p2p::metainfo::{Metainfo, MetainfoError, TorrentBuilder, hash_blocks};
use l7_p2p::peer_wire::BlockRef;

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

/// The SHA-1 of the piece made of `blocks`, looked up in a table when it
/// is one byte repeated (every piece of the simulated file), computed
/// otherwise.
pub fn memo_sha1(blocks: &[&[u8]]) -> [u8; 20] {
    static TABLE: Mutex<BTreeMap<(u8, usize), [u8; 20]>> = Mutex::new(BTreeMap::new());
    let Some(&first) = blocks.first().and_then(|b| b.first()) else {
        return hash_blocks(blocks);
    };
    // Every block starts with that byte and every byte equals its
    // neighbour: one memcmp per block, not a byte loop.
    let uniform = blocks
        .iter()
        .all(|b| b.first() == Some(&first) && b[1..] == b[..b.len() - 1]);
    if !uniform {
        return hash_blocks(blocks);
    }
    let len = blocks.iter().map(|b| b.len()).sum();
    let mut table = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    *table
        .entry((first, len))
        .or_insert_with(|| hash_blocks(blocks))
}

/// The metainfo of a `length`-byte simulated file in `piece_length` pieces.
pub fn metainfo(length: u64, piece_length: u64) -> Result<Metainfo, MetainfoError> {
    let builder = TorrentBuilder::single_file("sim.bin", length)?.piece_length(piece_length)?;
    let layout = builder.layout();
    let hashes = (0..layout.piece_count())
        .map(|i| memo_sha1(&[&vec![piece_byte(i); layout.piece_size(i) as usize]]))
        .collect();
    builder.tracker("udp://10.0.0.1:6969").build(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use l7_p2p::metainfo::hash_piece;

    #[test]
    fn memo_returns_the_true_sha1() {
        let piece = vec![7u8; 1000];
        let halves = [&piece[..600], &piece[600..]];
        assert_eq!(memo_sha1(&halves), hash_piece(&piece));
        assert_eq!(memo_sha1(&halves), hash_piece(&piece));
        let mut bad = piece.clone();
        bad[500] = 8;
        assert_eq!(memo_sha1(&[&bad[..600], &bad[600..]]), hash_piece(&bad));
        assert_ne!(memo_sha1(&[&bad]), memo_sha1(&[&piece]));
        // Each block uniform, but not the same byte: hashed for real.
        let mixed = [vec![7u8; 500], vec![8u8; 500]];
        assert_eq!(
            memo_sha1(&[&mixed[0], &mixed[1]]),
            hash_piece(&mixed.concat())
        );
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
