//! A loaded zone: its records checked (SOA and NS at the apex, CNAME alone,
//! addresses for in-zone name servers; RFC 1034 §4.2, RFC 2181 §10.1) with
//! what BIND only warns about (data outside the zone, which is ignored;
//! missing glue below a delegation) kept as warnings, so that every zone
//! named-checkzone loads loads here too; and indexed by lowercased owner name for lookups that
//! find delegations, DNAME redirections and wildcards (RFC 4592) without
//! allocating.

use std::collections::{BTreeMap, HashMap};

use super::parser::{IncludeResolver, Location, ZoneError, parse_master_file};
use crate::wire::{Name, RData, Record, RecordType, Soa};

/// DNSSEC signature type (RFC 4034), kept opaque but allowed beside a CNAME.
const RRSIG: RecordType = RecordType(46);
/// DNSSEC denial-of-existence type (RFC 4034), allowed beside a CNAME.
const NSEC: RecordType = RecordType(47);

/// The records of one owner name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RRset {
    /// The records, all with the same owner, type, class and TTL.
    pub records: Vec<Record>,
}

impl RRset {
    /// The type of the set.
    pub fn rtype(&self) -> RecordType {
        self.records[0].rtype()
    }

    /// The TTL shared by the set.
    pub fn ttl(&self) -> u32 {
        self.records[0].ttl
    }
}

/// Everything at one owner name (empty for an empty non-terminal).
#[derive(Debug, Clone)]
pub struct Node {
    /// The owner name as written in the zone.
    pub name: Name,
    /// The RRsets, at most one per type.
    pub rrsets: Vec<RRset>,
    /// True for a zone cut below the apex (NS records here).
    pub delegation: bool,
}

impl Node {
    /// The RRset of `rtype` at this node.
    pub fn rrset(&self, rtype: RecordType) -> Option<&RRset> {
        self.rrsets.iter().find(|s| s.rtype() == rtype)
    }
}

