//! Record data of the types l7 knows (RFC 1035 §3.3, RFC 3596, RFC 2782,
//! RFC 6672, RFC 8659) and opaque data for all others (RFC 3597): parsing
//! from a message (names may be compressed), emitting (names compressed only
//! in the RFC 1035 types, RFC 3597 §4) and presentation format.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use l7_wire::{Reader, WireError, WriteExt};

use super::compress::Compressor;
use super::name::Name;
use super::types::RecordType;

/// The SOA record's fields (RFC 1035 §3.3.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    /// Primary name server.
    pub mname: Name,
    /// Mailbox of the person responsible.
    pub rname: Name,
    /// Version of the zone.
    pub serial: u32,
    /// Secondary refresh interval.
    pub refresh: u32,
    /// Secondary retry interval.
    pub retry: u32,
    /// When a secondary stops answering.
    pub expire: u32,
    /// Negative caching TTL (RFC 2308 §4).
    pub minimum: u32,
}

/// The data of one resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Authoritative name server.
    Ns(Name),
    /// Canonical name of an alias.
    Cname(Name),
    /// Start of a zone of authority.
    Soa(Soa),
    /// Domain name pointer.
    Ptr(Name),
    /// Host information (two character-strings).
    Hinfo {
        /// CPU.
        cpu: Vec<u8>,
        /// Operating system.
        os: Vec<u8>,
    },
    /// Mail exchange.
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The mail host.
        exchange: Name,
    },
    /// One or more character-strings.
    Txt(Vec<Vec<u8>>),
    /// Service location (RFC 2782).
    Srv {
        /// Lower is tried first.
        priority: u16,
        /// Relative weight among equal priorities.
        weight: u16,
        /// Port of the service.
        port: u16,
        /// The host.
        target: Name,
    },
    /// Redirection of everything below the owner (RFC 6672).
    Dname(Name),
    /// Certification authority authorization (RFC 8659).
    Caa {
        /// Flags (bit 0x80: critical).
        flags: u8,
        /// Property tag.
        tag: Vec<u8>,
        /// Property value.
        value: Vec<u8>,
    },
    /// Data of a type l7 does not interpret (RFC 3597).
    Unknown {
        /// The record type.
        rtype: RecordType,
        /// The RDATA as received.
        data: Vec<u8>,
    },
}

impl RData {
    /// The record type this data belongs to.
    pub fn rtype(&self) -> RecordType {
        match self {
            RData::A(_) => RecordType::A,
            RData::Aaaa(_) => RecordType::AAAA,
            RData::Ns(_) => RecordType::NS,
            RData::Cname(_) => RecordType::CNAME,
            RData::Soa(_) => RecordType::SOA,
            RData::Ptr(_) => RecordType::PTR,
            RData::Hinfo { .. } => RecordType::HINFO,
            RData::Mx { .. } => RecordType::MX,
            RData::Txt(_) => RecordType::TXT,
            RData::Srv { .. } => RecordType::SRV,
            RData::Dname(_) => RecordType::DNAME,
            RData::Caa { .. } => RecordType::CAA,
            RData::Unknown { rtype, .. } => *rtype,
        }
    }

