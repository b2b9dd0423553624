//! Fuzzes the RFC 5322 header parser (l7-mail `message`): never panics,
//! stays within its bounds, and every field's value can be unfolded.
#![no_main]

use l7_mail::message::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::parse(data) {
        assert!(message.body.len() <= data.len());
        for field in message.headers.fields() {
            let _ = field.value();
        }
        let mut out = Vec::new();
        message.headers.emit(&mut out);
    }
});
