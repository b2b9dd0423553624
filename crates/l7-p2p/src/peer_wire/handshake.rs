//! The BEP 3 handshake: `<19>"BitTorrent protocol"<8 reserved><info_hash><peer_id>`,
//! 68 bytes. Reserved bits: BEP 10 extension protocol is bit 20 from the
//! right (byte 5, 0x10); BEP 6 Fast extension is byte 7, 0x04.

use l7_wire::{Reader, WireError};

use crate::metainfo::InfoHash;

/// The protocol string.
pub const PROTOCOL: &[u8; 19] = b"BitTorrent protocol";

/// A peer's handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// Capability bits.
    pub reserved: [u8; 8],
    /// Which torrent.
    pub info_hash: InfoHash,
    /// The sender's 20-byte id.
    pub peer_id: [u8; 20],
}

impl Handshake {
    /// Encoded length.
    pub const LEN: usize = 68;

    /// Our handshake: Fast extension and extension protocol advertised.
    pub fn new(info_hash: InfoHash, peer_id: [u8; 20]) -> Self {
        let mut reserved = [0u8; 8];
        reserved[5] |= 0x10;
        reserved[7] |= 0x04;
        Handshake {
            reserved,
            info_hash,
            peer_id,
        }
    }

    /// BEP 6: the Fast extension bit.
    pub fn supports_fast(&self) -> bool {
        self.reserved[7] & 0x04 != 0
    }

    /// BEP 10: the extension protocol bit.
    pub fn supports_extensions(&self) -> bool {
        self.reserved[5] & 0x10 != 0
    }

    /// Parses a handshake from the front of `buf`.
    pub fn parse(buf: &[u8]) -> Result<(Handshake, usize), WireError> {
        let mut r = Reader::new(buf);
        // Reject a wrong protocol as soon as its bytes are visible.
        let seen = buf.len().min(20);
        let mut expected = vec![19u8];
        expected.extend_from_slice(PROTOCOL);
        if buf[..seen] != expected[..seen] {
            return Err(WireError::invalid("not a BitTorrent handshake"));
        }
        r.bytes(20)?;
        let reserved = r.array()?;
        let info_hash = InfoHash(r.array()?);
        let peer_id = r.array()?;
        Ok((
            Handshake {
                reserved,
                info_hash,
                peer_id,
            },
            r.position(),
        ))
    }

    /// Appends the 68 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(19);
        out.extend_from_slice(PROTOCOL);
        out.extend_from_slice(&self.reserved);
        out.extend_from_slice(&self.info_hash.0);
        out.extend_from_slice(&self.peer_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep3_bytes_and_bits() {
        let h = Handshake::new(InfoHash([1; 20]), *b"-L70001-abcdefghijkl");
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out.len(), 68);
        assert_eq!(&out[..20], b"\x13BitTorrent protocol");
        assert_eq!(&out[20..28], &[0, 0, 0, 0, 0, 0x10, 0, 0x04]);
        assert!(h.supports_fast() && h.supports_extensions());
        assert_eq!(Handshake::parse(&out).unwrap(), (h, 68));
        for n in 0..68 {
            assert_eq!(
                Handshake::parse(&out[..n]),
                Err(WireError::Incomplete),
                "{n}"
            );
        }
        out[3] = b'X';
        assert!(matches!(
            Handshake::parse(&out[..5]),
            Err(WireError::Invalid(_))
        ));
    }
}
