//! Decodes stored cache entries; anything that decodes must round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_http::fuzz_support::drive_cache_entry(data);
});
