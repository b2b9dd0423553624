//! Which pieces a peer has (BEP 3 `bitfield`): bit 7 of byte 0 is piece 0;
//! spare bits at the end must be zero, and a bitfield of the wrong length is
//! an error that closes the connection. Up to 256 pieces, the bytes are
//! kept inline: the copy of each peer's bitfield then lies in its session
//! itself, so the checks made for every HAVE touch no other memory.

use std::ops::{Deref, DerefMut};

use l7_wire::WireError;

/// A fixed-length set of piece indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bitfield {
    bytes: Bytes,
    len: u32,
}

/// Most bytes kept inline (256 pieces).
const INLINE_BYTES: usize = 32;

/// A bitfield's bytes, inline when few.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bytes {
    /// The first `len` bytes of `buf` (the rest stay zero).
    Inline {
        len: u8,
        buf: [u8; INLINE_BYTES],
    },
    Heap(Vec<u8>),
}

impl Bytes {
    fn zeroed(len: usize) -> Self {
        match u8::try_from(len) {
            Ok(len) if usize::from(len) <= INLINE_BYTES => Bytes::Inline {
                len,
                buf: [0; INLINE_BYTES],
            },
            _ => Bytes::Heap(vec![0; len]),
        }
    }

    fn copied(bytes: &[u8]) -> Self {
        let mut b = Bytes::zeroed(bytes.len());
        b.copy_from_slice(bytes);
        b
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, buf } => &buf[..usize::from(*len)],
            Bytes::Heap(v) => v,
        }
    }
}

impl DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Bytes::Inline { len, buf } => &mut buf[..usize::from(*len)],
            Bytes::Heap(v) => v,
        }
    }
}

impl Bitfield {
    /// All clear.
    pub fn new(len: u32) -> Self {
        Bitfield {
            bytes: Bytes::zeroed((len as usize).div_ceil(8)),
            len,
        }
    }

    /// All set.
    pub fn full(len: u32) -> Self {
        let mut b = Bitfield::new(len);
        (0..len).for_each(|i| b.set(i));
        b
    }

    /// Validates received bytes for a torrent of `len` pieces (BEP 3: exact
    /// length, spare bits cleared).
    pub fn from_bytes(bytes: &[u8], len: u32) -> Result<Self, WireError> {
        let expected = (len as usize).div_ceil(8);
        if bytes.len() != expected {
            return Err(WireError::invalid(format!(
                "bitfield of {} bytes for {len} pieces (expected {expected})",
                bytes.len()
            )));
        }
        let spare = (expected * 8 - len as usize) as u32;
        if spare > 0 && bytes[expected - 1] & ((1u8 << spare) - 1) != 0 {
            return Err(WireError::invalid("bitfield spare bits set"));
        }
        Ok(Bitfield {
            bytes: Bytes::copied(bytes),
            len,
        })
    }

    /// Number of pieces tracked.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// True when tracking zero pieces.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether piece `i` is set (false when out of range).
    pub fn get(&self, i: u32) -> bool {
        i < self.len && self.bytes[(i / 8) as usize] & (0x80 >> (i % 8)) != 0
    }

    /// Sets piece `i` (ignored when out of range).
    pub fn set(&mut self, i: u32) {
        if i < self.len {
            self.bytes[(i / 8) as usize] |= 0x80 >> (i % 8);
        }
    }

    /// Clears piece `i`.
    pub fn clear(&mut self, i: u32) {
        if i < self.len {
            self.bytes[(i / 8) as usize] &= !(0x80 >> (i % 8));
        }
    }

    /// Number of pieces set.
    pub fn count(&self) -> u32 {
        self.bytes.iter().map(|b| b.count_ones()).sum()
    }

    /// Every piece set.
    pub fn is_full(&self) -> bool {
        self.count() == self.len
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// True if some piece set here is clear in `other` (byte-wise; lengths must match).
    pub fn has_any_missing_from(&self, other: &Bitfield) -> bool {
        self.len == other.len
            && self
                .bytes
                .iter()
                .zip(other.bytes.iter())
                .any(|(a, b)| a & !b != 0)
    }

    /// Indices of set pieces, ascending.
    pub fn ones(&self) -> impl Iterator<Item = u32> + '_ {
        self.ones_missing_from(None)
    }

    /// Indices of pieces set here and clear in `other` (all set ones if
    /// `None`), ascending; a byte at a time, skipping empty bytes (spare
    /// bits are always clear). Lengths must match, else nothing.
    pub fn ones_missing_from<'a>(
        &'a self,
        other: Option<&'a Bitfield>,
    ) -> impl Iterator<Item = u32> + 'a {
        let matching = other.is_none_or(|o| o.len == self.len);
        let bytes = if matching { &self.bytes[..] } else { &[] };
        bytes.iter().enumerate().flat_map(move |(j, &b)| {
            let bits = b & !other.map_or(0, |o| o.bytes[j]);
            (0..8u32)
                .filter(move |k| bits & (0x80 >> k) != 0)
                .map(move |k| j as u32 * 8 + k)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msb_first_and_spare_bits() {
        let mut b = Bitfield::new(10);
        b.set(0);
        b.set(9);
        assert_eq!(b.as_bytes(), &[0x80, 0x40]);
        assert_eq!(b.count(), 2);
        assert_eq!(b.ones().collect::<Vec<_>>(), vec![0, 9]);
        assert_eq!(Bitfield::from_bytes(&[0x80, 0x40], 10).unwrap(), b);
        assert!(Bitfield::from_bytes(&[0x80, 0x60], 10).is_err());
        assert!(Bitfield::from_bytes(&[0x80], 10).is_err());
        assert!(Bitfield::full(10).is_full());
        assert!(Bitfield::full(10).has_any_missing_from(&b));
        assert!(!b.has_any_missing_from(&Bitfield::full(10)));
        assert!(!b.has_any_missing_from(&Bitfield::new(9)), "lengths differ");
        // Past 256 pieces the bytes move to the heap; nothing else changes.
        for n in [256, 257, 2000] {
            let mut big = Bitfield::new(n);
            big.set(n - 1);
            assert_eq!(big.as_bytes().len(), (n as usize).div_ceil(8));
            assert_eq!(big.ones().collect::<Vec<_>>(), vec![n - 1]);
            assert_eq!(Bitfield::from_bytes(big.as_bytes(), n).unwrap(), big);
        }
        b.clear(0);
        assert!(!b.get(0) && !b.get(99));
    }
}
