//! The resolver's cache: RRsets whose TTLs count down from the `Instant`s
//! passed in, negative entries from the SOA (RFC 2308 §5: NXDOMAIN for a
//! name, NODATA for a name and type), trust ranks so glue never replaces
//! answer data (RFC 2181 §5.4.1), and a bound on entries with
//! least-recently-used eviction.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use l7_wire::Instant;

use crate::wire::{Name, RData, Record, RecordType};

/// Longest time anything is kept, whatever its TTL (as Unbound's default
/// cache-max-ttl).
pub const MAX_CACHE_TTL: u32 = 86_400;
/// Longest time a negative answer is kept (RFC 2308 §5 suggests 1-3 hours).
pub const MAX_NEGATIVE_TTL: u32 = 3 * 3600;
/// Stands for "all types" in the key of an NXDOMAIN entry.
const NXDOMAIN_TYPE: RecordType = RecordType(0);

/// How much a cached RRset is trusted (RFC 2181 §5.4.1), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Addresses from the additional section of a referral.
    Glue,
    /// NS records from the authority section of a referral.
    Referral,
    /// Data from the answer section.
    Answer,
}

/// What the cache knows about a name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// The RRset, TTLs lowered by the time spent in the cache.
    Records(Vec<Record>),
    /// The name exists without this type; the SOA to send in authority.
    NoData(Record),
    /// The name does not exist; the SOA to send in authority.
    NxDomain(Record),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    name: Box<[u8]>,
    rtype: RecordType,
}

#[derive(Debug)]
struct Entry {
    data: Cached,
    stored: Instant,
    expires: Instant,
    rank: Rank,
    tick: u64,
}

/// A bounded cache of RRsets and negative answers.
#[derive(Debug)]
pub struct Cache {
    entries: HashMap<Key, Entry>,
    by_use: BTreeMap<u64, Key>,
    tick: u64,
    capacity: usize,
}