/// What a name leads to inside a zone.
#[derive(Debug, Clone, Copy)]
pub enum Found<'z> {
    /// The name is at or below a zone cut: the node holding the NS set.
    Delegation(&'z Node),
    /// An ancestor holds a DNAME that redirects the name (RFC 6672).
    Dname(&'z Node),
    /// The name exists; `wildcard` when it was synthesised from `*.`.
    Node {
        /// The node with the data.
        node: &'z Node,
        /// True when the node is the wildcard that matched.
        wildcard: bool,
    },
    /// The name does not exist.
    NxDomain,
}

/// A zone ready to answer from.
#[derive(Debug, Clone)]
pub struct Zone {
    apex: Name,
    nodes: HashMap<Box<[u8]>, Node>,
    soa: Record,
    soa_fields: Soa,
    record_count: usize,
    warnings: Vec<ZoneError>,
}

impl Zone {
    /// Reads and checks a zone from master-file text.
    pub fn from_master_file(
        text: &[u8],
        file: &str,
        apex: &Name,
        includes: &mut dyn IncludeResolver,
    ) -> Result<Zone, ZoneError> {
        let records = parse_master_file(text, file, apex, includes)?;
        Zone::from_records(apex, records, file)
    }

    /// Checks and indexes records read from `file` for the zone at `apex`.
    pub fn from_records(
        apex: &Name,
        records: Vec<(Record, Location)>,
        file: &str,
    ) -> Result<Zone, ZoneError> {
        let top = Location {
            file: file.into(),
            line: 1,
        };
        let mut by_owner: BTreeMap<Name, Vec<(Record, Location)>> = BTreeMap::new();
        let mut warnings = Vec::new();
        for (record, at) in records {
            if !record.name.is_subdomain_of(apex) {
                // RFC 1034 §4.3.2 answers only from the zone: out-of-zone
                // data is ignored (as BIND does), with a warning.
                warnings.push(at.error(format!(
                    "{} is outside the zone {apex}: ignored (a missing trailing dot?)",
                    record.name
                )));
                continue;
            }
            if record.rtype() == RecordType::SOA && record.name != *apex {
                return Err(at.error(format!(
                    "SOA record at {} is not at the zone apex",
                    record.name
                )));
            }
            by_owner
                .entry(record.name.clone())
                .or_default()
                .push((record, at));
        }
        let mut nodes = HashMap::new();
        let mut record_count = 0;
        for (owner, records) in by_owner {
            let mut rrsets: Vec<RRset> = Vec::new();
            let has_cname = records.iter().any(|(r, _)| r.rtype() == RecordType::CNAME);
            for (mut record, at) in records {
                // RFC 2181 §10.1; RFC 4035 §2.5 lets RRSIG and NSEC sit beside a CNAME.
                if has_cname && !matches!(record.rtype(), RecordType::CNAME | RRSIG | NSEC) {
                    return Err(at.error(format!("CNAME and other data at {owner}")));
                }
                match rrsets.iter_mut().find(|s| s.rtype() == record.rtype()) {
                    Some(set) => {
                        // RFC 2181 §5: no duplicates, and §5.2: one TTL per RRset.
                        record.ttl = set.ttl();
                        if set.records.contains(&record) {
                            continue;
                        }
                        if matches!(
                            record.rtype(),
                            RecordType::CNAME | RecordType::SOA | RecordType::DNAME
                        ) {
                            return Err(at.error(format!(
                                "more than one {} record at {owner}",
                                record.rtype()
                            )));
                        }
                        set.records.push(record);
                        record_count += 1;
                    }
                    None => {
                        rrsets.push(RRset {
                            records: vec![record],
                        });
                        record_count += 1;
                    }
                }
            }
            let delegation = owner != *apex && rrsets.iter().any(|s| s.rtype() == RecordType::NS);
            nodes.insert(
                owner.lower_wire().into_boxed_slice(),
                Node {
                    name: owner,
                    rrsets,
                    delegation,
                },
            );
        }
        let apex_node = nodes
            .get(apex.lower_wire().as_slice())
            .ok_or_else(|| top.error(format!("zone {apex} has no records at its apex")))?;
        let soa = apex_node
            .rrset(RecordType::SOA)
            .ok_or_else(|| top.error(format!("zone {apex} has no SOA record")))?
            .records[0]
            .clone();
        let RData::Soa(soa_fields) = soa.rdata.clone() else {
            return Err(top.error("the SOA record holds no SOA data"));
        };
        if apex_node.rrset(RecordType::NS).is_none() {
            return Err(top.error(format!("zone {apex} has no NS records at its apex")));
        }
        let mut zone = Zone {
            apex: apex.clone(),
            nodes,
            soa,
            soa_fields,
            record_count,
            warnings,
        };
        zone.check_glue(&top)?;
        zone.add_empty_non_terminals();
        Ok(zone)
    }

    /// Name servers that only this zone can give an address for must have
    /// one: the apex's in-zone servers (an error, as in named-checkzone),
    /// and a delegation's servers below its cut (required glue: a warning,
    /// as in named-checkzone, since the delegation cannot work without it).
    /// Like named-checkzone, a delegation's server elsewhere in the zone is
    /// not checked.
    fn check_glue(&mut self, top: &Location) -> Result<(), ZoneError> {
        let mut missing_glue = Vec::new();
        for node in self.nodes.values() {
            for record in node.rrset(RecordType::NS).map_or(&[][..], |s| &s.records) {
                let Some(target) = record.rdata.target() else {
                    continue;
                };
                let needs_address = if node.delegation {
                    target.is_subdomain_of(&node.name)
                } else {
                    target.is_subdomain_of(&self.apex)
                };
                if !needs_address {
                    continue;
                }
                let has_address = self
                    .nodes
                    .get(target.lower_wire().as_slice())
                    .is_some_and(|n| {
                        n.rrset(RecordType::A).is_some() || n.rrset(RecordType::AAAA).is_some()
                    });
                if has_address {
                    continue;
                }
                let what = format!(
                    "NS {target} of {} has no address records (A or AAAA) in the zone",
                    node.name
                );
                if !node.delegation {
                    return Err(top.error(what));
                }
                missing_glue.push(top.error(format!("{what}: the delegation cannot be followed")));
            }
        }
        self.warnings.extend(missing_glue);
        Ok(())
    }

    /// What is wrong but does not stop the zone from loading.
    pub fn warnings(&self) -> &[ZoneError] {
        &self.warnings
    }

    /// RFC 4592 §2.2.2: names between the apex and each owner exist even
    /// without data (they answer NODATA, and block wildcards).
    fn add_empty_non_terminals(&mut self) {
        let owners: Vec<Name> = self.nodes.values().map(|n| n.name.clone()).collect();
        for owner in owners {
            let mut name = owner.parent();
            while let Some(n) = name {
                if !n.is_subdomain_of(&self.apex) {
                    break;
                }
                let key = n.lower_wire().into_boxed_slice();
                if self.nodes.contains_key(&key) {
                    break;
                }
                name = n.parent();
                self.nodes.insert(
                    key,
                    Node {
                        name: n,
                        rrsets: Vec::new(),
                        delegation: false,
                    },
                );
            }
        }
    }

    /// The zone's apex name.
    pub fn apex(&self) -> &Name {
        &self.apex
    }

    /// The SOA record.
    pub fn soa(&self) -> &Record {
        &self.soa
    }

    /// The SOA's fields.
    pub fn soa_data(&self) -> &Soa {
        &self.soa_fields
    }

    /// Number of records (without empty non-terminals).
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// The node whose lowercased wire name is `lower`, if any.
    pub fn node(&self, lower: &[u8]) -> Option<&Node> {
        self.nodes.get(lower)
    }

    /// Looks up `qname` (lowercased wire form, inside this zone): walks down
    /// from the apex, stopping at a zone cut or a DNAME, and falls back to
    /// the wildcard at the closest encloser (RFC 4592 §4.1).
    pub fn find(&self, qname: &[u8]) -> Found<'_> {
        let apex_len = self.apex.wire_len();
        if qname.len() < apex_len
            || !qname[qname.len() - apex_len..].eq_ignore_ascii_case(self.apex.wire())
        {
            return Found::NxDomain;
        }
        let mut starts = [0usize; 128];
        let mut count = 0;
        let mut pos = 0;
        while pos < qname.len() && qname[pos] != 0 && count < starts.len() {
            starts[count] = pos;
            count += 1;
            pos += 1 + usize::from(qname[pos]);
        }
        let below_apex = count - self.apex.label_count().min(count);
        let mut encloser = qname.len() - apex_len;
        // From the label just below the apex down to the name itself.
        for i in (0..below_apex).rev() {
            let suffix = &qname[starts[i]..];
            let Some(node) = self.nodes.get(suffix) else {
                return self.wildcard(&qname[encloser..]);
            };
            if node.delegation {
                return Found::Delegation(node);
            }
            if i == 0 {
                return Found::Node {
                    node,
                    wildcard: false,
                };
            }
            if node.rrset(RecordType::DNAME).is_some() {
                return Found::Dname(node);
            }
            encloser = starts[i];
        }
        match self.nodes.get(qname) {
            Some(node) => Found::Node {
                node,
                wildcard: false,
            },
            None => Found::NxDomain,
        }
    }

    fn wildcard(&self, encloser: &[u8]) -> Found<'_> {
        let mut key = [0u8; 257];
        key[..2].copy_from_slice(b"\x01*");
        key[2..2 + encloser.len()].copy_from_slice(encloser);
        match self.nodes.get(&key[..2 + encloser.len()]) {
            Some(node) => Found::Node {
                node,
                wildcard: true,
            },
            None => Found::NxDomain,
        }
    }

    /// All records for a zone transfer (RFC 5936 §2.2): the SOA, every
    /// other record in canonical order, and the SOA again.
    pub fn transfer_records(&self) -> Vec<&Record> {
        let mut nodes: Vec<&Node> = self.nodes.values().collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = Vec::with_capacity(self.record_count + 1);
        out.push(&self.soa);
        for node in nodes {
            for set in &node.rrsets {
                if set.rtype() != RecordType::SOA {
                    out.extend(set.records.iter());
                }
            }
        }
        out.push(&self.soa);
        out
    }
}
