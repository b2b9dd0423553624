//! A hosts file (`/etc/hosts` format: an address, then a name and its
//! aliases; `#` starts a comment) whose names the resolver answers first.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::wire::{Name, RData, Record, RecordType};

/// TTL of answers from the hosts file (the file may change at any time).
pub const HOSTS_TTL: u32 = 0;

/// Names and their addresses from a hosts file.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    names: HashMap<Name, Vec<IpAddr>>,
}

impl Hosts {
    /// Reads a hosts file; an error names the line and what is wrong.
    pub fn parse(text: &str) -> Result<Hosts, String> {
        let mut names: HashMap<Name, Vec<IpAddr>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let Some(addr) = fields.next() else { continue };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("line {}: {addr:?} is not an IP address", i + 1))?;
            let mut any = false;
            for host in fields {
                let name: Name = host.parse().map_err(|e| format!("line {}: {e}", i + 1))?;
                let addrs = names.entry(name).or_default();
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
                any = true;
            }
            if !any {
                return Err(format!("line {}: an address without a name", i + 1));
            }
        }
        Ok(Hosts { names })
    }

    /// True when the file names no host.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The answer for `name`/`rtype` when the file knows the name and the
    /// type is A or AAAA: the matching addresses (possibly none: NODATA).
    pub fn lookup(&self, name: &Name, rtype: RecordType) -> Option<Vec<Record>> {
        if !matches!(rtype, RecordType::A | RecordType::AAAA) {
            return None;
        }
        let addrs = self.names.get(name)?;
        Some(
            addrs
                .iter()
                .filter_map(|a| match (a, rtype) {
                    (IpAddr::V4(v4), RecordType::A) => Some(RData::A(*v4)),
                    (IpAddr::V6(v6), RecordType::AAAA) => Some(RData::Aaaa(*v6)),
                    _ => None,
                })
                .map(|rdata| Record::new(name.clone(), HOSTS_TTL, rdata))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_comments_and_errors() {
        let hosts = Hosts::parse(
            "# lab hosts\n127.0.0.1 localhost\n10.0.0.7 web.lab www.lab # alias\n::1 localhost\n",
        )
        .unwrap();
        let www: Name = "WWW.lab".parse().unwrap();
        let a = hosts.lookup(&www, RecordType::A).unwrap();
        assert_eq!(a[0].to_string(), "WWW.lab.\t0\tIN\tA\t10.0.0.7");
        assert_eq!(hosts.lookup(&www, RecordType::AAAA), Some(vec![]));
        assert_eq!(
            hosts
                .lookup(&"localhost".parse().unwrap(), RecordType::AAAA)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(hosts.lookup(&www, RecordType::MX), None);
        assert_eq!(
            hosts.lookup(&"other.lab".parse().unwrap(), RecordType::A),
            None
        );
        assert!(
            Hosts::parse("10.0.0.300 x")
                .unwrap_err()
                .starts_with("line 1:")
        );
        assert!(
            Hosts::parse("\n10.0.0.1\n")
                .unwrap_err()
                .starts_with("line 2:")
        );
    }
}
