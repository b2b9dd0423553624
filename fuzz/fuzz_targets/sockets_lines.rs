//! Fuzzes the socket labs' stream parsers: the bounded line splitter and the
//! chat room fed arbitrary bytes, and the streaming uppercaser. The input's
//! first byte picks where the stream is cut in two.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_sockets::fuzz::lines(data);
});
