//! Root hints: the root servers' names and addresses, read from a file in
//! master-file format (as IANA's `named.root`).

use std::net::IpAddr;

use crate::wire::{Name, RData, RecordType};
use crate::zone::{NoIncludes, ZoneError, parse_master_file};

/// A root server: its name and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootHint {
    /// The server's name.
    pub name: Name,
    /// One of its addresses.
    pub addr: IpAddr,
}

/// Reads root hints: the NS records of `.` and the addresses of those names.
pub fn parse_root_hints(text: &[u8], file: &str) -> Result<Vec<RootHint>, ZoneError> {
    let records = parse_master_file(text, file, &Name::root(), &mut NoIncludes)?;
    let servers: Vec<Name> = records
        .iter()
        .filter(|(r, _)| r.name.is_root() && r.rtype() == RecordType::NS)
        .filter_map(|(r, _)| r.rdata.target().cloned())
        .collect();
    let hints: Vec<RootHint> = records
        .iter()
        .filter(|(r, _)| servers.contains(&r.name))
        .filter_map(|(r, _)| match r.rdata {
            RData::A(a) => Some(RootHint {
                name: r.name.clone(),
                addr: IpAddr::V4(a),
            }),
            RData::Aaaa(a) => Some(RootHint {
                name: r.name.clone(),
                addr: IpAddr::V6(a),
            }),
            _ => None,
        })
        .collect();
    if hints.is_empty() {
        return Err(ZoneError {
            file: file.to_string(),
            line: 1,
            what: "no root server with an address (NS records of . and their A/AAAA)".into(),
        });
    }
    Ok(hints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_named_root_format() {
        let text =
            b".  3600000  NS  A.ROOT-SERVERS.NET.\nA.ROOT-SERVERS.NET. 3600000 A 198.41.0.4\n\
A.ROOT-SERVERS.NET. 3600000 AAAA 2001:503:ba3e::2:30\nstray.example. 1 A 10.0.0.1\n";
        let hints = parse_root_hints(text, "named.root").unwrap();
        assert_eq!(hints.len(), 2);
        assert_eq!(hints[0].addr.to_string(), "198.41.0.4");
        assert!(parse_root_hints(b". 1 NS a.root.\n", "x").is_err());
    }
}
