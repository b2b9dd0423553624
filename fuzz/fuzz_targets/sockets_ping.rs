//! Fuzzes the UDP pinger's datagram parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    l7_sockets::fuzz::ping(data);
});
