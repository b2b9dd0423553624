//! The warm path's cache of whole answers in wire form: a finished
//! response is kept keyed by its lowercased question, and a later query for
//! the same question is answered by copying the bytes, patching the query's
//! ID, RD and CD bits and question (its 0x20 case kept, RFC 1035 §7.3) and
//! lowering every TTL by the seconds spent in the cache (RFC 1035 §7.1).
//! The lookup reads the query in place and allocates nothing.
//!
//! The authoritative server keeps one too ([`AnswerCache::ageless`]): its
//! answers change only when its zones do, so they never age, and only
//! queries without EDNS options are answered from it (an option such as
//! Client Subnet is echoed per query).
//!
//! Client Subnet (RFC 7871): the resolver sends none upstream, so every
//! answer it makes was made for its own address and holds for all its
//! clients (§7.3); an answer scoped to a client network (a Client Subnet
//! option with a nonzero scope) is never kept here, where the key has no
//! room for the network.

use std::collections::HashMap;
use std::time::Duration;

use l7_wire::Instant;

use crate::wire::{
    CLASSIC_UDP_LIMIT, Edns, HEADER_LEN, Header, MAX_NAME_LEN, MessageView, Opcode, Rcode,
    RecordType, walk_labels,
};

/// Largest UDP answer given to an EDNS client (the 2020 flag day's 1232).
pub const EDNS_UDP_LIMIT: usize = 1232;
/// Key: the question's name lowercased, QTYPE, QCLASS, then 1 if the
/// query carried EDNS (the answer then carries an OPT record), plus 2 if
/// it set DO (which the answer's OPT echoes, RFC 3225 §3).
const KEY_LEN: usize = MAX_NAME_LEN + 5;

struct Entry {
    bytes: Box<[u8]>,
    /// Offsets of the TTL fields, with the TTL as stored.
    ttls: Box<[(usize, u32)]>,
    stored: Instant,
    expires: Instant,
}

/// A bounded map from question to wire answer.
pub struct AnswerCache {
    entries: HashMap<Box<[u8]>, Entry>,
    capacity: usize,
    /// TTLs count down and entries expire (a resolver's cache); false for
    /// an authoritative server's answers, fixed until its zones change.
    aging: bool,
}

/// A query's lookup key, built on the stack.
struct Key {
    buf: [u8; KEY_LEN],
    len: usize,
}

impl Key {
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The key of a message's single question, where its name is written out
/// uncompressed straight after the header (as every query and our answers
/// have it); with the offset just past the question.
fn key_of(msg: &[u8], edns: Option<&Edns>) -> Option<(Key, usize)> {
    let mut spelled = 1;
    let name_end = walk_labels(msg, HEADER_LEN, |l| spelled += 1 + l.len()).ok()?;
    // A compression pointer would make the bytes differ from the name.
    if name_end - HEADER_LEN != spelled {
        return None;
    }
    let end = name_end + 4;
    let raw = msg.get(HEADER_LEN..end)?;
    let mut key = Key {
        buf: [0u8; KEY_LEN],
        len: raw.len() + 1,
    };
    let name_len = name_end - HEADER_LEN;
    for (o, b) in key.buf.iter_mut().zip(&raw[..name_len]) {
        *o = b.to_ascii_lowercase();
    }
    key.buf[name_len..raw.len()].copy_from_slice(&raw[name_len..]);
    key.buf[raw.len()] = edns.map_or(0, |e| 1 | u8::from(e.dnssec_ok) << 1);
    Some((key, end))
}

impl AnswerCache {
    /// A cache holding at most `capacity` answers.
    pub fn new(capacity: usize) -> AnswerCache {
        AnswerCache {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            aging: true,
        }
    }

    /// A cache of an authoritative server's answers: kept as sent, TTLs
    /// untouched, until [`AnswerCache::clear`] (the zones changed).
    pub fn ageless(capacity: usize) -> AnswerCache {
        AnswerCache {
            aging: false,
            ..AnswerCache::new(capacity)
        }
    }

