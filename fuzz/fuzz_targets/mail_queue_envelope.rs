//! Fuzzes the queue's envelope file parser (l7-mail `queue::envelope`): a
//! damaged file on disk never panics the delivery workers, and whatever
//! parses round-trips through `to_bytes`.
#![no_main]

use l7_mail::queue::QueueEnvelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = QueueEnvelope::parse(data) {
        let again = QueueEnvelope::parse(&envelope.to_bytes()).expect("written envelope must parse");
        assert_eq!(again, envelope);
    }
});
