//! Fuzzes the SMTP command parser (l7-mail `smtp::command`): never panics,
//! and whatever parses re-emits to bytes that parse to the same command.
#![no_main]

use l7_mail::smtp::command::Command;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Command::parse_line(data);
    if let Ok((command, used)) = Command::parse(data) {
        assert!(used <= data.len());
        let mut wire = Vec::new();
        command.emit(&mut wire);
        let (again, n) = Command::parse(&wire).expect("emitted command must parse");
        assert_eq!(again, command);
        assert_eq!(n, wire.len());
    }
});