impl Cache {
    /// A cache holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Cache {
        Cache {
            entries: HashMap::new(),
            by_use: BTreeMap::new(),
            tick: 0,
            capacity: capacity.max(1),
        }
    }

    /// Number of entries (expired ones included until they are looked at).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Caches an RRset (all records share owner and type) at `rank`,
    /// unless better-ranked data for it is still fresh.
    pub fn insert_rrset(&mut self, now: Instant, records: Vec<Record>, rank: Rank) {
        let Some(first) = records.first() else { return };
        let ttl = records
            .iter()
            .map(|r| r.ttl)
            .min()
            .unwrap_or(0)
            .min(MAX_CACHE_TTL);
        let key = Key {
            name: first.name.lower_wire().into_boxed_slice(),
            rtype: first.rtype(),
        };
        self.store(now, key, Cached::Records(records), ttl, rank);
    }

    /// Caches a negative answer for `name` (and `rtype`, for NODATA) from
    /// `soa`, for min(SOA TTL, SOA MINIMUM) (RFC 2308 §5).
    pub fn insert_negative(
        &mut self,
        now: Instant,
        name: &Name,
        rtype: Option<RecordType>,
        soa: Record,
    ) {
        let minimum = match &soa.rdata {
            RData::Soa(s) => s.minimum,
            _ => return,
        };
        let ttl = soa.ttl.min(minimum).min(MAX_NEGATIVE_TTL);
        let key = Key {
            name: name.lower_wire().into_boxed_slice(),
            rtype: rtype.unwrap_or(NXDOMAIN_TYPE),
        };
        let soa = Record { ttl, ..soa };
        let data = match rtype {
            Some(_) => Cached::NoData(soa),
            None => Cached::NxDomain(soa),
        };
        self.store(now, key, data, ttl, Rank::Answer);
    }

    fn store(&mut self, now: Instant, key: Key, data: Cached, ttl: u32, rank: Rank) {
        if ttl == 0 {
            return;
        }
        if let Some(old) = self.entries.get(&key)
            && old.expires > now
            && old.rank > rank
        {
            return;
        }
        self.tick += 1;
        let entry = Entry {
            data,
            stored: now,
            expires: now + Duration::from_secs(u64::from(ttl)),
            rank,
            tick: self.tick,
        };
        if let Some(old) = self.entries.insert(key.clone(), entry) {
            self.by_use.remove(&old.tick);
        }
        self.by_use.insert(self.tick, key);
        while self.entries.len() > self.capacity {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }

    /// What is known about `name`/`rtype` at `now`: an NXDOMAIN for the
    /// name answers every type.
    pub fn get(&mut self, now: Instant, name: &Name, rtype: RecordType) -> Option<Cached> {
        self.get_ranked(now, name, rtype, Rank::Glue)
    }

    /// Like [`Cache::get`], but only data trusted at least as `min`: a
    /// client is answered from answer data, never from glue or referral
    /// NS sets (RFC 2181 §5.4.1).
    pub fn get_ranked(
        &mut self,
        now: Instant,
        name: &Name,
        rtype: RecordType,
        min: Rank,
    ) -> Option<Cached> {
        let lower = name.lower_wire().into_boxed_slice();
        for rtype in [NXDOMAIN_TYPE, rtype] {
            let key = Key {
                name: lower.clone(),
                rtype,
            };
            if let Some(found) = self.fresh(now, &key, min) {
                return Some(found);
            }
        }
        None
    }

    fn fresh(&mut self, now: Instant, key: &Key, min: Rank) -> Option<Cached> {
        let entry = self.entries.get_mut(key)?;
        if entry.expires <= now {
            let tick = entry.tick;
            self.entries.remove(key);
            self.by_use.remove(&tick);
            return None;
        }
        if entry.rank < min {
            return None;
        }
        self.tick += 1;
        self.by_use.remove(&entry.tick);
        entry.tick = self.tick;
        self.by_use.insert(self.tick, key.clone());
        let elapsed = (now - entry.stored).as_secs();
        let age = |r: &Record| Record {
            ttl: r.ttl.min(MAX_CACHE_TTL).saturating_sub(elapsed as u32),
            ..r.clone()
        };
        Some(match &entry.data {
            Cached::Records(rs) => Cached::Records(rs.iter().map(age).collect()),
            Cached::NoData(soa) => Cached::NoData(age(soa)),
            Cached::NxDomain(soa) => Cached::NxDomain(age(soa)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Soa;

    fn a(name: &str, ttl: u32, last: u8) -> Record {
        Record::new(
            name.parse().unwrap(),
            ttl,
            RData::A([192, 0, 2, last].into()),
        )
    }

    fn soa(ttl: u32, minimum: u32) -> Record {
        Record::new(
            "example.com".parse().unwrap(),
            ttl,
            RData::Soa(Soa {
                mname: Name::root(),
                rname: Name::root(),
                serial: 1,
                refresh: 1,
                retry: 1,
                expire: 1,
                minimum,
            }),
        )
    }

    #[test]
    fn ttls_count_down_and_expire() {
        let mut c = Cache::new(10);
        let t0 = Instant::from_millis(1_000);
        c.insert_rrset(t0, vec![a("www.example.com", 60, 1)], Rank::Answer);
        let name: Name = "WWW.example.com".parse().unwrap();
        let later = t0 + Duration::from_secs(45);
        assert_eq!(
            c.get(later, &name, RecordType::A),
            Some(Cached::Records(vec![a("www.example.com", 15, 1)]))
        );
        assert_eq!(
            c.get(t0 + Duration::from_secs(60), &name, RecordType::A),
            None
        );
        assert!(c.is_empty());
    }

    #[test]
    fn negative_entries_use_the_soa_minimum() {
        let mut c = Cache::new(10);
        let t0 = Instant::ZERO;
        let name: Name = "nope.example.com".parse().unwrap();
        c.insert_negative(t0, &name, None, soa(3600, 300));
        assert!(
            matches!(c.get(t0, &name, RecordType::MX), Some(Cached::NxDomain(s)) if s.ttl == 300)
        );
        assert_eq!(
            c.get(t0 + Duration::from_secs(300), &name, RecordType::MX),
            None
        );
        c.insert_negative(t0, &name, Some(RecordType::AAAA), soa(60, 300));
        assert!(
            matches!(c.get(t0, &name, RecordType::AAAA), Some(Cached::NoData(s)) if s.ttl == 60)
        );
        assert_eq!(c.get(t0, &name, RecordType::A), None);
    }

    #[test]
    fn glue_does_not_replace_answers_and_lru_evicts() {
        let mut c = Cache::new(2);
        let t0 = Instant::ZERO;
        c.insert_rrset(t0, vec![a("a.test", 60, 1)], Rank::Answer);
        c.insert_rrset(t0, vec![a("a.test", 60, 9)], Rank::Glue);
        let a_name: Name = "a.test".parse().unwrap();
        assert_eq!(
            c.get(t0, &a_name, RecordType::A),
            Some(Cached::Records(vec![a("a.test", 60, 1)]))
        );
        c.insert_rrset(t0, vec![a("b.test", 60, 2)], Rank::Answer);
        // Reading a.test makes b.test the least recently used.
        c.get(t0, &a_name, RecordType::A);
        c.insert_rrset(t0, vec![a("c.test", 60, 3)], Rank::Answer);
        assert_eq!(c.len(), 2);
        assert!(
            c.get(t0, &a_name, RecordType::A).is_some(),
            "recently used survives"
        );
        assert!(
            c.get(t0, &"b.test".parse().unwrap(), RecordType::A)
                .is_none(),
            "least recently used is evicted"
        );
    }
}
