//! Questions and resource records (RFC 1035 §4.1.2, §4.1.3): parsing from a
//! message, emitting with compression, presentation format.

use std::fmt;

use l7_wire::{Reader, WireError, WriteExt};

use super::compress::Compressor;
use super::name::Name;
use super::rdata::RData;
use super::types::{Class, RecordType};
use crate::zone::MAX_TTL;

/// One entry of the question section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// QNAME.
    pub name: Name,
    /// QTYPE.
    pub qtype: RecordType,
    /// QCLASS.
    pub qclass: Class,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Owner name.
    pub name: Name,
    /// Class (IN in practice).
    pub class: Class,
    /// Time to live in seconds.
    pub ttl: u32,
    /// Type-specific data (which also gives the type).
    pub rdata: RData,
}

/// A record as read from the wire, before OPT records are told apart.
pub(crate) enum ParsedRecord {
    /// An ordinary record.
    Record(Record),
    /// An OPT pseudo-record: CLASS, TTL and raw RDATA.
    Opt {
        owner_is_root: bool,
        class: u16,
        ttl: u32,
        rdata_start: usize,
        rdata_len: usize,
    },
}

impl Question {
    /// A question of class IN.
    pub fn new(name: Name, qtype: RecordType) -> Question {
        Question {
            name,
            qtype,
            qclass: Class::IN,
        }
    }

    /// Reads a question at `pos` in `msg`; returns it and the offset after it.
    pub fn parse_at(msg: &[u8], pos: usize) -> Result<(Question, usize), WireError> {
        let (name, pos) = Name::parse_at(msg, pos)?;
        let mut r = Reader::new(msg);
        r.seek(pos)?;
        let qtype = RecordType(r.u16()?);
        let qclass = Class(r.u16()?);
        Ok((
            Question {
                name,
                qtype,
                qclass,
            },
            r.position(),
        ))
    }

    /// Appends the question, compressing the name.
    pub fn emit(&self, out: &mut Vec<u8>, comp: &mut Compressor) {
        comp.write(out, &self.name);
        out.put_u16(self.qtype.0);
        out.put_u16(self.qclass.0);
    }
}

impl Record {
    /// A record of class IN.
    pub fn new(name: Name, ttl: u32, rdata: RData) -> Record {
        Record {
            name,
            class: Class::IN,
            ttl,
            rdata,
        }
    }

    /// The record's type.
    pub fn rtype(&self) -> RecordType {
        self.rdata.rtype()
    }

    /// Reads a record at `pos` in `msg`; returns it and the offset after it.
    pub(crate) fn parse_at(msg: &[u8], pos: usize) -> Result<(ParsedRecord, usize), WireError> {
        let (name, pos) = Name::parse_at(msg, pos)?;
        let mut r = Reader::new(msg);
        r.seek(pos)?;
        let rtype = RecordType(r.u16()?);
        let class = r.u16()?;
        let ttl = r.u32()?;
        let rdata_len = usize::from(r.u16()?);
        let rdata_start = r.position();
        r.bytes(rdata_len)?;
        let parsed = if rtype == RecordType::OPT {
            ParsedRecord::Opt {
                owner_is_root: name.is_root(),
                class,
                ttl,
                rdata_start,
                rdata_len,
            }
        } else {
            ParsedRecord::Record(Record {
                name,
                class: Class(class),
                // RFC 2181 §8: a TTL with the top bit set is read as zero.
                ttl: if ttl > MAX_TTL { 0 } else { ttl },
                rdata: RData::parse(rtype, msg, rdata_start, rdata_len)?,
            })
        };
        Ok((parsed, rdata_start + rdata_len))
    }

    /// Appends the record, compressing names where allowed.
    pub fn emit(&self, out: &mut Vec<u8>, comp: &mut Compressor) {
        comp.write(out, &self.name);
        out.put_u16(self.rtype().0);
        out.put_u16(self.class.0);
        out.put_u32(self.ttl);
        let len_at = out.len();
        out.put_u16(0);
        self.rdata.emit(out, Some(comp));
        let len = out.len() - len_at - 2;
        out.patch_u16(len_at, len as u16);
    }
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\t{}\t{}", self.name, self.qclass, self.qtype)
    }
}

impl fmt::Display for Record {
    /// `owner TTL class type rdata`, as in a zone file or dig's output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.name,
            self.ttl,
            self.class,
            self.rtype(),
            self.rdata
        )
    }
}
