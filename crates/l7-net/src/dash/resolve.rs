//! Host names of `l7 play` through a DNS resolver, as a browser's stub
//! resolver finds them: one recursive A query to the resolver, then the
//! answer's CNAME chain followed to an address. This is how a CDN's request
//! routing reaches the player: video.netcinema.com is a CNAME into
//! kingcdn.com, whose name server answers with the edge for the asker.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use l7_dns::wire::{Message, Name, RData, RecordType};

use crate::dns::client;
use crate::http::fetch::Resolver;

/// The address `host` has in `reply` (the answer to an A question for it),
/// following CNAMEs (RFC 1034 §3.6.2: the answer section carries the chain
/// from the alias to the canonical name's records).
pub fn address_in(reply: &Message, host: &Name) -> Option<Ipv4Addr> {
    let mut name = host.clone();
    // Each step consumes one record, so the chain is at most as long as the answer.
    for _ in 0..=reply.answers.len() {
        let mut next = None;
        for r in reply.answers.iter().filter(|r| r.name == name) {
            match &r.rdata {
                RData::A(ip) => return Some(*ip),
                RData::Cname(target) => next = Some(target.clone()),
                _ => {}
            }
        }
        name = next?;
    }
    None
}

/// Asks `server` (a recursive resolver) for `host`'s address.
pub async fn lookup(server: SocketAddr, host: &str, timeout: Duration) -> Result<IpAddr, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    let name: Name = host.parse().map_err(|e| format!("{e}"))?;
    let q = client::query(&name, RecordType::A, true);
    let ex = client::exchange(server, &q, false, timeout)
        .await
        .map_err(|e| format!("asking {server} for {host}: {e}"))?;
    address_in(&ex.reply, &name).map(IpAddr::V4).ok_or_else(|| {
        format!(
            "{server} has no address for {host} ({}) — check the name, or that the resolver reaches its servers",
            ex.reply.rcode.mnemonic().unwrap_or("no answer")
        )
    })
}

/// A [`Resolver`] that asks `server` for every host, then connects to
/// `port(the URL's port)` (a world moves privileged ports by an offset).
pub fn via_dns(
    server: SocketAddr,
    timeout: Duration,
    port: impl Fn(u16) -> u16 + Send + Sync + 'static,
) -> Resolver {
    let port = Arc::new(port);
    Arc::new(move |host: String, p: u16| {
        let port = port.clone();
        Box::pin(async move {
            let ip = lookup(server, &host, timeout).await?;
            Ok(SocketAddr::new(ip, port(p)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use l7_dns::wire::{Class, Question, Record};

    fn rec(name: &str, rdata: RData) -> Record {
        Record {
            name: name.parse().unwrap(),
            class: Class::IN,
            ttl: 30,
            rdata,
        }
    }

    fn reply(answers: Vec<Record>) -> Message {
        let q = Question::new("video.netcinema.com".parse().unwrap(), RecordType::A);
        let mut m = Message::query(1, q, true);
        m.answers = answers;
        m
    }

    #[test]
    fn follows_the_cname_into_the_cdn_to_the_edge() {
        let host: Name = "Video.NetCinema.com.".parse().unwrap();
        let edge = Ipv4Addr::new(127, 0, 40, 11);
        // Records in any order; an unrelated A record is not taken.
        let m = reply(vec![
            rec("other.kingcdn.com", RData::A(Ipv4Addr::new(10, 0, 0, 1))),
            rec("video.netcinema.kingcdn.com", RData::A(edge)),
            rec(
                "video.netcinema.com",
                RData::Cname("video.netcinema.kingcdn.com".parse().unwrap()),
            ),
        ]);
        assert_eq!(address_in(&m, &host), Some(edge));
    }

    #[test]
    fn a_cname_loop_or_a_dangling_cname_has_no_address() {
        let host: Name = "a.test".parse().unwrap();
        let cname = |t: &str| RData::Cname(t.parse().unwrap());
        let looped = reply(vec![
            rec("a.test", cname("b.test")),
            rec("b.test", cname("a.test")),
        ]);
        assert_eq!(address_in(&looped, &host), None);
        let dangling = reply(vec![rec("a.test", cname("b.test"))]);
        assert_eq!(address_in(&dangling, &host), None);
        assert_eq!(address_in(&reply(vec![]), &host), None);
    }
}
