//! Fuzzes the POP3 command parser and server session (l7-mail `pop3`):
//! any bytes, in authorization and (after any login) transaction state
//! over an empty maildrop, never panic and never leave more than a bounded
//! amount of input buffered.
#![no_main]

use l7_mail::pop3::{self, Maildrop, Pop3Config, Pop3Event, Pop3Session};
use l7_wire::Instant;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let _ = pop3::Command::parse(line);
    }
    let mut config = Pop3Config::new("fuzz");
    config.plaintext_auth = true;
    config.tls_available = true;
    let mut s = Pop3Session::new(config, Instant::ZERO, false);
    for (i, chunk) in data.chunks(7).enumerate() {
        let now = Instant::from_millis(i as u64);
        s.handle_input(now, chunk);
        while let Some(event) = s.poll_event() {
            match event {
                Pop3Event::Authenticate { .. } => {
                    let empty = Maildrop::open(std::path::Path::new("/nonexistent/l7-fuzz"));
                    s.login_accepted(now, empty.expect("a missing Maildir is empty"));
                }
                Pop3Event::StartTls => s.tls_established(now),
                Pop3Event::Closed => {}
            }
        }
        while s.poll_transmit().is_some() {}
        if let Some(t) = s.poll_timeout() {
            s.handle_timeout(t);
        }
    }
});
