//! Building the answer to one question from a set of zones (RFC 1034
//! §4.3.2): exact matches, CNAME chains followed through the zones served,
//! DNAME substitution (RFC 6672), wildcard synthesis (RFC 4592), NXDOMAIN
//! and NODATA with the SOA for negative caching (RFC 2308 §3), referrals at
//! zone cuts with glue, minimal answers to ANY (RFC 8482) and additional
//! addresses for MX, NS and SRV targets.

use crate::wire::{LowerName, Name, RData, Rcode, Record, RecordType};
use crate::zone::{Found, Node, RRset, Zone};

use super::Zones;

/// Longest CNAME/DNAME chain followed inside our zones.
pub const MAX_CHAIN: usize = 8;

/// An RRset to send: borrowed from a zone, or made for this answer
/// (wildcard owners, synthesised CNAMEs, negative-caching SOA).
#[derive(Debug)]
pub enum Part<'z> {
    /// Records straight from a zone.
    Zone(&'z [Record]),
    /// Records made for this answer.
    Made(Vec<Record>),
}

impl Part<'_> {
    /// The records of the part.
    pub fn records(&self) -> &[Record] {
        match self {
            Part::Zone(r) => r,
            Part::Made(r) => r,
        }
    }
}

/// Everything an answer holds before it is written.
#[derive(Debug, Default)]
pub struct Answer<'z> {
    /// Response code.
    pub rcode: Rcode,
    /// AA: the data comes from a zone we are authoritative for.
    pub authoritative: bool,
    /// Answer section.
    pub answer: Vec<Part<'z>>,
    /// Authority section.
    pub authority: Vec<Part<'z>>,
    /// Additional section.
    pub additional: Vec<Part<'z>>,
}

/// Answers `qname`/`qtype` from `zones`; `None` when no zone of ours holds
/// the name (the caller refuses the query).
pub fn answer<'z>(zones: &'z Zones, qname: &Name, qtype: RecordType) -> Option<Answer<'z>> {
    let mut name = qname.clone();
    let mut lower = LowerName::from_name(qname);
    let mut out = Answer {
        authoritative: true,
        ..Answer::default()
    };
    for step in 0..MAX_CHAIN {
        let Some(zone) = zones.find_zone(lower.wire()) else {
            // The chain left our zones: the client's resolver goes on from here.
            return (step > 0).then_some(out);
        };
        match zone.find(lower.wire()) {
            Found::Delegation(node) => {
                out.authoritative = step > 0;
                refer(zone, node, &mut out);
                return Some(out);
            }
            Found::Dname(node) => {
                let Some(dname) = node.rrset(RecordType::DNAME) else {
                    return Some(out);
                };
                out.answer.push(Part::Zone(&dname.records));
                let Some(RData::Dname(target)) = dname.records.first().map(|r| &r.rdata) else {
                    return Some(out);
                };
                // RFC 6672 §2.2: a name too long after substitution is YXDOMAIN.
                let Some(next) = name.replace_suffix(&node.name, target) else {
                    out.rcode = Rcode::YXDOMAIN;
                    return Some(out);
                };
                let cname = Record::new(name.clone(), dname.ttl(), RData::Cname(next.clone()));
                out.answer.push(Part::Made(vec![cname]));
                name = next;
            }
            Found::Node { node, wildcard } => {
                let owned = |set: &'z RRset| -> Part<'z> {
                    if wildcard {
                        Part::Made(
                            set.records
                                .iter()
                                .map(|r| Record {
                                    name: name.clone(),
                                    ..r.clone()
                                })
                                .collect(),
                        )
                    } else {
                        Part::Zone(&set.records)
                    }
                };
                if qtype == RecordType::ANY {
                    // RFC 8482 §4.1: answer with one RRset of the node.
                    match node.rrsets.first() {
                        Some(set) => out.answer.push(owned(set)),
                        None => negative(zone, Rcode::NOERROR, &mut out),
                    }
                    return Some(out);
                }
                if let Some(set) = node.rrset(qtype) {
                    out.answer.push(owned(set));
                    add_target_addresses(zones, set, &mut out);
                    return Some(out);
                }
                let Some(cname) = node.rrset(RecordType::CNAME) else {
                    negative(zone, Rcode::NOERROR, &mut out);
                    return Some(out);
                };
                out.answer.push(owned(cname));
                let Some(target) = cname.records.first().and_then(|r| r.rdata.target()) else {
                    return Some(out);
                };
                name = target.clone();
            }
            Found::NxDomain => {
                negative(zone, Rcode::NXDOMAIN, &mut out);
                return Some(out);
            }
        }
        lower = LowerName::from_name(&name);
    }
    Some(out)
}

/// RFC 2308 §3: the SOA in the authority section, its TTL the smaller of
/// the SOA's TTL and its MINIMUM field.
fn negative<'z>(zone: &'z Zone, rcode: Rcode, out: &mut Answer<'z>) {
    out.rcode = rcode;
    let soa = zone.soa();
    let ttl = soa.ttl.min(zone.soa_data().minimum);
    out.authority
        .push(Part::Made(vec![Record { ttl, ..soa.clone() }]));
}

/// A referral (RFC 1034 §4.3.2 step 3b): the child's NS set in authority,
/// and the addresses of in-zone name servers (glue) in additional.
fn refer<'z>(zone: &'z Zone, cut: &'z Node, out: &mut Answer<'z>) {
    let Some(ns) = cut.rrset(RecordType::NS) else {
        return;
    };
    out.authority.push(Part::Zone(&ns.records));
    for record in &ns.records {
        if let Some(target) = record.rdata.target() {
            push_addresses(
                zone.node(LowerName::from_name(target).wire()),
                &mut out.additional,
            );
        }
    }
}

/// Additional-section processing for MX, NS and SRV answers (RFC 1035
/// §3.3.9, RFC 2782): addresses of their targets found in our zones.
fn add_target_addresses<'z>(zones: &'z Zones, set: &'z RRset, out: &mut Answer<'z>) {
    if !matches!(
        set.rtype(),
        RecordType::MX | RecordType::NS | RecordType::SRV
    ) {
        return;
    }
    for record in &set.records {
        let Some(target) = record.rdata.target() else {
            continue;
        };
        let lower = LowerName::from_name(target);
        if let Some(zone) = zones.find_zone(lower.wire()) {
            push_addresses(zone.node(lower.wire()), &mut out.additional);
        }
    }
}

fn push_addresses<'z>(node: Option<&'z Node>, out: &mut Vec<Part<'z>>) {
    let Some(node) = node else { return };
    for rtype in [RecordType::A, RecordType::AAAA] {
        if let Some(set) = node.rrset(rtype) {
            out.push(Part::Zone(&set.records));
        }
    }
}
