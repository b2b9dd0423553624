//! Entry points shared by the cargo-fuzz targets (`fuzz/fuzz_targets/sockets_*`)
//! and the stable corpus replay (`tests/fuzz_corpus.rs`): each feeds arbitrary
//! bytes to a parser and checks the invariants that must hold on any input.

use crate::chat::{ChatRoom, Output};
use crate::line::{Line, LineSplitter};
use crate::ping::Ping;
use crate::upper::Uppercaser;

/// Line splitter, chat room and uppercaser on arbitrary bytes, cut in two.
pub fn lines(data: &[u8]) {
    let cut = data.first().map_or(0, |&b| b as usize).min(data.len());
    let (a, b) = data.split_at(cut);
    let mut split = LineSplitter::new(64);
    let mut out = Vec::new();
    split.push(a, &mut out);
    split.push(b, &mut out);
    assert!(split.pending() <= 65);
    assert!(out.iter().all(|l| match l {
        Line::Text(t) => t.len() <= 64,
        Line::TooLong => true,
    }));
    let mut room = ChatRoom::new(64);
    room.connect(1);
    room.connect(2);
    room.handle_input(1, a);
    room.handle_input(2, b);
    room.handle_input(1, b);
    while let Some(o) = room.poll_output() {
        if let Output::Send(_, bytes) = o {
            assert!(bytes.len() <= 64 + 200);
        }
    }
    let mut up = Uppercaser::new();
    let mut text = Vec::new();
    up.push(a, &mut text);
    up.push(b, &mut text);
    up.finish(&mut text);
}

/// The ping parser on arbitrary bytes: a parsed ping re-emits and re-parses.
pub fn ping(data: &[u8]) {
    if let Some(p) = Ping::parse(data) {
        let again = Ping::parse(&p.emit()).expect("emitted ping parses");
        assert_eq!(again.seq, p.seq);
    }
}