    /// Forgets every answer.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Number of answers held (expired ones included until replaced).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps `answer`, the response sent for one question, if it is worth
    /// reusing: NOERROR or NXDOMAIN, not truncated, with at least one record
    /// and every TTL above zero. It lives as long as its shortest TTL.
    pub fn insert(&mut self, now: Instant, answer: &[u8]) {
        let Ok(view) = MessageView::parse(answer) else {
            return;
        };
        let h = view.header;
        let rcode_ok = matches!(
            Rcode(u16::from(h.rcode_low)),
            Rcode::NOERROR | Rcode::NXDOMAIN
        );
        let extended = view.edns.as_ref().is_some_and(|e| e.rcode_high != 0);
        let scoped = view.edns.as_ref().is_some_and(|e| match e.client_subnet() {
            Some(c) => c.scope_prefix > 0,
            // An authority's options echo one query's; none are kept.
            None => !self.aging && !e.options.is_empty(),
        });
        let unfit = h.flags.truncated || h.qdcount != 1 || !rcode_ok || extended || scoped;
        if !h.flags.response || unfit {
            return;
        }
        let Some((key, end)) = key_of(answer, view.edns.as_ref()) else {
            return;
        };
        let Some(ttls) = ttl_fields(answer, &h, end) else {
            return;
        };
        let (ttls, lifetime) = if self.aging {
            match ttls.iter().map(|&(_, ttl)| ttl).min() {
                Some(shortest) if shortest > 0 => (ttls, Duration::from_secs(u64::from(shortest))),
                _ => return,
            }
        } else {
            // RFC 1035 §6.1: an authority's data changes only with its zones.
            (Vec::new(), Duration::MAX)
        };
        if self.entries.len() >= self.capacity {
            self.entries.retain(|_, e| e.expires > now);
            if self.entries.len() >= self.capacity {
                let victim = self.entries.keys().next().cloned();
                if let Some(k) = victim {
                    self.entries.remove(&k);
                }
            }
        }
        self.entries.insert(
            key.bytes().into(),
            Entry {
                bytes: answer.into(),
                ttls: ttls.into_boxed_slice(),
                stored: now,
                expires: Instant::from_epoch(now.since_epoch().saturating_add(lifetime)),
            },
        );
    }

