//! Big-endian (network order) writing helpers on `Vec<u8>`, the buffer every
//! `emit` appends to.

/// Appends integers in network byte order.
pub trait WriteExt {
    /// Appends one byte.
    fn put_u8(&mut self, v: u8);
    /// Appends a big-endian u16.
    fn put_u16(&mut self, v: u16);
    /// Appends a big-endian u32.
    fn put_u32(&mut self, v: u32);
    /// Appends a big-endian u64.
    fn put_u64(&mut self, v: u64);
    /// Overwrites a big-endian u16 at `at` (for lengths known only after the body).
    fn patch_u16(&mut self, at: usize, v: u16);
}

impl WriteExt for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn patch_u16(&mut self, at: usize, v: u16) {
        self[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reader;

    #[test]
    fn round_trips_through_reader() {
        let mut buf = Vec::new();
        buf.put_u8(7);
        buf.put_u16(0);
        buf.put_u32(0xdead_beef);
        buf.put_u64(u64::MAX - 1);
        buf.patch_u16(1, 513);
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u16().unwrap(), 513);
        assert_eq!(r.u32().unwrap(), 0xdead_beef);
        assert_eq!(r.u64().unwrap(), u64::MAX - 1);
    }
}
