//! Fuzzes the tracker parsers, both sides: BEP 15 UDP requests and
//! responses (v4 and v6 peers), the HTTP announce response and scrape
//! response (BEP 3, 23, 48), and the announce query string: never panics,
//! and every UDP message parsed re-encodes to an equal message. The UDP
//! server answers every datagram (with a valid connection id when the
//! first byte is odd) with a reply that parses.
#![no_main]
use l7_p2p::tracker::{
    AnnounceRequest, AnnounceResponse, ConnectionIds, Registry, RegistryConfig, UdpRequest,
    UdpResponse, parse_scrape_response, udp_reply,
};
use l7_wire::Instant;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = UdpRequest::parse(data) {
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(UdpRequest::parse(&out).ok(), Some(r));
    }
    for ipv6 in [false, true] {
        if let Ok(r) = UdpResponse::parse(data, ipv6) {
            let mut out = Vec::new();
            r.emit(&mut out);
            assert_eq!(UdpResponse::parse(&out, ipv6).ok(), Some(r));
        }
    }
    let ids = ConnectionIds::new([5; 16]);
    let mut registry = Registry::new(RegistryConfig::default(), 1);
    let now = Instant::from_millis(1_000_000);
    let mut datagram = data.to_vec();
    for port in [1, 2] {
        let source = std::net::SocketAddr::from(([10, 0, 0, 1], port));
        if datagram.len() >= 8 && datagram[0] % 2 == 1 {
            datagram[..8].copy_from_slice(&ids.issue(source, now).to_be_bytes());
        }
        let mut reply = Vec::new();
        if udp_reply(&mut registry, &ids, now, source, &datagram, &mut reply) {
            assert!(UdpResponse::parse(&reply, false).is_ok());
        }
    }
    let _ = AnnounceResponse::parse(data);
    let _ = parse_scrape_response(data);
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = AnnounceRequest::parse_query(q);
    }
});
