//! The IMAP session driven step by step: a large FETCH is rendered a chunk
//! at a time as the driver takes it (bounded memory), and a command
//! pipelined behind it is answered only after its completion.

use l7_mail::imap::selected::FETCH_CHUNK;
use l7_mail::imap::{ImapConfig, ImapEvent, ImapSession};
use l7_mail::store::{Maildir, UniqueName};
use l7_wire::Instant;

#[test]
fn a_large_fetch_goes_out_in_chunks_before_the_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let md = Maildir::create(dir.path()).unwrap();
    let body = "x".repeat(4000);
    let count = 2 * FETCH_CHUNK / body.len() + 10;
    for i in 0..count as u64 {
        let text = format!("Subject: m{i}\r\n\r\n{body}\r\n");
        md.deliver(
            &UniqueName::new(1_700_000_000 + i as i64, 1, i, "h"),
            text.as_bytes(),
        )
        .unwrap();
    }
    let mut config = ImapConfig::new("hamburger.edu");
    config.plaintext_auth = true;
    let now = Instant::ZERO;
    let mut s = ImapSession::new(config, now, false);
    s.set_unix_time(1_800_000_000);
    s.handle_input(now, b"a LOGIN bob hungry\r\n");
    assert!(matches!(
        s.poll_event(),
        Some(ImapEvent::Authenticate { .. })
    ));
    s.login_accepted(now, dir.path().to_path_buf());
    s.handle_input(now, b"b SELECT INBOX\r\n");
    while s.poll_transmit().is_some() {}
    s.handle_input(now, b"c FETCH 1:* (UID BODY.PEEK[])\r\nd NOOP\r\n");
    let mut chunks = Vec::new();
    while let Some(b) = s.poll_transmit() {
        chunks.push(b);
    }
    let largest = chunks.iter().map(Vec::len).max().unwrap();
    assert!(largest < FETCH_CHUNK + 8192, "a chunk of {largest} bytes");
    let all = String::from_utf8(chunks.concat()).unwrap();
    assert_eq!(all.matches(" FETCH (UID ").count(), count);
    let last = all.find(&format!("* {count} FETCH")).unwrap();
    let done = all.find("c OK FETCH completed").unwrap();
    let noop = all.find("d OK NOOP completed").unwrap();
    assert!(last < done && done < noop, "out of order");
}
