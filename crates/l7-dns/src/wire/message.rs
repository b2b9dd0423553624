//! A whole DNS message, owned (RFC 1035 §4.1): parsing with bounded
//! allocation, and emission through [`MessageWriter`], which compresses
//! names and, under a size limit, drops whole RRsets and sets TC
//! (RFC 2181 §9) while always keeping room for the OPT record.

use std::fmt;

use l7_wire::WireError;

use super::compress::Compressor;
use super::edns::Edns;
use super::header::{Flags, HEADER_LEN, Header};
use super::record::{ParsedRecord, Question, Record};
use super::types::{Opcode, Rcode};

/// The largest message DNS can carry (TCP's 16-bit length prefix).
pub const MAX_MESSAGE_LEN: usize = 65535;
/// The UDP payload limit without EDNS (RFC 1035 §4.2.1).
pub const CLASSIC_UDP_LIMIT: usize = 512;
/// The smallest possible record: root owner and 10 fixed bytes. Counts are
/// checked against the bytes left, so a header claiming 65535 records in a
/// short message allocates nothing for them.
const MIN_RECORD_LEN: usize = 11;
/// The smallest possible question: root name, type and class.
const MIN_QUESTION_LEN: usize = 5;

/// A parsed or to-be-sent message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// Query ID.
    pub id: u16,
    /// Header flags.
    pub flags: Flags,
    /// Kind of query.
    pub opcode: Opcode,
    /// Full response code (extended bits live in the OPT record).
    pub rcode: Rcode,
    /// Question section.
    pub questions: Vec<Question>,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section.
    pub authority: Vec<Record>,
    /// Additional section, without the OPT record.
    pub additional: Vec<Record>,
    /// The OPT record's contents, if there was one.
    pub edns: Option<Edns>,
}

impl Default for Rcode {
    fn default() -> Rcode {
        Rcode::NOERROR
    }
}

/// The four sections in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Question section.
    Question = 0,
    /// Answer section.
    Answer = 1,
    /// Authority section.
    Authority = 2,
    /// Additional section.
    Additional = 3,
}

impl Message {
    /// A query for `question` with recursion desired or not.
    pub fn query(id: u16, question: Question, recursion_desired: bool) -> Message {
        Message {
            id,
            flags: Flags {
                recursion_desired,
                ..Flags::default()
            },
            questions: vec![question],
            ..Message::default()
        }
    }

    /// The header this message would have, counts set from the sections.
    pub fn header(&self) -> Header {
        let count = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        Header {
            id: self.id,
            flags: self.flags,
            opcode: self.opcode,
            rcode_low: (self.rcode.0 & 0x0F) as u8,
            qdcount: count(self.questions.len()),
            ancount: count(self.answers.len()),
            nscount: count(self.authority.len()),
            arcount: count(self.additional.len() + usize::from(self.edns.is_some())),
        }
    }

    /// Parses a message from `buf`; returns it and the bytes used.
    pub fn parse(buf: &[u8]) -> Result<(Message, usize), WireError> {
        let (h, mut pos) = Header::parse(buf)?;
        let room = |pos: usize, min: usize| buf.len().saturating_sub(pos) / min;
        let mut questions =
            Vec::with_capacity(usize::from(h.qdcount).min(room(pos, MIN_QUESTION_LEN)));
        for _ in 0..h.qdcount {
            let (q, next) = Question::parse_at(buf, pos)?;
            questions.push(q);
            pos = next;
        }
        let mut edns = None;
        let mut sections: [Vec<Record>; 3] = Default::default();
        for (i, count) in [h.ancount, h.nscount, h.arcount].into_iter().enumerate() {
            sections[i].reserve(usize::from(count).min(room(pos, MIN_RECORD_LEN)));
            for _ in 0..count {
                let (parsed, next) = Record::parse_at(buf, pos)?;
                match parsed {
                    ParsedRecord::Record(r) => sections[i].push(r),
                    // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
                    ParsedRecord::Opt {
                        owner_is_root,
                        class,
                        ttl,
                        rdata_start,
                        rdata_len,
                    } => {
                        if i != 2 || edns.is_some() || !owner_is_root {
                            return Err(WireError::invalid("misplaced or repeated OPT record"));
                        }
                        edns = Some(Edns::from_record(
                            class,
                            ttl,
                            &buf[rdata_start..rdata_start + rdata_len],
                        )?);
                    }
                }
                pos = next;
            }
        }
        let [answers, authority, additional] = sections;
        let rcode = match &edns {
            Some(e) => e.full_rcode(h.rcode_low),
            None => Rcode(u16::from(h.rcode_low)),
        };
        let message = Message {
            id: h.id,
            flags: h.flags,
            opcode: h.opcode,
            rcode,
            questions,
            answers,
            authority,
            additional,
            edns,
        };
        Ok((message, pos))
    }

    /// Appends the whole message.
    pub fn emit(&self, out: &mut Vec<u8>) {
        self.emit_limited(out, MAX_MESSAGE_LEN);
    }

    /// Appends the message in at most `limit` bytes, dropping whole RRsets
    /// that do not fit (and setting TC if they were answer or authority
    /// data). Returns true when something was dropped.
    pub fn emit_limited(&self, out: &mut Vec<u8>, limit: usize) -> bool {
        let mut w = MessageWriter::new(out, self.header(), limit, self.edns.as_ref());
        for q in &self.questions {
            w.question(q);
        }
        for (section, records) in [
            (Section::Answer, &self.answers),
            (Section::Authority, &self.authority),
            (Section::Additional, &self.additional),
        ] {
            for rrset in rrsets(records) {
                w.rrset(section, rrset);
            }
        }
        w.finish(self.edns.as_ref(), self.rcode)
    }

