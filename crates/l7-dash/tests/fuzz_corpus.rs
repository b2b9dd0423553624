//! Replays the committed fuzz corpora (fuzz/corpus/dash_mpd and
//! fuzz/corpus/dash_trace) on stable with the fuzz targets' checks: nothing
//! panics, and what parses (or the packager rebuilds) emits text that
//! parses back to the same value.

use std::path::Path;
use std::time::Duration;

use l7_dash::mpd;
use l7_dash::mpd::package::{Asked, packaged};
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
    let (mut streams, mut rebuilt) = (0, 0);
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
            // The packager's rebuild, asked for what the MPD carries.
            let audio = m.audio_stream().ok().flatten();
            let asked = Asked {
                video: s.reps.iter().map(|r| r.bandwidth).collect(),
                audio: audio.and_then(|a| a.reps.first().map(|r| r.bandwidth)),
                segment: Duration::from_secs(2),
            };
            if let Ok(ours) = packaged(&m, &asked) {
                rebuilt += 1;
                assert_eq!(mpd::parse(ours.emit().as_bytes()), Ok(ours));
            }
        }
    }
    assert!(streams >= 4, "the seed MPDs are playable");
    assert!(rebuilt >= 1, "a seed is a package l7 rebuilds");
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
