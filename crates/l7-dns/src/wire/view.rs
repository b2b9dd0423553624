//! A zero-copy view of a query: the header, the first question and the
//! EDNS record, read without allocating (options aside) — what the
//! authoritative hot path needs before it looks anything up.

use l7_wire::{Reader, WireError};

use super::edns::Edns;
use super::header::Header;
use super::name::{MAX_NAME_LEN, Name, walk_labels};
use super::types::{Class, RecordType};

/// The parts of a message an authoritative server reads first.
#[derive(Debug, Clone)]
pub struct MessageView<'a> {
    buf: &'a [u8],
    /// The header as on the wire.
    pub header: Header,
    question: Option<QuestionView>,
    /// The OPT record's contents, if the message carried one.
    pub edns: Option<Edns>,
}

/// Where the first question lies in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionView {
    name_start: usize,
    /// Offset just after the whole question.
    pub end: usize,
    /// QTYPE.
    pub qtype: RecordType,
    /// QCLASS.
    pub qclass: Class,
}

/// A name copied out of a message into a fixed buffer, lowercased: the
/// lookup key for zone data, without a heap allocation.
#[derive(Clone)]
pub struct LowerName {
    buf: [u8; MAX_NAME_LEN],
    len: usize,
}

impl LowerName {
    /// The lowercased uncompressed wire form.
    pub fn wire(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Lowercases `name` into a buffer.
    pub fn from_name(name: &Name) -> LowerName {
        let mut buf = [0u8; MAX_NAME_LEN];
        let wire = name.wire();
        for (o, b) in buf.iter_mut().zip(wire) {
            *o = b.to_ascii_lowercase();
        }
        LowerName {
            buf,
            len: wire.len(),
        }
    }
}

impl<'a> MessageView<'a> {
    /// Reads the header, the first question (if any), and skims the other
    /// sections to find the OPT record. Fails like [`super::Message::parse`]
    /// on anything malformed it passes over.
    pub fn parse(buf: &'a [u8]) -> Result<MessageView<'a>, WireError> {
        let (header, mut pos) = Header::parse(buf)?;
        let mut question = None;
        for i in 0..header.qdcount {
            let name_end = walk_labels(buf, pos, |_| ())?;
            let mut r = Reader::new(buf);
            r.seek(name_end)?;
            let qtype = RecordType(r.u16()?);
            let qclass = Class(r.u16()?);
            if i == 0 {
                question = Some(QuestionView {
                    name_start: pos,
                    end: r.position(),
                    qtype,
                    qclass,
                });
            }
            pos = r.position();
        }
        let mut edns = None;
        let records =
            u32::from(header.ancount) + u32::from(header.nscount) + u32::from(header.arcount);
        for i in 0..records {
            let mut owner_labels = 0;
            let name_end = walk_labels(buf, pos, |_| owner_labels += 1)?;
            let mut r = Reader::new(buf);
            r.seek(name_end)?;
            let rtype = RecordType(r.u16()?);
            let class = r.u16()?;
            let ttl = r.u32()?;
            let len = usize::from(r.u16()?);
            let rdata = r.bytes(len)?;
            if rtype == RecordType::OPT {
                let in_additional = i >= u32::from(header.ancount) + u32::from(header.nscount);
                if !in_additional || edns.is_some() || owner_labels != 0 {
                    return Err(WireError::invalid("misplaced or repeated OPT record"));
                }
                edns = Some(Edns::from_record(class, ttl, rdata)?);
            }
            pos = r.position();
        }
        Ok(MessageView {
            buf,
            header,
            question,
            edns,
        })
    }

    /// Reads just the header, for answering FORMERR to a message whose body
    /// is broken.
    pub fn header_only(buf: &[u8]) -> Option<Header> {
        Header::parse(buf).ok().map(|(h, _)| h)
    }

    /// The first question's location and type.
    pub fn question(&self) -> Option<QuestionView> {
        self.question
    }

    /// The first question's name, as sent (case kept).
    pub fn question_name(&self) -> Option<Name> {
        let q = self.question?;
        Name::parse_at(self.buf, q.name_start).ok().map(|(n, _)| n)
    }

    /// The first question's name lowercased, without allocating.
    pub fn question_name_lower(&self) -> Option<LowerName> {
        let q = self.question?;
        let mut out = LowerName {
            buf: [0u8; MAX_NAME_LEN],
            len: 0,
        };
        walk_labels(self.buf, q.name_start, |label| {
            out.buf[out.len] = label.len() as u8;
            for (o, b) in out.buf[out.len + 1..].iter_mut().zip(label) {
                *o = b.to_ascii_lowercase();
            }
            out.len += 1 + label.len();
        })
        .ok()?;
        out.len += 1;
        Some(out)
    }
}
