//! Fuzzes the MIME structure walk behind IMAP's BODYSTRUCTURE and the
//! ENVELOPE builder (l7-mail `imap::bodystructure`, `imap::envelope`) and
//! the numbered-section walk (`imap::section`): any message bytes give a
//! balanced, bounded description and bounded sections without panicking.
#![no_main]

use l7_mail::imap::bodystructure::bodystructure;
use l7_mail::imap::envelope::envelope;
use l7_mail::imap::section::{SectionSpec, section_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    bodystructure(&mut out, data);
    assert!(out.starts_with(b"(") && out.ends_with(b")"));
    let mut env = Vec::new();
    envelope(&mut env, data);
    assert!(env.starts_with(b"(") && env.ends_with(b")"));
    // Numbered sections: a part path taken from the first bytes, with each
    // kind of section text, names at most the message (plus a CRLF).
    let path: Vec<String> = data
        .iter()
        .take(4)
        .map(|b| (u32::from(b % 4) + 1).to_string())
        .collect();
    for text in ["", ".MIME", ".HEADER", ".TEXT", ".HEADER.FIELDS (SUBJECT)"] {
        if let Some(spec) = SectionSpec::parse(&format!("{}{text}", path.join("."))) {
            assert!(section_bytes(data, &spec).len() <= data.len() + 2);
        }
    }
});
