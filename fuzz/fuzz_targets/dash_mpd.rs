//! Fuzzes the MPD reader: never panics; what parses emits XML that parses
//! back to the same model; a parsed MPD's stream and its URLs never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mpd) = l7_dash::mpd::parse(data) else {
        return;
    };
    assert_eq!(l7_dash::mpd::parse(mpd.emit().as_bytes()).as_ref(), Ok(&mpd));
    if let Ok(stream) = mpd.stream() {
        for rung in 0..stream.reps.len() {
            let _ = stream.init_url(rung);
            for segment in 0..stream.segment_count().min(4) {
                let _ = stream.media_url(segment, rung);
            }
        }
        let _ = stream.ladder();
    }
});
