//! The info-hash: SHA-1 of the bencoded `info` dictionary exactly as received
//! (BEP 3), the torrent's identity on the wire, at trackers and in magnets.

use std::fmt;

use sha1::{Digest, Sha1};

/// A torrent's 20-byte identity.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct InfoHash(pub [u8; 20]);

impl InfoHash {
    /// The info-hash of raw `info` bytes.
    pub fn of_info_bytes(raw_info: &[u8]) -> InfoHash {
        InfoHash(Sha1::digest(raw_info).into())
    }

    /// Lower-case hex, as in magnet links and `torrent show`.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses 40 hex digits (either case).
    pub fn from_hex(s: &str) -> Option<InfoHash> {
        if s.len() != 40 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 20];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(InfoHash(out))
    }

    /// Percent-encoded form for tracker announce URLs (BEP 3).
    pub fn to_percent_encoded(&self) -> String {
        crate::percent::encode(&self.0)
    }

    /// Builds from exactly 20 bytes.
    pub fn from_slice(b: &[u8]) -> Option<InfoHash> {
        Some(InfoHash(b.try_into().ok()?))
    }
}

impl fmt::Display for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoHash({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_percent_forms() {
        let h = InfoHash([0xab; 20]);
        assert_eq!(h.to_hex(), "ab".repeat(20));
        assert_eq!(InfoHash::from_hex(&"AB".repeat(20)), Some(h));
        assert_eq!(InfoHash::from_hex("ab"), None);
        assert_eq!(InfoHash::from_hex(&"zz".repeat(20)), None);
        assert_eq!(h.to_percent_encoded(), "%AB".repeat(20));
        // SHA-1("abc") from FIPS 180-2 appendix A.
        assert_eq!(
            InfoHash::of_info_bytes(b"abc").to_hex(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
