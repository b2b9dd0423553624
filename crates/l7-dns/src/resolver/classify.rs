//! What an upstream response means for the name being resolved (RFC 1034
//! §5.3.3, RFC 2308 §2): an answer, a CNAME/DNAME chain to follow, a
//! negative answer, a referral, or a failure of that server. Only records
//! inside the zone of the server asked (its bailiwick) are ever taken, so
//! a server can never plant data for names it has no authority over.

use crate::wire::{Message, Name, RData, Rcode, Record, RecordType};

/// The meaning of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Data for the name: the chain that led to it and the final RRset.
    Answer {
        /// CNAME and DNAME records followed (synthesised CNAMEs included).
        chain: Vec<Record>,
        /// The RRset asked for.
        records: Vec<Record>,
    },
    /// A chain whose end this server cannot answer: go on with `next`.
    Chain {
        /// Records followed so far.
        chain: Vec<Record>,
        /// Where the chain leads.
        next: Name,
    },
    /// `name` does not exist (RFC 2308 §2.1).
    NxDomain {
        /// Records followed before reaching `name`.
        chain: Vec<Record>,
        /// The SOA for negative caching, if the server sent one in bailiwick.
        soa: Option<Record>,
        /// The name that does not exist.
        name: Name,
    },
    /// `name` exists without the type asked (RFC 2308 §2.2).
    NoData {
        /// Records followed before reaching `name`.
        chain: Vec<Record>,
        /// The SOA for negative caching.
        soa: Option<Record>,
        /// The name without data.
        name: Name,
    },
    /// Go and ask the servers of `zone`, a child of the zone asked.
    Referral {
        /// The child zone.
        zone: Name,
        /// Its NS records.
        ns: Vec<Record>,
        /// Addresses of those servers found in the additional section.
        glue: Vec<Record>,
    },
    /// The server failed for this question (error code, lame or upward referral).
    Failure,
}

/// Reads `msg`, the response of a server for `zone` to `qname`/`qtype`.
pub fn classify(
    msg: &Message,
    zone: &Name,
    qname: &Name,
    qtype: RecordType,
    max_chain: usize,
) -> Outcome {
    if msg.rcode != Rcode::NOERROR && msg.rcode != Rcode::NXDOMAIN {
        return Outcome::Failure;
    }
    let in_zone = |r: &&Record| r.name.is_subdomain_of(zone);
    let mut chain = Vec::new();
    let mut cur = qname.clone();
    let mut records = Vec::new();
    for _ in 0..=max_chain {
        records = msg
            .answers
            .iter()
            .filter(in_zone)
            .filter(|r| r.name == cur && (r.rtype() == qtype || qtype == RecordType::ANY))
            .cloned()
            .collect();
        if !records.is_empty() {
            break;
        }
        let cname = msg.answers.iter().filter(in_zone).find(|r| {
            r.name == cur && r.rtype() == RecordType::CNAME && qtype != RecordType::CNAME
        });
        if let Some(RData::Cname(target)) = cname.map(|r| &r.rdata) {
            chain.extend(cname.cloned());
            cur = target.clone();
            continue;
        }
        // RFC 6672 §2.2: a DNAME above the name rewrites its suffix.
        let dname = msg
            .answers
            .iter()
            .filter(in_zone)
            .find_map(|r| match &r.rdata {
                RData::Dname(target) if cur.is_subdomain_of(&r.name) && cur != r.name => {
                    Some((r, target))
                }
                _ => None,
            });
        let Some((dname, target)) = dname else { break };
        let Some(next) = cur.replace_suffix(&dname.name, target) else {
            break;
        };
        chain.push(dname.clone());
        chain.push(Record::new(
            cur.clone(),
            dname.ttl,
            RData::Cname(next.clone()),
        ));
        cur = next;
    }
    if !records.is_empty() {
        return Outcome::Answer { chain, records };
    }
    if chain.len() > max_chain {
        // A chain this long (or a loop) is left to the task's limit.
        return Outcome::Chain { chain, next: cur };
    }
    let cur_in_zone = cur.is_subdomain_of(zone);
    if !cur_in_zone {
        // The chain left this server's zone: its view of the target is no authority.
        return if chain.is_empty() {
            Outcome::Failure
        } else {
            Outcome::Chain { chain, next: cur }
        };
    }
    let soa = msg
        .authority
        .iter()
        .filter(in_zone)
        .find(|r| r.rtype() == RecordType::SOA && cur.is_subdomain_of(&r.name))
        .cloned();
    if msg.rcode == Rcode::NXDOMAIN {
        return Outcome::NxDomain {
            chain,
            soa,
            name: cur,
        };
    }
    if let Some(referral) = referral(msg, zone, &cur) {
        return if chain.is_empty() {
            referral
        } else {
            Outcome::Chain { chain, next: cur }
        };
    }
    if soa.is_some() || msg.flags.authoritative {
        return Outcome::NoData {
            chain,
            soa,
            name: cur,
        };
    }
    if chain.is_empty() {
        Outcome::Failure
    } else {
        Outcome::Chain { chain, next: cur }
    }
}

