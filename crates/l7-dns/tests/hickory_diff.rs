//! Differential tests against hickory-proto 0.25 (the oracle): the same
//! bytes must get the same verdict (accepted or rejected) and, when
//! accepted, the same header, questions, records and EDNS fields.

mod common;

use hickory_proto::op::Message as HMessage;
use hickory_proto::rr::{Record as HRecord, RecordType as HRecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, EncodeMode};
use l7_dns::wire::{Message, RData, Record};
use proptest::prelude::*;

/// A record reduced to comparable parts: lowercase owner, type, class, TTL
/// and the uncompressed RDATA bytes, lowercased (hickory's canonical
/// encoding lowercases names; lowercasing both sides keeps the comparison
/// fair), when they are comparable.
type Flat = (Vec<u8>, u16, u16, u32, Option<Vec<u8>>);

fn ours(r: &Record) -> Flat {
    // RFC 3597 §4: the RDATA of a type we keep opaque is bytes, a
    // compression pointer in it included; hickory reads SVCB and HTTPS
    // (RFC 9460) and follows a pointer in their target name, which RFC
    // 9460 §2.2 forbids. Such RDATA is left out of the comparison.
    const SVCB: u16 = 64;
    const HTTPS: u16 = 65;
    let rdata = match &r.rdata {
        RData::Unknown { rtype, data }
            if matches!(rtype.0, SVCB | HTTPS) && data.iter().any(|&b| b >= 0xC0) =>
        {
            None
        }
        rdata => Some(rdata.to_wire().to_ascii_lowercase()),
    };
    (r.name.lower_wire(), r.rtype().0, r.class.0, r.ttl, rdata)
}

/// Whether two records agree (an RDATA left out on either side matches any).
fn same(a: &Flat, b: &Flat) -> bool {
    let rdata = match (&a.4, &b.4) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3 && rdata
}

fn theirs(r: &HRecord) -> Flat {
    let mut rdata = Vec::new();
    let mut enc = BinEncoder::with_mode(&mut rdata, EncodeMode::Signing);
    enc.set_canonical_names(true);
    r.data().emit(&mut enc).unwrap();
    // Hickory keeps a DNAME's RDATA as bytes, so a compression pointer in
    // it stays one; we follow it (RFC 6672 §2.5 asks receivers to cope
    // with a compressed target). Such RDATA is left out of the comparison.
    const DNAME: u16 = 39;
    let pointer = u16::from(r.record_type()) == DNAME && rdata.iter().any(|&b| b >= 0xC0);
    (
        hname(r.name()),
        u16::from(r.record_type()),
        u16::from(r.dns_class()),
        // RFC 2181 §8: a TTL with the top bit set is read as zero (we do; hickory keeps it).
        if r.ttl() > 0x7FFF_FFFF { 0 } else { r.ttl() },
        (!pointer).then(|| rdata.to_ascii_lowercase()),
    )
}

/// Hickory's name in canonical (lowercase, uncompressed) wire form.
fn hname(n: &hickory_proto::rr::Name) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = BinEncoder::with_mode(&mut out, EncodeMode::Signing);
    n.emit(&mut enc).unwrap();
    out.to_ascii_lowercase()
}

/// Compares verdicts and contents; returns a description of any difference.
fn compare(bytes: &[u8]) -> Result<(), String> {
    let mine = Message::parse(bytes);
    let oracle = HMessage::from_vec(bytes);
    match (mine, oracle) {
        (Err(_), Err(_)) => Ok(()),
        (Ok((m, _)), Err(e)) => {
            // Types we keep opaque (RFC 3597) that hickory interprets.
            let interpreted = m
                .answers
                .iter()
                .chain(&m.authority)
                .chain(&m.additional)
                .any(|r| match &r.rdata {
                    RData::Unknown { rtype, .. } => {
                        !matches!(HRecordType::from(rtype.0), HRecordType::Unknown(_))
                    }
                    _ => false,
                });
            let why = if interpreted { "opaque to us: " } else { "" };
            Err(format!("we accept, hickory rejects: {why}{e}"))
        }
        (Err(e), Ok(h)) => {
            // RFC 2136 §2.4-2.5: UPDATE messages use RDLENGTH 0 for "any
            // data"; hickory reads an empty RDATA of any type that way.
            let empty = h
                .answers()
                .iter()
                .chain(h.name_servers())
                .chain(h.additionals())
                .any(|r| matches!(r.data(), hickory_proto::rr::RData::Update0(_)));
            let why = if empty { "empty RDATA: " } else { "" };
            Err(format!("hickory accepts, we reject: {why}{e}"))
        }
        (Ok((m, _)), Ok(h)) => {
            let check = |what: &str, ok: bool| {
                if ok {
                    Ok(())
                } else {
                    Err(format!("{what} differs"))
                }
            };
            check("id", m.id == h.id())?;
            check("opcode", m.opcode.0 == u8::from(h.op_code()))?;
            check("rcode", m.rcode.0 == u16::from(h.response_code()))?;
            check(
                "qr",
                m.flags.response == (h.message_type() == hickory_proto::op::MessageType::Response),
            )?;
            check("aa", m.flags.authoritative == h.authoritative())?;
            check("tc", m.flags.truncated == h.truncated())?;
            check("rd", m.flags.recursion_desired == h.recursion_desired())?;
            check("ra", m.flags.recursion_available == h.recursion_available())?;
            check("ad", m.flags.authentic_data == h.authentic_data())?;
            check("cd", m.flags.checking_disabled == h.checking_disabled())?;
            let q: Vec<_> = m
                .questions
                .iter()
                .map(|q| (q.name.lower_wire(), q.qtype.0, q.qclass.0))
                .collect();
            let hq: Vec<_> = h
                .queries()
                .iter()
                .map(|q| {
                    (
                        hname(q.name()),
                        u16::from(q.query_type()),
                        u16::from(q.query_class()),
                    )
                })
                .collect();
            check("questions", q == hq)?;
            for (name, a, b) in [
                ("answers", &m.answers, h.answers()),
                ("authority", &m.authority, h.name_servers()),
                ("additional", &m.additional, h.additionals()),
            ] {
                let a: Vec<Flat> = a.iter().map(ours).collect();
                let b: Vec<Flat> = b.iter().map(theirs).collect();
                if a.len() != b.len() || a.iter().zip(&b).any(|(a, b)| !same(a, b)) {
                    return Err(format!("{name} differ: {a:?} vs {b:?}"));
                }
            }
            match (&m.edns, h.extensions()) {
                (None, None) => Ok(()),
                (Some(e), Some(he)) => {
                    // RFC 6891 §6.2.5: a size below 512 counts as 512. We
                    // keep the value as sent (every user clamps it); hickory
                    // raises it when parsing.
                    check("udp size", e.udp_size.max(512) == he.max_payload().max(512))?;
                    check("version", e.version == he.version())?;
                    check("DO", e.dnssec_ok == he.flags().dnssec_ok)
                }
                _ => Err("EDNS presence differs".into()),
            }
        }
    }
}

