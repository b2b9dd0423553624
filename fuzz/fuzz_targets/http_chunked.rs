//! Fuzzes the streaming chunked decoder; the first byte picks the size of the
//! pieces the rest is fed in, so resumption at every boundary is exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_http::fuzz_support::drive_chunked(data);
});
