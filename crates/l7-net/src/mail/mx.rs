//! Finding where a domain's mail goes (RFC 5321 §5.1): its MX records in
//! order of preference (random among equals is allowed; we keep the
//! resolver's order), each exchange's addresses (from the additional
//! section when the resolver sent them, else an A/AAAA query), and the
//! domain's own address when it has no MX record (the implicit MX). Asked
//! of one recursive resolver with l7's own DNS client.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use l7_dns::wire::{Message, Name, RData, Rcode, RecordType};

use crate::dns::client::{exchange, query};

/// Time allowed for one DNS question.
const DNS_TIMEOUT: Duration = Duration::from_secs(5);
/// Most mail hosts tried per domain.
const MAX_HOSTS: usize = 8;

/// Why no host was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxError {
    /// The domain does not exist, or says it takes no mail (RFC 7505 null
    /// MX): a permanent failure.
    NoSuchDomain(String),
    /// The resolver did not answer usefully: try again later.
    Temporary(String),
}

/// A host to try: its name (for TLS) and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailHost {
    /// The exchange's name.
    pub name: String,
    /// One of its addresses, with the SMTP port.
    pub addr: SocketAddr,
}

async fn ask(resolver: SocketAddr, name: &Name, qtype: RecordType) -> Result<Message, MxError> {
    let q = query(name, qtype, true);
    let reply = exchange(resolver, &q, false, DNS_TIMEOUT)
        .await
        .map_err(|e| MxError::Temporary(format!("asking {resolver} for {name} {qtype:?}: {e}")))?
        .reply;
    match reply.rcode {
        Rcode::NOERROR => Ok(reply),
        Rcode::NXDOMAIN => Err(MxError::NoSuchDomain(format!("{name} does not exist"))),
        other => Err(MxError::Temporary(format!(
            "{resolver} answered {other:?} for {name} {qtype:?}"
        ))),
    }
}

fn addresses(records: &[l7_dns::wire::Record], owner: &Name) -> Vec<IpAddr> {
    records
        .iter()
        .filter(|r| &r.name == owner)
        .filter_map(|r| match &r.rdata {
            RData::A(a) => Some(IpAddr::V4(*a)),
            RData::Aaaa(a) => Some(IpAddr::V6(*a)),
            _ => None,
        })
        .collect()
}

async fn host_addresses(resolver: SocketAddr, name: &Name) -> Result<Vec<IpAddr>, MxError> {
    let mut out = addresses(&ask(resolver, name, RecordType::A).await?.answers, name);
    if out.is_empty() {
        out = addresses(&ask(resolver, name, RecordType::AAAA).await?.answers, name);
    }
    Ok(out)
}

/// The hosts to try for `domain`, best first, on `port`.
pub async fn lookup(
    resolver: SocketAddr,
    domain: &str,
    port: u16,
) -> Result<Vec<MailHost>, MxError> {
    let name: Name = domain
        .parse()
        .map_err(|_| MxError::NoSuchDomain(format!("{domain} is not a domain name")))?;
    let reply = ask(resolver, &name, RecordType::MX).await?;
    let mut exchanges: Vec<(u16, Name)> = reply
        .answers
        .iter()
        .filter_map(|r| match &r.rdata {
            RData::Mx {
                preference,
                exchange,
            } => Some((*preference, exchange.clone())),
            _ => None,
        })
        .collect();
    exchanges.sort_by_key(|(preference, _)| *preference);
    // RFC 7505: a single MX "." means the domain accepts no mail.
    if exchanges.len() == 1 && exchanges[0].1.is_root() {
        return Err(MxError::NoSuchDomain(format!(
            "{domain} accepts no mail (null MX)"
        )));
    }
    if exchanges.is_empty() {
        // RFC 5321 §5.1: no MX, so the domain itself is the implicit MX.
        exchanges.push((0, name));
    }
    let mut hosts = Vec::new();
    let mut last_error = None;
    for (_, exchange) in exchanges.iter().take(MAX_HOSTS) {
        let mut ips = addresses(&reply.additional, exchange);
        if ips.is_empty() {
            match host_addresses(resolver, exchange).await {
                Ok(found) => ips = found,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            }
        }
        let host = exchange.to_string().trim_end_matches('.').to_string();
        hosts.extend(ips.into_iter().map(|ip| MailHost {
            name: host.clone(),
            addr: SocketAddr::new(ip, port),
        }));
    }
    if hosts.is_empty() {
        return Err(match last_error {
            Some(MxError::NoSuchDomain(e)) if exchanges.len() == 1 => MxError::NoSuchDomain(e),
            Some(e) => e,
            None => MxError::Temporary(format!("no address found for {domain}'s mail hosts")),
        });
    }
    Ok(hosts)
}

/// The first `nameserver` of /etc/resolv.conf, port 53 (the system's resolver).
pub fn system_resolver() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some("nameserver"))
            .then(|| words.next()?.parse::<IpAddr>().ok())
            .flatten()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}
