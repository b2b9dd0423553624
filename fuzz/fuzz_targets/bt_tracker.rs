//! Fuzzes the tracker parsers, both sides: BEP 15 UDP requests and
//! responses (v4 and v6 peers), the HTTP announce response and scrape
//! response (BEP 3, 23, 48), and the announce query string: never panics,
//! and every UDP message parsed re-encodes to an equal message.
#![no_main]
use l7_p2p::tracker::{
    AnnounceRequest, AnnounceResponse, UdpRequest, UdpResponse, parse_scrape_response,
};
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
    let _ = AnnounceResponse::parse(data);
    let _ = parse_scrape_response(data);
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = AnnounceRequest::parse_query(q);
    }
});