/// An NS set in authority for a strict subdomain of `zone` holding `name`,
/// with the glue addresses that are themselves inside `zone`.
fn referral(msg: &Message, zone: &Name, name: &Name) -> Option<Outcome> {
    let child = msg
        .authority
        .iter()
        .find(|r| {
            r.rtype() == RecordType::NS
                && r.name != *zone
                && r.name.is_subdomain_of(zone)
                && name.is_subdomain_of(&r.name)
        })?
        .name
        .clone();
    let ns: Vec<Record> = msg
        .authority
        .iter()
        .filter(|r| r.rtype() == RecordType::NS && r.name == child)
        .cloned()
        .collect();
    let glue = msg
        .additional
        .iter()
        .filter(|r| matches!(r.rtype(), RecordType::A | RecordType::AAAA))
        .filter(|r| r.name.is_subdomain_of(zone))
        .filter(|r| ns.iter().any(|n| n.rdata.target() == Some(&r.name)))
        .cloned()
        .collect();
    Some(Outcome::Referral {
        zone: child,
        ns,
        glue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Question, Soa};

    fn rec(name: &str, rdata: RData) -> Record {
        Record::new(name.parse().unwrap(), 300, rdata)
    }

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn response(answers: Vec<Record>, authority: Vec<Record>, additional: Vec<Record>) -> Message {
        let mut m = Message::query(1, Question::new(n("www.example.com"), RecordType::A), false);
        m.flags.response = true;
        m.answers = answers;
        m.authority = authority;
        m.additional = additional;
        m
    }

    #[test]
    fn out_of_bailiwick_records_are_ignored() {
        // The example.com server claims an address for a name outside its zone.
        let m = response(
            vec![
                rec("www.example.com", RData::Cname(n("www.victim.org"))),
                rec("www.victim.org", RData::A([6, 6, 6, 6].into())),
            ],
            vec![],
            vec![],
        );
        let out = classify(
            &m,
            &n("example.com"),
            &n("www.example.com"),
            RecordType::A,
            8,
        );
        assert!(
            matches!(out, Outcome::Chain { ref next, ref chain } if *next == n("www.victim.org") && chain.len() == 1)
        );
    }

    #[test]
    fn referral_glue_must_be_in_the_asked_zone() {
        let m = response(
            vec![],
            vec![
                rec("example.com", RData::Ns(n("ns1.example.com"))),
                rec("example.com", RData::Ns(n("ns.other.net"))),
            ],
            vec![
                rec("ns1.example.com", RData::A([192, 0, 2, 1].into())),
                rec("ns.other.net", RData::A([6, 6, 6, 6].into())),
            ],
        );
        let Outcome::Referral { zone, ns, glue } =
            classify(&m, &n("com"), &n("www.example.com"), RecordType::A, 8)
        else {
            panic!()
        };
        assert_eq!((zone, ns.len(), glue.len()), (n("example.com"), 2, 1));
        // An "upward" or sideways referral is a lame server.
        assert_eq!(
            classify(
                &m,
                &n("example.com"),
                &n("www.example.com"),
                RecordType::A,
                8
            ),
            Outcome::Failure
        );
    }

    #[test]
    fn negative_answers_and_dname() {
        let soa = rec(
            "example.com",
            RData::Soa(Soa {
                mname: n("ns1.example.com"),
                rname: n("h.example.com"),
                serial: 1,
                refresh: 2,
                retry: 3,
                expire: 4,
                minimum: 60,
            }),
        );
        let mut m = response(vec![], vec![soa.clone()], vec![]);
        m.rcode = Rcode::NXDOMAIN;
        let out = classify(
            &m,
            &n("example.com"),
            &n("www.example.com"),
            RecordType::A,
            8,
        );
        assert!(matches!(out, Outcome::NxDomain { soa: Some(_), .. }));
        m.rcode = Rcode::SERVFAIL;
        assert_eq!(
            classify(
                &m,
                &n("example.com"),
                &n("www.example.com"),
                RecordType::A,
                8
            ),
            Outcome::Failure
        );
        let m = response(
            vec![
                rec("old.example.com", RData::Dname(n("new.example.com"))),
                rec("www.new.example.com", RData::A([192, 0, 2, 8].into())),
            ],
            vec![],
            vec![],
        );
        let Outcome::Answer { chain, records } = classify(
            &m,
            &n("example.com"),
            &n("www.old.example.com"),
            RecordType::A,
            8,
        ) else {
            panic!()
        };
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1].rdata, RData::Cname(n("www.new.example.com")));
        assert_eq!(records.len(), 1);
    }
}