    /// The name this record points at, for additional-section processing
    /// and glue (NS, MX, SRV, CNAME, PTR, DNAME targets).
    pub fn target(&self) -> Option<&Name> {
        match self {
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) | RData::Dname(n) => Some(n),
            RData::Mx { exchange, .. } => Some(exchange),
            RData::Srv { target, .. } => Some(target),
            _ => None,
        }
    }

    /// Reads `len` bytes of RDATA of type `rtype` at `start` in `msg`.
    pub fn parse(
        rtype: RecordType,
        msg: &[u8],
        start: usize,
        len: usize,
    ) -> Result<RData, WireError> {
        let end = start.checked_add(len).ok_or(WireError::Incomplete)?;
        let rdata = msg.get(start..end).ok_or(WireError::Incomplete)?;
        let mut pos = start;
        let name = |pos: &mut usize| -> Result<Name, WireError> {
            let (n, after) = Name::parse_at(&msg[..end], *pos).map_err(|e| match e {
                WireError::Incomplete => WireError::invalid("name overruns RDATA"),
                e => e,
            })?;
            *pos = after;
            Ok(n)
        };
        let fixed = |want: usize| {
            if len == want {
                Ok(())
            } else {
                Err(WireError::invalid(format!(
                    "{rtype} RDATA must be {want} bytes"
                )))
            }
        };
        let data = match rtype {
            RecordType::A => {
                fixed(4)?;
                pos = end;
                RData::A(Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3]))
            }
            RecordType::AAAA => {
                fixed(16)?;
                pos = end;
                let mut b = [0u8; 16];
                b.copy_from_slice(rdata);
                RData::Aaaa(Ipv6Addr::from(b))
            }
            RecordType::NS => RData::Ns(name(&mut pos)?),
            RecordType::CNAME => RData::Cname(name(&mut pos)?),
            RecordType::PTR => RData::Ptr(name(&mut pos)?),
            RecordType::DNAME => RData::Dname(name(&mut pos)?),
            RecordType::SOA => {
                let mname = name(&mut pos)?;
                let rname = name(&mut pos)?;
                let mut r = Reader::new(&msg[pos..end]);
                let soa = Soa {
                    mname,
                    rname,
                    serial: r.u32().map_err(|_| short(rtype))?,
                    refresh: r.u32().map_err(|_| short(rtype))?,
                    retry: r.u32().map_err(|_| short(rtype))?,
                    expire: r.u32().map_err(|_| short(rtype))?,
                    minimum: r.u32().map_err(|_| short(rtype))?,
                };
                pos = end - r.remaining();
                RData::Soa(soa)
            }
            RecordType::MX => {
                let preference = u16_at(msg, &mut pos, end, rtype)?;
                RData::Mx {
                    preference,
                    exchange: name(&mut pos)?,
                }
            }
            RecordType::SRV => {
                let priority = u16_at(msg, &mut pos, end, rtype)?;
                let weight = u16_at(msg, &mut pos, end, rtype)?;
                let port = u16_at(msg, &mut pos, end, rtype)?;
                RData::Srv {
                    priority,
                    weight,
                    port,
                    target: name(&mut pos)?,
                }
            }
            RecordType::TXT => {
                let mut r = Reader::new(rdata);
                let mut strings = Vec::new();
                // RFC 1035 §3.3.14: TXT-DATA is one or more <character-string>s.
                if r.is_empty() {
                    return Err(WireError::invalid("TXT RDATA holds no character-string"));
                }
                while !r.is_empty() {
                    strings.push(character_string(&mut r, rtype)?);
                }
                pos = end;
                RData::Txt(strings)
            }
            RecordType::HINFO => {
                let mut r = Reader::new(rdata);
                let cpu = character_string(&mut r, rtype)?;
                let os = character_string(&mut r, rtype)?;
                pos = end - r.remaining();
                RData::Hinfo { cpu, os }
            }
            RecordType::CAA => {
                let mut r = Reader::new(rdata);
                let flags = r.u8().map_err(|_| short(rtype))?;
                let tag_len = usize::from(r.u8().map_err(|_| short(rtype))?);
                let tag = r.bytes(tag_len).map_err(|_| short(rtype))?;
                // RFC 8659 §4.1: the tag is 1..15 ASCII letters and digits.
                if tag.is_empty() || tag.len() > 15 || !tag.iter().all(u8::is_ascii_alphanumeric) {
                    return Err(WireError::invalid("CAA tag must be 1-15 letters or digits"));
                }
                pos = end;
                RData::Caa {
                    flags,
                    tag: tag.to_vec(),
                    value: r.rest().to_vec(),
                }
            }
            RecordType::OPT => {
                return Err(WireError::invalid(
                    "OPT record outside the additional section",
                ));
            }
            _ => {
                pos = end;
                RData::Unknown {
                    rtype,
                    data: rdata.to_vec(),
                }
            }
        };
        if pos != end {
            return Err(WireError::invalid(format!(
                "trailing bytes in {rtype} RDATA"
            )));
        }
        Ok(data)
    }

    /// Appends the RDATA (without its length). Names are compressed through
    /// `comp` only for the RFC 1035 types (RFC 3597 §4).
    pub fn emit(&self, out: &mut Vec<u8>, mut comp: Option<&mut Compressor>) {
        let mut write_name =
            |out: &mut Vec<u8>, n: &Name, compressible: bool| match comp.as_deref_mut() {
                Some(c) if compressible => c.write(out, n),
                _ => n.emit(out),
            };
        match self {
            RData::A(a) => out.extend_from_slice(&a.octets()),
            RData::Aaaa(a) => out.extend_from_slice(&a.octets()),
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => write_name(out, n, true),
            RData::Dname(n) => write_name(out, n, false),
            RData::Soa(s) => {
                write_name(out, &s.mname, true);
                write_name(out, &s.rname, true);
                for v in [s.serial, s.refresh, s.retry, s.expire, s.minimum] {
                    out.put_u32(v);
                }
            }
            RData::Mx {
                preference,
                exchange,
            } => {
                out.put_u16(*preference);
                write_name(out, exchange, true);
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                out.put_u16(*priority);
                out.put_u16(*weight);
                out.put_u16(*port);
                write_name(out, target, false);
            }
            RData::Txt(strings) => {
                for s in strings {
                    out.put_u8(s.len() as u8);
                    out.extend_from_slice(s);
                }
            }
            RData::Hinfo { cpu, os } => {
                for s in [cpu, os] {
                    out.put_u8(s.len() as u8);
                    out.extend_from_slice(s);
                }
            }
            RData::Caa { flags, tag, value } => {
                out.put_u8(*flags);
                out.put_u8(tag.len() as u8);
                out.extend_from_slice(tag);
                out.extend_from_slice(value);
            }
            RData::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    /// The RDATA uncompressed, as RFC 3597's generic form and AXFR need.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.emit(&mut out, None);
        out
    }
}

