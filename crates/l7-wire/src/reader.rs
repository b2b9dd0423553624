//! A cursor over a byte slice that never panics: every read is bounds-checked
//! and returns [`WireError::Incomplete`] when the slice runs out.

use crate::WireError;

/// A bounds-checked, zero-copy cursor over received bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The whole underlying buffer (for formats with back-references, like DNS names).
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// Offset of the next unread byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves the cursor to `pos`; fails if it lies past the end.
    pub fn seek(&mut self, pos: usize) -> Result<(), WireError> {
        if pos > self.buf.len() {
            return Err(WireError::Incomplete);
        }
        self.pos = pos;
        Ok(())
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// The next byte, without consuming it.
    pub fn peek_u8(&self) -> Result<u8, WireError> {
        self.buf.get(self.pos).copied().ok_or(WireError::Incomplete)
    }

    /// Consumes and returns the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Incomplete)?;
        let out = self.buf.get(self.pos..end).ok_or(WireError::Incomplete)?;
        self.pos = end;
        Ok(out)
    }

    /// Consumes `N` bytes into an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Consumes one byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        let b = self.peek_u8()?;
        self.pos += 1;
        Ok(b)
    }

    /// Consumes a big-endian (network order) u16.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Consumes a big-endian (network order) u32.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Consumes a big-endian (network order) u64.
    pub fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_network_order_and_stops_at_the_end() {
        let mut r = Reader::new(&[0x12, 0x34, 0, 0, 0, 1, 9]);
        assert_eq!(r.u16().unwrap(), 0x1234);
        assert_eq!(r.u32().unwrap(), 1);
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.u16(), Err(WireError::Incomplete));
        assert_eq!(r.u8().unwrap(), 9);
        assert!(r.is_empty());
        assert_eq!(r.bytes(usize::MAX), Err(WireError::Incomplete));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(buf in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
                        n in 0usize..80) {
            let mut r = Reader::new(&buf);
            let _ = r.bytes(n);
            let _ = r.u64();
            let _ = r.seek(n);
        }
    }
}