/// Verdicts that differ on purpose (seen on about 0.7% of single-byte
/// mutations). Where both accept, contents must still agree exactly.
const KNOWN_DIFFERENCES: &[&str] = &[
    // RFC 7871 §7.1.1: a malformed Client Subnet option is FORMERR; hickory keeps it.
    "hickory accepts, we reject: invalid message: client subnet",
    // RFC 6891 §6.1.1: one OPT at most, in the additional section (a
    // FORMERR otherwise); hickory takes one elsewhere as a record.
    "hickory accepts, we reject: invalid message: misplaced or repeated OPT record",
    // RFC 6891 §6.1.2: the OPT RDATA is a whole number of options, each
    // within RDLEN; hickory skips a partial option or reads one past it.
    "hickory accepts, we reject: invalid message: EDNS option overruns the OPT record",
    "hickory accepts, we reject: invalid message: truncated EDNS option",
    // RFC 6891 §5: extended label types (0x40, 0x80) are not used; hickory reads them.
    "hickory accepts, we reject: invalid message: unknown label type",
    // We require a pointer to precede the label run holding it (RFC 1035
    // §4.1.4 "prior occurrence"); hickory also takes pointers into the
    // middle of the name being read.
    "hickory accepts, we reject: invalid message: compression pointer does not point backwards",
    // An empty RDATA outside an UPDATE is no record of its type; hickory
    // takes it as RFC 2136's "any data".
    "hickory accepts, we reject: empty RDATA: ",
    // RDATA must hold exactly its fields (RFC 1035 §3.2.1 RDLENGTH); hickory is laxer for some types.
    "hickory accepts, we reject: invalid message: name overruns RDATA",
    "hickory accepts, we reject: invalid message: trailing bytes in",
    "hickory accepts, we reject: invalid message: AAAA RDATA must be",
    // RFC 1035 §3.3.14: TXT-DATA is one or more character-strings; hickory takes none.
    "hickory accepts, we reject: invalid message: TXT RDATA holds no character-string",
    // Hickory rejects ANY/AXFR/IXFR as record types; RFC 3597 lets us keep them opaque.
    "we accept, hickory rejects: record type value unknown",
    // Hickory interprets types we keep opaque (SVCB, TLSA, ...) and checks
    // their contents (lengths, and names: RFC 9460 §2.2 forbids compression
    // in SVCB, so a pointer there is bytes to us).
    "we accept, hickory rejects: opaque to us: ",
    // Hickory's own rule against names whose labels overlap (a pointer
    // back into a field whose "labels" then run into the name being
    // read); inside RDATA it reports that as a short read.
    "we accept, hickory rejects: overlapping labels",
    "we accept, hickory rejects: incorrect rdata length read",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_messages_agree(m in common::message()) {
        let bytes = m.to_bytes();
        prop_assert_eq!(compare(&bytes), Ok(()));
    }

    #[test]
    fn truncated_messages_agree(m in common::message(), cut in any::<prop::sample::Index>()) {
        let bytes = m.to_bytes();
        let cut = cut.index(bytes.len());
        prop_assert_eq!(compare(&bytes[..cut]), Ok(()));
    }

    #[test]
    fn mutated_messages_agree_but_for_known_differences(
        m in common::message(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = m.to_bytes();
        let at = at.index(bytes.len());
        bytes[at] = byte;
        if let Err(difference) = compare(&bytes) {
            prop_assert!(
                KNOWN_DIFFERENCES.iter().any(|known| difference.starts_with(known)),
                "{difference} for {bytes:02x?}"
            );
        }
    }
}
