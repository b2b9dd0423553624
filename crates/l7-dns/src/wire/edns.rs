//! EDNS(0) (RFC 6891): the OPT pseudo-record's fields — UDP payload size,
//! extended rcode bits, version, the DO flag — and its options, with EDNS
//! Client Subnet (RFC 7871) parsed and emitted.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use l7_wire::{Reader, WireError, WriteExt};

use super::types::{Rcode, RecordType};

/// The payload size l7 advertises (the DNS flag day 2020 value).
pub const ADVERTISED_UDP_SIZE: u16 = 1232;
/// Option code of Client Subnet (RFC 7871 §6).
pub const OPTION_CLIENT_SUBNET: u16 = 8;

/// The contents of an OPT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edns {
    /// Largest UDP payload the sender can reassemble (the OPT CLASS field).
    pub udp_size: u16,
    /// The upper 8 bits of the 12-bit rcode.
    pub rcode_high: u8,
    /// EDNS version (only 0 is defined).
    pub version: u8,
    /// DO: DNSSEC records are wanted (RFC 3225).
    pub dnssec_ok: bool,
    /// The 15 flag bits after DO, kept as received.
    pub z: u16,
    /// Options in the order received.
    pub options: Vec<EdnsOption>,
}

/// One EDNS option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdnsOption {
    /// Client Subnet (RFC 7871).
    ClientSubnet(ClientSubnet),
    /// Any other option, kept opaque.
    Other {
        /// OPTION-CODE.
        code: u16,
        /// OPTION-DATA.
        data: Vec<u8>,
    },
}

/// The Client Subnet option (RFC 7871 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSubnet {
    /// The network's address; bits past `source_prefix` are zero.
    pub address: IpAddr,
    /// SOURCE PREFIX-LENGTH.
    pub source_prefix: u8,
    /// SCOPE PREFIX-LENGTH (0 in queries).
    pub scope_prefix: u8,
}

impl Default for Edns {
    fn default() -> Edns {
        Edns {
            udp_size: ADVERTISED_UDP_SIZE,
            rcode_high: 0,
            version: 0,
            dnssec_ok: false,
            z: 0,
            options: Vec::new(),
        }
    }
}

impl Edns {
    /// Rebuilds the EDNS data from an OPT record's CLASS, TTL and RDATA.
    pub fn from_record(class: u16, ttl: u32, rdata: &[u8]) -> Result<Edns, WireError> {
        let mut options = Vec::new();
        let mut r = Reader::new(rdata);
        while !r.is_empty() {
            let code = r
                .u16()
                .map_err(|_| WireError::invalid("truncated EDNS option"))?;
            let len = r
                .u16()
                .map_err(|_| WireError::invalid("truncated EDNS option"))?;
            let data = r
                .bytes(usize::from(len))
                .map_err(|_| WireError::invalid("EDNS option overruns the OPT record"))?;
            options.push(match code {
                OPTION_CLIENT_SUBNET => EdnsOption::ClientSubnet(ClientSubnet::parse(data)?),
                _ => EdnsOption::Other {
                    code,
                    data: data.to_vec(),
                },
            });
        }
        Ok(Edns {
            udp_size: class,
            rcode_high: (ttl >> 24) as u8,
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
            z: (ttl & 0x7FFF) as u16,
            options,
        })
    }

    /// The full response code from the header's low bits and these high bits.
    pub fn full_rcode(&self, low: u8) -> Rcode {
        Rcode(u16::from(self.rcode_high) << 4 | u16::from(low & 0x0F))
    }

    /// Wire length of the whole OPT record.
    pub fn wire_len(&self) -> usize {
        11 + self.options_len()
    }

    fn options_len(&self) -> usize {
        self.options
            .iter()
            .map(|o| {
                4 + match o {
                    EdnsOption::ClientSubnet(c) => c.wire_len(),
                    EdnsOption::Other { data, .. } => data.len(),
                }
            })
            .sum()
    }

    /// Appends the OPT record (owner root, RFC 6891 §6.1.2), with the rcode
    /// high bits taken from `rcode`.
    pub fn emit(&self, rcode: Rcode, out: &mut Vec<u8>) {
        out.put_u8(0);
        out.put_u16(RecordType::OPT.0);
        out.put_u16(self.udp_size);
        let ttl = u32::from((rcode.0 >> 4) as u8) << 24
            | u32::from(self.version) << 16
            | u32::from(self.dnssec_ok) << 15
            | u32::from(self.z & 0x7FFF);
        out.put_u32(ttl);
        out.put_u16(self.options_len() as u16);
        for option in &self.options {
            match option {
                EdnsOption::ClientSubnet(c) => {
                    out.put_u16(OPTION_CLIENT_SUBNET);
                    out.put_u16(c.wire_len() as u16);
                    c.emit(out);
                }
                EdnsOption::Other { code, data } => {
                    out.put_u16(*code);
                    out.put_u16(data.len() as u16);
                    out.extend_from_slice(data);
                }
            }
        }
    }

    /// The Client Subnet option, if present.
    pub fn client_subnet(&self) -> Option<&ClientSubnet> {
        self.options.iter().find_map(|o| match o {
            EdnsOption::ClientSubnet(c) => Some(c),
            EdnsOption::Other { .. } => None,
        })
    }
}