    /// Appends to `out` the answer to `query` (a UDP query already known
    /// to come from an allowed client) if one is held and fresh and fits
    /// the client's UDP limit; false (and `out` untouched) means resolve
    /// it the slow way.
    pub fn answer(&self, now: Instant, query: &[u8], out: &mut Vec<u8>) -> bool {
        let Ok(view) = MessageView::parse(query) else {
            return false;
        };
        let h = view.header;
        if h.flags.response || h.opcode != Opcode::QUERY || h.qdcount != 1 {
            return false;
        }
        let limit = view.edns.as_ref().map_or(CLASSIC_UDP_LIMIT, |e| {
            usize::from(e.udp_size).clamp(CLASSIC_UDP_LIMIT, EDNS_UDP_LIMIT)
        });
        // An EDNS version we do not speak needs BADVERS (RFC 6891 §6.1.3);
        // an authority echoes options per query.
        if view
            .edns
            .as_ref()
            .is_some_and(|e| e.version != 0 || (!self.aging && !e.options.is_empty()))
        {
            return false;
        }
        let Some((key, end)) = key_of(query, view.edns.as_ref()) else {
            return false;
        };
        let Some(e) = self.entries.get(key.bytes()) else {
            return false;
        };
        if e.expires <= now || e.bytes.len() > limit {
            return false;
        }
        let elapsed = u32::try_from((now - e.stored).as_secs()).unwrap_or(u32::MAX);
        let base = out.len();
        out.extend_from_slice(&e.bytes);
        let out = &mut out[base..];
        out[..2].copy_from_slice(&query[..2]);
        // RD is the low bit of byte 2, CD bit 4 of byte 3 (RFC 1035 §4.1.1,
        // RFC 4035 §3.2.2): both echo the query.
        out[2] = (out[2] & !0x01) | (query[2] & 0x01);
        out[3] = (out[3] & !0x10) | (query[3] & 0x10);
        out[HEADER_LEN..end].copy_from_slice(&query[HEADER_LEN..end]);
        for &(at, ttl) in e.ttls.iter() {
            out[at..at + 4].copy_from_slice(&ttl.saturating_sub(elapsed).to_be_bytes());
        }
        true
    }
}

/// The offsets and values of every record's TTL after the question, OPT
/// aside (its "TTL" holds EDNS flags).
fn ttl_fields(msg: &[u8], h: &Header, mut pos: usize) -> Option<Vec<(usize, u32)>> {
    let records = usize::from(h.ancount) + usize::from(h.nscount) + usize::from(h.arcount);
    let mut out = Vec::with_capacity(records);
    for _ in 0..records {
        let at = walk_labels(msg, pos, |_| ()).ok()?;
        let fixed = msg.get(at..at + 10)?;
        let rtype = RecordType(u16::from_be_bytes([fixed[0], fixed[1]]));
        let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
        let len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        if rtype != RecordType::OPT {
            out.push((at + 4, ttl));
        }
        pos = at + 10 + len;
    }
    (pos <= msg.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ClientSubnet, Edns, EdnsOption, Message, Question, RData, Record};

    fn query(name: &str, id: u16, edns: bool) -> Vec<u8> {
        let mut m = Message {
            id,
            questions: vec![Question::new(name.parse().unwrap(), RecordType::A)],
            edns: edns.then(Edns::default),
            ..Message::default()
        };
        m.flags.recursion_desired = true;
        m.to_bytes()
    }

    fn response(name: &str, ttl: u32, edns: bool) -> Vec<u8> {
        let mut m = Message {
            id: 1,
            questions: vec![Question::new(name.parse().unwrap(), RecordType::A)],
            answers: vec![Record::new(
                name.parse().unwrap(),
                ttl,
                RData::A([192, 0, 2, 1].into()),
            )],
            edns: edns.then(Edns::default),
            ..Message::default()
        };
        m.flags.response = true;
        m.flags.recursion_available = true;
        m.to_bytes()
    }

    #[test]
    fn a_hit_takes_the_querys_id_case_and_an_aged_ttl() {
        let mut c = AnswerCache::new(10);
        let t0 = Instant::from_millis(5_000);
        c.insert(t0, &response("www.example.com", 300, true));
        let q = query("WwW.ExAmple.com", 0xBEEF, true);
        let mut out = Vec::new();
        assert!(c.answer(t0 + Duration::from_secs(100), &q, &mut out));
        let (m, _) = Message::parse(&out).unwrap();
        assert_eq!(m.id, 0xBEEF);
        assert!(m.flags.response && m.flags.recursion_desired);
        assert_eq!(m.questions[0].name.to_string(), "WwW.ExAmple.com.");
        assert_eq!(m.answers[0].ttl, 200);
        assert!(m.edns.is_some());
    }

    #[test]
    fn misses_expiry_edns_mismatch_and_uncacheable_answers() {
        let mut c = AnswerCache::new(10);
        let t0 = Instant::ZERO;
        c.insert(t0, &response("a.test", 60, false));
        let mut out = Vec::new();
        assert!(
            !c.answer(t0, &query("a.test", 1, true), &mut out),
            "EDNS differs"
        );
        assert!(c.answer(t0, &query("a.test", 1, false), &mut out));
        assert!(!c.answer(
            t0 + Duration::from_secs(60),
            &query("a.test", 1, false),
            &mut out
        ));
        assert!(!c.answer(t0, &query("b.test", 1, false), &mut out));
        c.insert(t0, &response("z.test", 0, false));
        let mut servfail = response("s.test", 60, false);
        servfail[3] = (servfail[3] & 0xF0) | 2;
        c.insert(t0, &servfail);
        assert_eq!(c.len(), 1, "zero TTL and SERVFAIL are not kept");
        assert!(!c.answer(t0, b"\x00\x01garbage", &mut out));
        let (hit, _) = Message::parse(&out).unwrap();
        assert_eq!(hit.answers.len(), 1, "a miss leaves the buffer as it was");
    }

    #[test]
    fn an_answer_scoped_to_a_client_network_is_not_kept() {
        let mut c = AnswerCache::new(10);
        let (mut m, _) = Message::parse(&response("v.test", 60, true)).unwrap();
        let mut subnet = ClientSubnet::new("203.0.113.0".parse().unwrap(), 24);
        subnet.scope_prefix = 24;
        m.edns.as_mut().unwrap().options = vec![EdnsOption::ClientSubnet(subnet.clone())];
        c.insert(Instant::ZERO, &m.to_bytes());
        assert!(c.is_empty(), "scope /24 holds for one network only");
        subnet.scope_prefix = 0;
        m.edns.as_mut().unwrap().options = vec![EdnsOption::ClientSubnet(subnet)];
        c.insert(Instant::ZERO, &m.to_bytes());
        assert_eq!(c.len(), 1, "scope 0 holds for everyone");
    }

    #[test]
    fn an_authoritys_answers_never_age_and_skip_queries_with_options() {
        let mut c = AnswerCache::ageless(10);
        c.insert(Instant::ZERO, &response("a.test", 0, true));
        c.insert(Instant::ZERO, &response("b.test", 300, true));
        let later = Instant::ZERO + Duration::from_secs(1_000_000);
        let mut out = Vec::new();
        assert!(c.answer(later, &query("A.test", 9, true), &mut out));
        assert_eq!(Message::parse(&out).unwrap().0.answers[0].ttl, 0);
        // Answers are appended: a batch of them shares one buffer.
        let first = out.len();
        assert!(c.answer(later, &query("b.test", 9, true), &mut out));
        assert_eq!(Message::parse(&out[first..]).unwrap().0.answers[0].ttl, 300);
        // A query with an option (Client Subnet) is answered the slow way.
        let (mut q, _) = Message::parse(&query("b.test", 9, true)).unwrap();
        q.edns.as_mut().unwrap().options = vec![EdnsOption::ClientSubnet(ClientSubnet::new(
            "192.0.2.0".parse().unwrap(),
            24,
        ))];
        assert!(!c.answer(later, &q.to_bytes(), &mut out));
        // DO differs: another key (the answer echoes DO).
        q.edns.as_mut().unwrap().options.clear();
        q.edns.as_mut().unwrap().dnssec_ok = true;
        assert!(!c.answer(later, &q.to_bytes(), &mut out));
        c.clear();
        assert!(c.is_empty());
    }

    #[test]
    fn capacity_is_bounded() {
        let mut c = AnswerCache::new(2);
        for name in ["a.test", "b.test", "c.test"] {
            c.insert(Instant::ZERO, &response(name, 60, false));
        }
        assert_eq!(c.len(), 2);
    }
}
