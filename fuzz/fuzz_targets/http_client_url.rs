//! Parses URLs and HTML pages, resolving every referenced object against a base.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_http::fuzz_support::drive_url_and_page(data);
});
