//! Replays the committed fuzz corpora (`fuzz/corpus/sockets_*`) on stable, so
//! every input the fuzzer ever kept is checked by `cargo test`.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        run(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus {}", dir.display());
}

#[test]
fn lines_corpus() {
    replay("sockets_lines", l7_sockets::fuzz::lines);
}

#[test]
fn ping_corpus() {
    replay("sockets_ping", l7_sockets::fuzz::ping);
}
