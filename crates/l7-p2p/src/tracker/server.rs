//! The tracker server's request handling, transport-free: an HTTP announce
//! or scrape query string in, a bencoded body out; a UDP datagram in, a
//! datagram out. The driver supplies the packet's source address and the time.

use std::net::SocketAddr;

use l7_wire::Instant;

use super::udp::{ANNOUNCE_HEADER, MAX_UDP_SCRAPE, announce_header};
use super::{
    AnnounceRequest, ConnectionIds, Registry, UdpRequest, UdpResponse, encode_failure,
    encode_scrape, parse_scrape_query,
};
use crate::compact;

/// Answers `GET /announce?<query>` from `source`: always a bencoded body
/// (BEP 3: errors are a `failure reason` with status 200).
pub fn http_announce(
    registry: &mut Registry,
    now: Instant,
    source: SocketAddr,
    query: &str,
) -> Vec<u8> {
    match AnnounceRequest::parse_query(query).and_then(|req| {
        let resp = registry.announce(now, source, &req)?;
        Ok(resp.encode(req.compact))
    }) {
        Ok(body) => body,
        Err(e) => encode_failure(&e.to_string()),
    }
}

/// Answers `GET /scrape?<query>` (BEP 48).
pub fn http_scrape(registry: &Registry, query: &str) -> Vec<u8> {
    match parse_scrape_query(query) {
        Ok(hashes) => encode_scrape(&registry.scrape(&hashes)),
        Err(e) => encode_failure(&e.to_string()),
    }
}

/// Answers one UDP datagram (BEP 15); `None` for garbage that deserves no
/// reply. A busy server calls [`udp_reply`] with a buffer it keeps.
pub fn udp_datagram(
    registry: &mut Registry,
    ids: &ConnectionIds,
    now: Instant,
    source: SocketAddr,
    datagram: &[u8],
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    udp_reply(registry, ids, now, source, datagram, &mut out).then_some(out)
}