impl ClientSubnet {
    /// Builds the option for `address/source_prefix`, zeroing host bits.
    pub fn new(address: IpAddr, source_prefix: u8) -> ClientSubnet {
        let (bytes, max) = address_bytes(address);
        let source_prefix = source_prefix.min(max);
        ClientSubnet {
            address: from_bytes(address.is_ipv4(), &mask(&bytes, source_prefix)),
            source_prefix,
            scope_prefix: 0,
        }
    }

    /// RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, then
    /// just enough address octets for the source prefix, spare bits zero.
    fn parse(data: &[u8]) -> Result<ClientSubnet, WireError> {
        let bad = |why: &str| WireError::invalid(format!("client subnet: {why}"));
        let mut r = Reader::new(data);
        let family = r.u16().map_err(|_| bad("too short"))?;
        let source_prefix = r.u8().map_err(|_| bad("too short"))?;
        let scope_prefix = r.u8().map_err(|_| bad("too short"))?;
        let (v4, max) = match family {
            1 => (true, 32),
            2 => (false, 128),
            _ => return Err(bad("unknown address family")),
        };
        if source_prefix > max || scope_prefix > max {
            return Err(bad("prefix longer than the address"));
        }
        let octets = r.rest();
        if octets.len() != usize::from(source_prefix).div_ceil(8) {
            return Err(bad("address length does not match the source prefix"));
        }
        let mut full = [0u8; 16];
        full[..octets.len()].copy_from_slice(octets);
        if mask(&full, source_prefix)[..octets.len()] != *octets {
            return Err(bad("address has bits set past the source prefix"));
        }
        Ok(ClientSubnet {
            address: from_bytes(v4, &full),
            source_prefix,
            scope_prefix,
        })
    }

    fn wire_len(&self) -> usize {
        4 + usize::from(self.source_prefix).div_ceil(8)
    }

    fn emit(&self, out: &mut Vec<u8>) {
        let (bytes, _) = address_bytes(self.address);
        out.put_u16(if self.address.is_ipv4() { 1 } else { 2 });
        out.put_u8(self.source_prefix);
        out.put_u8(self.scope_prefix);
        let masked = mask(&bytes, self.source_prefix);
        out.extend_from_slice(&masked[..usize::from(self.source_prefix).div_ceil(8)]);
    }
}

fn address_bytes(address: IpAddr) -> ([u8; 16], u8) {
    let mut out = [0u8; 16];
    match address {
        IpAddr::V4(a) => {
            out[..4].copy_from_slice(&a.octets());
            (out, 32)
        }
        IpAddr::V6(a) => (a.octets(), 128),
    }
}

fn from_bytes(v4: bool, b: &[u8; 16]) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    } else {
        IpAddr::V6(Ipv6Addr::from(*b))
    }
}

fn mask(bytes: &[u8; 16], prefix: u8) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, (o, b)) in out.iter_mut().zip(bytes).enumerate() {
        let bits = usize::from(prefix).saturating_sub(i * 8).min(8);
        *o = b & (0xFFu16 << (8 - bits)) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_subnet_rfc7871_layout() {
        // 192.0.2.0/24: family 1, source 24, scope 0, three address octets.
        let data = [0, 1, 24, 0, 192, 0, 2];
        let c = ClientSubnet::parse(&data).unwrap();
        assert_eq!(c, ClientSubnet::new("192.0.2.77".parse().unwrap(), 24));
        let mut out = Vec::new();
        c.emit(&mut out);
        assert_eq!(out, data);
        // Host bits set, wrong length, unknown family: all FORMERR material.
        assert!(ClientSubnet::parse(&[0, 1, 23, 0, 192, 0, 3]).is_err());
        assert!(ClientSubnet::parse(&[0, 1, 24, 0, 192, 0]).is_err());
        assert!(ClientSubnet::parse(&[0, 3, 0, 0]).is_err());
        let v6 = ClientSubnet::new("2001:db8::1".parse().unwrap(), 56);
        let mut out = Vec::new();
        v6.emit(&mut out);
        assert_eq!(ClientSubnet::parse(&out).unwrap(), v6);
    }

    #[test]
    fn opt_fields_round_trip() {
        let edns = Edns {
            udp_size: 4096,
            rcode_high: 1,
            version: 0,
            dnssec_ok: true,
            z: 0,
            options: vec![
                EdnsOption::Other {
                    code: 10,
                    data: vec![1, 2, 3, 4, 5, 6, 7, 8],
                },
                EdnsOption::ClientSubnet(ClientSubnet::new("10.1.2.3".parse().unwrap(), 16)),
            ],
        };
        let mut out = Vec::new();
        edns.emit(Rcode::BADVERS, &mut out);
        assert_eq!(out.len(), edns.wire_len());
        let ttl = u32::from_be_bytes([out[5], out[6], out[7], out[8]]);
        let back = Edns::from_record(4096, ttl, &out[11..]).unwrap();
        assert_eq!(back.full_rcode(0), Rcode::BADVERS);
        assert_eq!(back, edns);
        assert!(Edns::from_record(512, 0, &[0, 8, 0, 9]).is_err());
    }
}
