//! The 12-byte message header (RFC 1035 §4.1.1, AD/CD from RFC 4035 §3.2).

use l7_wire::{Reader, WireError, WriteExt};

use super::types::Opcode;

/// Length of the header on the wire.
pub const HEADER_LEN: usize = 12;

/// The header flags other than opcode and rcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// QR: this message is a response.
    pub response: bool,
    /// AA: the answer is authoritative.
    pub authoritative: bool,
    /// TC: the message was truncated.
    pub truncated: bool,
    /// RD: recursion desired.
    pub recursion_desired: bool,
    /// RA: recursion available.
    pub recursion_available: bool,
    /// AD: authentic data (RFC 4035).
    pub authentic_data: bool,
    /// CD: checking disabled (RFC 4035).
    pub checking_disabled: bool,
}

impl Flags {
    /// The names of the flags that are set, in dig's order (`qr aa tc rd ra ad cd`).
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.response, "qr"),
            (self.authoritative, "aa"),
            (self.truncated, "tc"),
            (self.recursion_desired, "rd"),
            (self.recursion_available, "ra"),
            (self.authentic_data, "ad"),
            (self.checking_disabled, "cd"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// The header exactly as on the wire, counts included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// Query ID, copied into the response.
    pub id: u16,
    /// The flag bits.
    pub flags: Flags,
    /// Kind of query.
    pub opcode: Opcode,
    /// The low 4 bits of the response code.
    pub rcode_low: u8,
    /// QDCOUNT.
    pub qdcount: u16,
    /// ANCOUNT.
    pub ancount: u16,
    /// NSCOUNT.
    pub nscount: u16,
    /// ARCOUNT.
    pub arcount: u16,
}

impl Default for Opcode {
    fn default() -> Opcode {
        Opcode::QUERY
    }
}

impl Header {
    /// Reads the header from the start of `buf` (the Z bit is ignored).
    pub fn parse(buf: &[u8]) -> Result<(Header, usize), WireError> {
        let mut r = Reader::new(buf);
        let id = r.u16()?;
        let hi = r.u8()?;
        let lo = r.u8()?;
        let header = Header {
            id,
            flags: Flags {
                response: hi & 0x80 != 0,
                authoritative: hi & 0x04 != 0,
                truncated: hi & 0x02 != 0,
                recursion_desired: hi & 0x01 != 0,
                recursion_available: lo & 0x80 != 0,
                authentic_data: lo & 0x20 != 0,
                checking_disabled: lo & 0x10 != 0,
            },
            opcode: Opcode((hi >> 3) & 0x0F),
            rcode_low: lo & 0x0F,
            qdcount: r.u16()?,
            ancount: r.u16()?,
            nscount: r.u16()?,
            arcount: r.u16()?,
        };
        Ok((header, HEADER_LEN))
    }

    /// Appends the header.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let f = &self.flags;
        let hi = u8::from(f.response) << 7
            | (self.opcode.0 & 0x0F) << 3
            | u8::from(f.authoritative) << 2
            | u8::from(f.truncated) << 1
            | u8::from(f.recursion_desired);
        let lo = u8::from(f.recursion_available) << 7
            | u8::from(f.authentic_data) << 5
            | u8::from(f.checking_disabled) << 4
            | (self.rcode_low & 0x0F);
        out.put_u16(self.id);
        out.put_u8(hi);
        out.put_u8(lo);
        for count in [self.qdcount, self.ancount, self.nscount, self.arcount] {
            out.put_u16(count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bit_lands_where_rfc1035_4_1_1_says() {
        // ID 0xABCD; QR=1 opcode=4 (NOTIFY) AA TC RD; RA AD CD rcode=3.
        let bytes = [0xAB, 0xCD, 0b1010_0111, 0b1011_0011, 0, 1, 0, 2, 0, 3, 0, 4];
        let (h, used) = Header::parse(&bytes).unwrap();
        assert_eq!(used, 12);
        assert_eq!(h.id, 0xABCD);
        assert_eq!(h.opcode, Opcode::NOTIFY);
        assert!(h.flags.response && h.flags.authoritative && h.flags.truncated);
        assert!(h.flags.recursion_desired && h.flags.recursion_available);
        assert!(h.flags.authentic_data && h.flags.checking_disabled);
        assert_eq!(h.rcode_low, 3);
        assert_eq!((h.qdcount, h.ancount, h.nscount, h.arcount), (1, 2, 3, 4));
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, bytes);
        assert_eq!(Header::parse(&bytes[..11]), Err(WireError::Incomplete));
    }
}
