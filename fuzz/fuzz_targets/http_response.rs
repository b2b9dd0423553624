//! Fuzzes the HTTP/1.1 response-head parser and response framing, then the
//! client response reader on the same bytes.
#![no_main]

use l7_http::wire::ResponseHead;
use l7_http::wire::framing::response_framing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((head, used)) = ResponseHead::parse(data) {
        assert!(used <= data.len());
        let _ = response_framing("GET", &head);
    }
    l7_http::fuzz_support::drive_client(data);
});
