//! Fuzzes metainfo parsing: never panics; every accepted torrent has safe
//! paths and a consistent piece count, and re-parses from its own encoding.
#![no_main]
use l7_p2p::metainfo::{Metainfo, validate_component};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Metainfo::parse(data) {
        for (path, _) in m.info.file_list() {
            for c in &path {
                assert!(validate_component(c).is_ok());
            }
        }
        assert_eq!(m.info.pieces.len(), m.info.layout().piece_count() as usize);
        let again = Metainfo::parse(&m.to_bytes()).expect("own encoding parses");
        assert_eq!(again.info, m.info);
    }
});