    /// The bytes of the message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        self.emit(&mut out);
        out
    }
}

/// Splits a record list into runs of the same owner, type and class.
pub fn rrsets(records: &[Record]) -> impl Iterator<Item = &[Record]> {
    records.chunk_by(|a, b| a.name == b.name && a.rtype() == b.rtype() && a.class == b.class)
}

/// Writes a message section by section into a buffer, within a size limit.
pub struct MessageWriter<'o> {
    out: &'o mut Vec<u8>,
    base: usize,
    limit: usize,
    comp: Compressor,
    counts: [u16; 4],
    section: Section,
    full: bool,
    truncated: bool,
}

impl<'o> MessageWriter<'o> {
    /// Starts a message at the end of `out`, to be at most `limit` bytes,
    /// keeping room for the OPT record of `edns`. The header's counts are
    /// ignored; they are filled in by [`MessageWriter::finish`].
    pub fn new(
        out: &'o mut Vec<u8>,
        header: Header,
        limit: usize,
        edns: Option<&Edns>,
    ) -> MessageWriter<'o> {
        let base = out.len();
        Header {
            qdcount: 0,
            ancount: 0,
            nscount: 0,
            arcount: 0,
            ..header
        }
        .emit(out);
        let limit = limit
            .clamp(HEADER_LEN, MAX_MESSAGE_LEN)
            .saturating_sub(edns.map_or(0, Edns::wire_len));
        MessageWriter {
            out,
            base,
            limit,
            comp: Compressor::new(base),
            counts: [0; 4],
            section: Section::Question,
            full: false,
            truncated: false,
        }
    }

    fn len(&self) -> usize {
        self.out.len() - self.base
    }

    /// Adds a question (questions always come first).
    pub fn question(&mut self, q: &Question) {
        if self.section != Section::Question || self.full {
            return;
        }
        let mark = self.out.len();
        q.emit(self.out, &mut self.comp);
        if self.len() > self.limit {
            self.out.truncate(mark);
            self.full = true;
            self.truncated = true;
        } else {
            self.counts[0] += 1;
        }
    }

    /// Adds a whole RRset to `section` or nothing of it. Sections must come
    /// in order. Once one RRset did not fit, nothing more is added (the
    /// compressor may point into the bytes taken back).
    pub fn rrset<'r>(
        &mut self,
        section: Section,
        records: impl IntoIterator<Item = &'r Record>,
    ) -> bool {
        if self.full || section < self.section || section == Section::Question {
            return false;
        }
        self.section = section;
        let mark = self.out.len();
        let mut added = 0u16;
        for record in records {
            record.emit(self.out, &mut self.comp);
            added += 1;
            if self.len() > self.limit || self.counts[section as usize].checked_add(added).is_none()
            {
                self.out.truncate(mark);
                self.full = true;
                // RFC 2181 §9: TC only when required data was dropped, not additional data.
                self.truncated |= section != Section::Additional;
                return false;
            }
        }
        self.counts[section as usize] += added;
        true
    }

    /// True once an RRset had to be dropped.
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Appends the OPT record, fills in the counts, sets TC if answer or
    /// authority data was dropped, and returns whether it was.
    pub fn finish(self, edns: Option<&Edns>, rcode: Rcode) -> bool {
        let mut arcount = self.counts[3];
        if let Some(e) = edns {
            e.emit(rcode, self.out);
            arcount += 1;
        }
        let b = self.base;
        for (i, count) in [self.counts[0], self.counts[1], self.counts[2], arcount]
            .into_iter()
            .enumerate()
        {
            self.out[b + 4 + 2 * i..b + 6 + 2 * i].copy_from_slice(&count.to_be_bytes());
        }
        if self.truncated {
            self.out[b + 2] |= 0x02;
        }
        self.out[b + 3] = (self.out[b + 3] & 0xF0) | (rcode.0 & 0x0F) as u8;
        self.truncated
    }
}

impl fmt::Display for Message {
    /// A dig-like rendering: header, flags, then each section.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
            self.opcode, self.rcode, self.id
        )?;
        let set = self.flags.names();
        let h = self.header();
        writeln!(
            f,
            ";; flags: {}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
            set.join(" "),
            h.qdcount,
            h.ancount,
            h.nscount,
            h.arcount
        )?;
        if let Some(e) = &self.edns {
            writeln!(
                f,
                ";; OPT PSEUDOSECTION:\n; EDNS: version: {}, flags:{}; udp: {}",
                e.version,
                if e.dnssec_ok { " do" } else { "" },
                e.udp_size
            )?;
        }
        writeln!(f, ";; QUESTION SECTION:")?;
        for q in &self.questions {
            writeln!(f, ";{q}")?;
        }
        for (title, records) in [
            ("ANSWER", &self.answers),
            ("AUTHORITY", &self.authority),
            ("ADDITIONAL", &self.additional),
        ] {
            if !records.is_empty() {
                writeln!(f, "\n;; {title} SECTION:")?;
                for r in records {
                    writeln!(f, "{r}")?;
                }
            }
        }
        Ok(())
    }
}