/// Answers one UDP datagram (BEP 15) into `out`, which is cleared first and
/// whose capacity is reused: an announce reply is written in place, peers
/// straight from the registry, with no allocation. False for garbage that
/// deserves no reply.
pub fn udp_reply(
    registry: &mut Registry,
    ids: &ConnectionIds,
    now: Instant,
    source: SocketAddr,
    datagram: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    let Ok(req) = UdpRequest::parse(datagram) else {
        return false;
    };
    let error = |out: &mut Vec<u8>, transaction_id, message: &str| {
        out.clear();
        UdpResponse::Error {
            transaction_id,
            message: message.to_string(),
        }
        .emit(out)
    };
    match req {
        UdpRequest::Connect { transaction_id } => UdpResponse::Connect {
            transaction_id,
            connection_id: ids.issue(source, now),
        }
        .emit(out),
        UdpRequest::Announce(a) if !ids.validate(a.connection_id, source, now) => {
            error(out, a.transaction_id, "invalid connection id")
        }
        UdpRequest::Announce(a) => {
            // The counters are known only after the peers are chosen: the
            // header's place is kept and written last.
            out.extend_from_slice(&[0; ANNOUNCE_HEADER]);
            let v4 = source.is_ipv4();
            // BEP 15: the response carries peers of the request's address family.
            let counts = registry.announce_each(now, source, &a.request, |peer, _| match peer {
                SocketAddr::V4(p) if v4 => compact::encode_v4([&p], out),
                SocketAddr::V6(p) if !v4 => compact::encode_v6([&p], out),
                _ => {}
            });
            match counts {
                Ok(c) => out[..ANNOUNCE_HEADER].copy_from_slice(&announce_header(
                    a.transaction_id,
                    c.interval,
                    c.incomplete,
                    c.complete,
                )),
                Err(e) => error(out, a.transaction_id, &e.to_string()),
            }
        }
        UdpRequest::Scrape {
            connection_id,
            transaction_id,
            ..
        } if !ids.validate(connection_id, source, now) => {
            error(out, transaction_id, "invalid connection id")
        }
        UdpRequest::Scrape {
            transaction_id,
            info_hashes,
            ..
        } => UdpResponse::Scrape {
            transaction_id,
            stats: registry
                .scrape(&info_hashes[..info_hashes.len().min(MAX_UDP_SCRAPE)])
                .into_iter()
                .map(|(_, s)| s)
                .collect(),
        }
        .emit(out),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metainfo::InfoHash;
    use crate::tracker::{AnnounceResponse, Event, RegistryConfig, TrackerError, UdpAnnounce};

    fn announce(port: u16) -> AnnounceRequest {
        AnnounceRequest {
            info_hash: InfoHash([9; 20]),
            peer_id: [1; 20],
            port,
            uploaded: 0,
            downloaded: 0,
            left: 10,
            event: Event::Started,
            compact: true,
            numwant: None,
            key: None,
        }
    }

    #[test]
    fn http_announce_uses_source_address_and_reports_failures() {
        let mut reg = Registry::new(RegistryConfig::default(), 3);
        let a: SocketAddr = "10.1.1.1:5000".parse().unwrap();
        let b: SocketAddr = "10.2.2.2:5000".parse().unwrap();
        http_announce(
            &mut reg,
            Instant::ZERO,
            a,
            &(announce(6881).to_query() + "&ip=6.6.6.6"),
        );
        let body = http_announce(&mut reg, Instant::ZERO, b, &announce(6882).to_query());
        let resp = AnnounceResponse::parse(&body).unwrap();
        assert_eq!(resp.peers.len(), 1);
        assert_eq!(resp.peers[0].addr, "10.1.1.1:6881".parse().unwrap());
        let failure = http_announce(&mut reg, Instant::ZERO, b, "info_hash=x");
        assert!(matches!(
            AnnounceResponse::parse(&failure),
            Err(TrackerError::Failure(_))
        ));
        let scrape = http_scrape(
            &reg,
            &format!("info_hash={}", InfoHash([9; 20]).to_percent_encoded()),
        );
        assert_eq!(
            crate::tracker::parse_scrape_response(&scrape).unwrap()[0]
                .1
                .incomplete,
            2
        );
    }

    #[test]
    fn udp_requires_a_valid_connection_id() {
        let mut reg = Registry::new(RegistryConfig::default(), 3);
        let ids = ConnectionIds::new([1; 16]);
        let client: SocketAddr = "10.1.1.1:5000".parse().unwrap();
        let now = Instant::from_millis(1_000_000);
        let mut out = Vec::new();
        UdpRequest::Connect { transaction_id: 77 }.emit(&mut out);
        let reply = udp_datagram(&mut reg, &ids, now, client, &out).unwrap();
        let UdpResponse::Connect {
            transaction_id: 77,
            connection_id,
        } = UdpResponse::parse(&reply, false).unwrap()
        else {
            panic!("expected a connect response");
        };
        let packet = |cid| {
            let mut out = Vec::new();
            UdpRequest::Announce(UdpAnnounce {
                connection_id: cid,
                transaction_id: 5,
                request: announce(6881),
                ip: 0,
            })
            .emit(&mut out);
            out
        };
        let ok = udp_datagram(&mut reg, &ids, now, client, &packet(connection_id)).unwrap();
        assert!(matches!(
            UdpResponse::parse(&ok, false).unwrap(),
            UdpResponse::Announce {
                transaction_id: 5,
                leechers: 1,
                ..
            }
        ));
        let bad = udp_datagram(&mut reg, &ids, now, client, &packet(connection_id ^ 1)).unwrap();
        assert!(matches!(
            UdpResponse::parse(&bad, false).unwrap(),
            UdpResponse::Error {
                transaction_id: 5,
                ..
            }
        ));
        let other: SocketAddr = "10.9.9.9:5000".parse().unwrap();
        let spoofed = udp_datagram(&mut reg, &ids, now, other, &packet(connection_id)).unwrap();
        assert!(matches!(
            UdpResponse::parse(&spoofed, false).unwrap(),
            UdpResponse::Error { .. }
        ));
        assert_eq!(udp_datagram(&mut reg, &ids, now, client, b"junk"), None);
    }
}
