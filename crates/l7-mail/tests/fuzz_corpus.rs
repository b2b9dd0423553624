//! Replays the committed fuzz corpora (fuzz/corpus/mail_*) on stable, the
//! way CI runs them: every input must be handled without a panic, with the
//! same checks the fuzz targets make.

use l7_mail::message::Message;
use l7_mail::smtp::command::Command;
use std::path::PathBuf;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!inputs.is_empty(), "empty corpus {}", dir.display());
    inputs
}

#[test]
fn mail_smtp_command_corpus() {
    for data in corpus("mail_smtp_command") {
        let _ = Command::parse_line(&data);
        if let Ok((command, _)) = Command::parse(&data) {
            let mut wire = Vec::new();
            command.emit(&mut wire);
            assert_eq!(Command::parse(&wire).unwrap().0, command);
        }
    }
}

#[test]
fn mail_message_corpus() {
    for data in corpus("mail_message") {
        if let Ok(message) = Message::parse(&data) {
            assert!(message.body.len() <= data.len());
            message
                .headers
                .fields()
                .iter()
                .for_each(|f| drop(f.value()));
        }
    }
}

#[test]
fn mail_pop3_session_corpus() {
    use l7_mail::pop3::{Maildrop, Pop3Config, Pop3Event, Pop3Session};
    use l7_wire::Instant;
    for data in corpus("mail_pop3_session") {
        let mut config = Pop3Config::new("fuzz");
        config.plaintext_auth = true;
        let mut s = Pop3Session::new(config, Instant::ZERO, false);
        s.handle_input(Instant::ZERO, &data);
        while let Some(event) = s.poll_event() {
            if let Pop3Event::Authenticate { .. } = event {
                let empty = Maildrop::open(std::path::Path::new("/nonexistent/l7-fuzz")).unwrap();
                s.login_accepted(Instant::ZERO, empty);
            }
        }
        while s.poll_transmit().is_some() {}
    }
}
