//! Fuzzes the MIME structure walk behind IMAP's BODYSTRUCTURE and the
//! ENVELOPE builder (l7-mail `imap::bodystructure`, `imap::envelope`): any
//! message bytes give a balanced, bounded description without panicking.
#![no_main]

use l7_mail::imap::bodystructure::bodystructure;
use l7_mail::imap::envelope::envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    bodystructure(&mut out, data);
    assert!(out.starts_with(b"(") && out.ends_with(b")"));
    let mut env = Vec::new();
    envelope(&mut env, data);
    assert!(env.starts_with(b"(") && env.ends_with(b")"));
});
