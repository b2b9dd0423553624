//! Fuzzes the bandwidth trace reader: never panics; what parses emits text
//! that parses back identically, and rates are finite and non-negative.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(trace) = l7_dash::trace::Trace::parse(text) else {
        return;
    };
    assert_eq!(l7_dash::trace::Trace::parse(&trace.emit("")), Ok(trace.clone()));
    let r = trace.rate_bps(123.4);
    assert!(r.is_finite() && r >= 0.0);
});
