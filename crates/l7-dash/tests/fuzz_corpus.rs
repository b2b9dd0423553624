//! Replays the committed fuzz corpora (fuzz/corpus/dash_mpd and
//! fuzz/corpus/dash_trace) on stable with the fuzz targets' checks: nothing
//! panics, and what parses emits text that parses back to the same value.

use std::path::Path;

use l7_dash::mpd;
use l7_dash::trace::Trace;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let inputs: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!inputs.is_empty());
    inputs
}

#[test]
fn dash_mpd_corpus() {
    let mut streams = 0;
    for data in corpus("dash_mpd") {
        let Ok(m) = mpd::parse(&data) else { continue };
        assert_eq!(mpd::parse(m.emit().as_bytes()).as_ref(), Ok(&m));
        if let Ok(s) = m.stream() {
            streams += 1;
            for rung in 0..s.reps.len() {
                let _ = s.init_url(rung);
                for segment in 0..s.segment_count().min(4) {
                    let _ = s.media_url(segment, rung);
                }
            }
        }
    }
    assert!(streams >= 4, "the seed MPDs are playable");
}

#[test]
fn dash_trace_corpus() {
    for data in corpus("dash_trace") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let Ok(t) = Trace::parse(text) else { continue };
        assert_eq!(Trace::parse(&t.emit("")), Ok(t.clone()));
    }
}
