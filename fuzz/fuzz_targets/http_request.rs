//! Fuzzes the HTTP/1.1 request-head parser, its semantic checks and body
//! framing, the demo shop's routing and the request-cookie lookup, then the
//! server connection state machine on the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_http::fuzz_support::check_request(data);
});
