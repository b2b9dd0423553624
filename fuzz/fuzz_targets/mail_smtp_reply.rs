//! Fuzzes the SMTP reply parser the relay client reads servers with
//! (l7-mail `smtp::reply`): never panics, consumes no more than it was
//! given, and whatever parses re-emits to bytes that parse to the same reply.
#![no_main]

use l7_mail::smtp::reply::Reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((reply, used)) = Reply::parse(data) {
        assert!(used <= data.len());
        let mut wire = Vec::new();
        reply.emit(&mut wire);
        let (again, n) = Reply::parse(&wire).expect("emitted reply must parse");
        assert_eq!(again, reply);
        assert_eq!(n, wire.len());
    }
});
