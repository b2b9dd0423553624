//! Replays the committed fuzz corpora (fuzz/corpus/bt_*) through the same
//! parsers and checks as the fuzz targets, so CI exercises them on stable.

use std::path::PathBuf;

use l7_p2p::bencode;
use l7_p2p::metainfo::{InfoHash, Layout, Metainfo};
use l7_p2p::peer_wire::{ExtendedHandshake, Handshake, Message, PexMessage};
use l7_p2p::swarm::{PeerConn, PeerKey};
use l7_wire::Instant;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(p).unwrap()))
        .collect()
}

#[test]
fn bt_bencode_corpus() {
    let mut accepted = 0;
    for (path, data) in corpus("bt_bencode") {
        if let Ok(v) = bencode::decode(&data) {
            assert_eq!(v.to_bytes(), data, "{}", path.display());
            accepted += 1;
        }
        let _ = bencode::raw_dict_value(&data, b"info");
    }
    assert!(accepted > 0);
}

#[test]
fn bt_metainfo_corpus() {
    let mut accepted = 0;
    for (path, data) in corpus("bt_metainfo") {
        if let Ok(m) = Metainfo::parse(&data) {
            let again = Metainfo::parse(&m.to_bytes()).unwrap();
            assert_eq!(again.info, m.info, "{}", path.display());
            accepted += 1;
        }
    }
    assert!(accepted > 0);
}

#[test]
fn bt_peer_message_corpus() {
    for (path, data) in corpus("bt_peer_message") {
        let _ = Handshake::parse(&data);
        let mut rest = &data[..];
        while let Ok((m, n)) = Message::parse(rest) {
            assert_eq!(m.to_bytes(), &rest[..n], "{}", path.display());
            if let Message::Extended { id, payload } = &m {
                let _ = if *id == 0 {
                    ExtendedHandshake::parse(payload).map(|_| ())
                } else {
                    PexMessage::parse(payload).map(|_| ())
                };
            }
            rest = &rest[n..];
        }
        // The session after a valid handshake, as in the fuzz target.
        let hash = InfoHash([7; 20]);
        let layout = Layout::new(vec![40_000], 16_384);
        let mut conn = PeerConn::new(PeerKey(1), hash, [1; 20], layout, Instant::ZERO);
        let mut hello = Vec::new();
        Handshake::new(hash, [2; 20]).emit(&mut hello);
        conn.handle_input(Instant::ZERO, &hello).unwrap();
        let _ = conn.handle_input(Instant::ZERO, &data);
        let _ = conn.poll_transmit();
    }
}

#[test]
fn bt_tracker_corpus() {
    use l7_p2p::tracker::{
        AnnounceRequest, AnnounceResponse, ConnectionIds, Registry, RegistryConfig, UdpRequest,
        UdpResponse, parse_scrape_response, udp_reply,
    };
    let mut accepted = 0;
    let mut announces_answered = 0;
    for (path, data) in corpus("bt_tracker") {
        // The server, as the fuzz target drives it: a valid connection id
        // is put in when the first byte is odd.
        let ids = ConnectionIds::new([5; 16]);
        let mut registry = Registry::new(RegistryConfig::default(), 1);
        let now = Instant::from_millis(1_000_000);
        let mut datagram = data.clone();
        for port in [1, 2] {
            let source = std::net::SocketAddr::from(([10, 0, 0, 1], port));
            if datagram.len() >= 8 && datagram[0] % 2 == 1 {
                datagram[..8].copy_from_slice(&ids.issue(source, now).to_be_bytes());
            }
            let mut reply = Vec::new();
            if udp_reply(&mut registry, &ids, now, source, &datagram, &mut reply) {
                let parsed = UdpResponse::parse(&reply, false);
                assert!(parsed.is_ok(), "{}", path.display());
                announces_answered +=
                    usize::from(matches!(parsed, Ok(UdpResponse::Announce { .. })));
            }
        }
        let mut ok = false;
        if let Ok(r) = UdpRequest::parse(&data) {
            let mut out = Vec::new();
            r.emit(&mut out);
            assert_eq!(UdpRequest::parse(&out).ok(), Some(r), "{}", path.display());
            ok = true;
        }
        for ipv6 in [false, true] {
            if let Ok(r) = UdpResponse::parse(&data, ipv6) {
                let mut out = Vec::new();
                r.emit(&mut out);
                assert_eq!(UdpResponse::parse(&out, ipv6).ok(), Some(r));
                ok = true;
            }
        }
        ok |= AnnounceResponse::parse(&data).is_ok();
        ok |= parse_scrape_response(&data).is_ok();
        if let Ok(q) = std::str::from_utf8(&data) {
            ok |= AnnounceRequest::parse_query(q).is_ok();
        }
        accepted += usize::from(ok);
    }
    assert!(accepted > 0);
    assert!(announces_answered > 0);
}