fn short(rtype: RecordType) -> WireError {
    WireError::invalid(format!("{rtype} RDATA too short"))
}

fn u16_at(msg: &[u8], pos: &mut usize, end: usize, rtype: RecordType) -> Result<u16, WireError> {
    let v = msg
        .get(*pos..*pos + 2)
        .filter(|_| *pos + 2 <= end)
        .ok_or_else(|| short(rtype))?;
    *pos += 2;
    Ok(u16::from_be_bytes([v[0], v[1]]))
}

fn character_string(r: &mut Reader<'_>, rtype: RecordType) -> Result<Vec<u8>, WireError> {
    let len = usize::from(r.u8().map_err(|_| short(rtype))?);
    Ok(r.bytes(len).map_err(|_| short(rtype))?.to_vec())
}

/// Writes a character-string in quotes, escaping `"`, `\` and non-printables.
pub(crate) fn write_quoted(f: &mut fmt::Formatter<'_>, s: &[u8]) -> fmt::Result {
    f.write_str("\"")?;
    for &b in s {
        if b == b' ' {
            f.write_str(" ")?;
        } else {
            super::name::write_escaped(f, b, b"\"")?;
        }
    }
    f.write_str("\"")
}

impl fmt::Display for RData {
    /// Presentation format (RFC 1035 §5.1; RFC 3597 §5 for unknown types).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(a) => write!(f, "{a}"),
            RData::Aaaa(a) => write!(f, "{a}"),
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) | RData::Dname(n) => write!(f, "{n}"),
            RData::Soa(s) => write!(
                f,
                "{} {} {} {} {} {} {}",
                s.mname, s.rname, s.serial, s.refresh, s.retry, s.expire, s.minimum
            ),
            RData::Hinfo { cpu, os } => {
                write_quoted(f, cpu)?;
                f.write_str(" ")?;
                write_quoted(f, os)
            }
            RData::Mx {
                preference,
                exchange,
            } => write!(f, "{preference} {exchange}"),
            RData::Txt(strings) => {
                for (i, s) in strings.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write_quoted(f, s)?;
                }
                Ok(())
            }
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "{priority} {weight} {port} {target}"),
            RData::Caa { flags, tag, value } => {
                write!(f, "{flags} {} ", String::from_utf8_lossy(tag))?;
                write_quoted(f, value)
            }
            RData::Unknown { data, .. } => {
                write!(f, "\\# {}", data.len())?;
                if !data.is_empty() {
                    f.write_str(" ")?;
                    for b in data {
                        write!(f, "{b:02x}")?;
                    }
                }
                Ok(())
            }
        }
    }
}
