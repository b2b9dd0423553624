//! Parses a response head and runs every RFC 9111 cache decision on it (Cache-Control, storability, freshness, age, reuse, 304 merge).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_http::fuzz_support::drive_cache(data);
});
