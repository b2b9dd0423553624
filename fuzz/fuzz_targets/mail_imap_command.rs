//! Fuzzes the IMAP command parser and server session (l7-mail `imap`):
//! framing and parsing any bytes (and FETCH items with their section
//! specs) never panic and respect the bounds, and
//! the session — before login and after one, over a home that cannot be
//! created (`/dev/null/...`, so no command touches the disk) — answers
//! anything without panicking.
#![no_main]

use l7_mail::imap::fetch;
use l7_mail::imap::parser::{self, Frame};
use l7_mail::imap::{ImapConfig, ImapEvent, ImapSession};
use l7_wire::Instant;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Frame::Complete(n)) = parser::frame(data) {
        assert!(n <= data.len());
        if let Ok(c) = parser::parse(&data[..n]) {
            assert!(!c.tag.is_empty() && c.args.len() <= parser::MAX_VALUES);
            // FETCH items and their sections (`BODY[1.2.MIME]<0.9>`).
            for arg in &c.args {
                let _ = fetch::parse_items(arg);
            }
        }
    }
    let mut config = ImapConfig::new("fuzz");
    config.plaintext_auth = true;
    config.tls_available = true;
    let mut s = ImapSession::new(config, Instant::ZERO, false);
    for (i, chunk) in data.chunks(11).enumerate() {
        let now = Instant::from_millis(i as u64);
        s.handle_input(now, chunk);
        while let Some(event) = s.poll_event() {
            match event {
                ImapEvent::Authenticate { .. } => {
                    s.login_accepted(now, "/dev/null/l7-fuzz".into());
                }
                ImapEvent::StartTls => s.tls_established(now),
                ImapEvent::Closed => {}
            }
        }
        while s.poll_transmit().is_some() {}
        if let Some(t) = s.poll_timeout(now) {
            s.handle_timeout(t);
        }
    }
});
