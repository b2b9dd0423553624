//! Fuzzes the strict bencode parser: never panics; accepted input is canonical
//! (re-encodes to the same bytes); the raw `info` span lies inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = l7_p2p::bencode::decode(data) {
        assert_eq!(v.to_bytes(), data);
    }
    if let Ok((v, n)) = l7_p2p::bencode::parse(data) {
        assert_eq!(v.to_bytes(), &data[..n]);
    }
    if let Ok(Some(raw)) = l7_p2p::bencode::raw_dict_value(data, b"info") {
        assert!(raw.len() < data.len());
    }
});
