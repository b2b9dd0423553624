//! Stream bytes as the simulator holds them between a write and its
//! delivery: the literal bytes, with one long run of a single repeated byte
//! kept as (byte, count) at its place among them. Synthetic content (an
//! experiment's file blocks) is such runs, so a thousand peers' bytes in
//! flight take kilobytes rather than hundreds of megabytes, and are never
//! read back cold from memory; the receiver gets the very same bytes,
//! expanded into a reused buffer. Any other bytes stay literal, moved and
//! not copied.

/// Runs are looked for in windows of this many bytes: a run that covers a
/// whole aligned window (any run of at least twice this) is found.
const WINDOW: usize = 256;

/// Bytes written to a stream, compactly.
#[derive(Debug, Default)]
pub(crate) struct Payload {
    /// Every byte but the run's, in order, from `skip` on (the bytes
    /// before were split off: a large write is cut into units without
    /// moving the rest each time).
    literal: Vec<u8>,
    skip: usize,
    /// Where the run sits among the literal bytes (at most their count).
    run_at: usize,
    run_len: usize,
    run_byte: u8,
}

impl Payload {
    /// Takes a write, packing its first long run of one byte.
    pub fn pack(bytes: Vec<u8>) -> Payload {
        let Some((start, end)) = find_run(&bytes) else {
            return Payload::literal(bytes);
        };
        let mut literal = Vec::with_capacity(bytes.len() - (end - start));
        literal.extend_from_slice(&bytes[..start]);
        literal.extend_from_slice(&bytes[end..]);
        Payload {
            literal,
            skip: 0,
            run_at: start,
            run_len: end - start,
            run_byte: bytes[start],
        }
    }

    /// `bytes` followed by `count` copies of `byte`, which never exist in
    /// memory until delivery expands them.
    pub fn with_fill(bytes: Vec<u8>, byte: u8, count: usize) -> Payload {
        if count == 0 {
            return Payload::literal(bytes);
        }
        Payload {
            run_at: bytes.len(),
            run_len: count,
            run_byte: byte,
            literal: bytes,
            skip: 0,
        }
    }

    fn literal(literal: Vec<u8>) -> Payload {
        Payload {
            literal,
            ..Payload::default()
        }
    }

    /// The literal bytes.
    fn lit(&self) -> &[u8] {
        &self.literal[self.skip..]
    }

    /// How many bytes this stands for.
    pub fn len(&self) -> usize {
        self.lit().len() + self.run_len
    }

    /// True if this stands for no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes themselves when nothing is packed (no copy needed).
    pub fn as_literal(&self) -> Option<&[u8]> {
        (self.run_len == 0).then(|| self.lit())
    }

    /// Writes the bytes into `out` (cleared first).
    pub fn expand_into(&self, out: &mut Vec<u8>) {
        let lit = self.lit();
        out.clear();
        out.reserve(self.len());
        out.extend_from_slice(&lit[..self.run_at]);
        out.resize(self.run_at + self.run_len, self.run_byte);
        out.extend_from_slice(&lit[self.run_at..]);
    }

    /// Splits off and returns the first `n` bytes (`n` < `len`).
    pub fn split_front(&mut self, n: usize) -> Payload {
        let (run_at, run_len) = (self.run_at, self.run_len);
        // Literal bytes the front takes, and how much of the run.
        let (literal_taken, run_taken) = if n <= run_at {
            (n, 0)
        } else if n <= run_at + run_len {
            (run_at, n - run_at)
        } else {
            (n - run_len, run_len)
        };
        let front = Payload {
            literal: self.lit()[..literal_taken].to_vec(),
            skip: 0,
            run_at: run_at.min(literal_taken),
            run_len: run_taken,
            run_byte: self.run_byte,
        };
        self.skip += literal_taken;
        self.run_at -= run_at.min(literal_taken);
        self.run_len -= run_taken;
        if self.run_len == 0 {
            self.run_at = 0;
        }
        front
    }

    /// Appends `other`'s bytes (a second run is expanded: one is kept).
    pub fn append(&mut self, other: Payload) {
        if self.skip > 0 {
            self.literal.drain(..self.skip);
            self.skip = 0;
        }
        if other.run_len == 0 {
            self.literal.extend_from_slice(other.lit());
        } else if self.run_len == 0 {
            self.run_at = self.literal.len() + other.run_at;
            self.run_len = other.run_len;
            self.run_byte = other.run_byte;
            self.literal.extend_from_slice(other.lit());
        } else {
            let mut bytes = Vec::new();
            other.expand_into(&mut bytes);
            self.literal.extend_from_slice(&bytes);
        }
    }
}

/// The first run of one byte that covers an aligned window, as
/// `start..end`, if any.
fn find_run(bytes: &[u8]) -> Option<(usize, usize)> {
    // A window is uniform when it equals itself shifted by one byte.
    let uniform = |w: &[u8]| w[1..] == w[..w.len() - 1];
    let mut at = 0;
    while at + WINDOW <= bytes.len() {
        if uniform(&bytes[at..at + WINDOW]) {
            let byte = bytes[at];
            let mut start = at;
            while start > 0 && bytes[start - 1] == byte {
                start -= 1;
            }
            let mut end = at + WINDOW;
            while end + WINDOW <= bytes.len()
                && bytes[end] == byte
                && uniform(&bytes[end..end + WINDOW])
            {
                end += WINDOW;
            }
            while end < bytes.len() && bytes[end] == byte {
                end += 1;
            }
            return Some((start, end));
        }
        at += WINDOW;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn expanded(p: &Payload) -> Vec<u8> {
        let mut out = vec![9; 3];
        p.expand_into(&mut out);
        out
    }

    #[test]
    fn a_block_behind_a_header_is_packed() {
        let mut bytes = vec![0, 0, 64, 13, 7, 0, 0, 0, 1];
        bytes.extend(std::iter::repeat_n(0x5a, 16384));
        bytes.extend([0, 0, 0, 5, 4]);
        let p = Payload::pack(bytes.clone());
        assert_eq!((p.run_at, p.run_len, p.literal.len()), (9, 16384, 14));
        assert_eq!(p.as_literal(), None);
        assert_eq!(expanded(&p), bytes);
        let filled = Payload::with_fill(bytes[..9].to_vec(), 0x5a, 16384);
        assert_eq!(expanded(&filled), bytes[..9 + 16384].to_vec());
        assert_eq!(expanded(&Payload::with_fill(vec![1, 2], 7, 0)), vec![1, 2]);
        let short = vec![1, 2, 3, 3, 3];
        assert_eq!(Payload::pack(short.clone()).as_literal(), Some(&short[..]));
    }

    proptest! {
        #[test]
        fn pack_split_and_append_keep_the_bytes(
            parts in proptest::collection::vec(
                (proptest::collection::vec(any::<u8>(), 0..40), any::<u8>(), 0usize..1500),
                1..5,
            ),
            cut in any::<proptest::sample::Index>(),
        ) {
            let mut all = Vec::new();
            let mut joined = Payload::default();
            for (head, byte, run) in parts {
                let mut write = head;
                write.extend(std::iter::repeat_n(byte, run));
                all.extend_from_slice(&write);
                joined.append(Payload::pack(write));
            }
            prop_assert_eq!(joined.len(), all.len());
            prop_assert_eq!(expanded(&joined), all.clone());
            if all.len() > 1 {
                let n = 1 + cut.index(all.len() - 1);
                let front = joined.split_front(n);
                prop_assert_eq!(expanded(&front), all[..n].to_vec());
                prop_assert_eq!(expanded(&joined), all[n..].to_vec());
            }
        }
    }
}
