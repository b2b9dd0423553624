//! Fuzzes the MPD reader: never panics; what parses emits XML that parses
//! back to the same model; a parsed MPD's streams and their URLs never
//! panic, nor does the packager's rebuild of it, whose MPD reads back.
#![no_main]
use std::time::Duration;

use l7_dash::mpd::package::{Asked, packaged};
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
    // The packager's rebuild, asked for what the MPD itself carries.
    let audio = mpd.audio_stream().ok().flatten();
    let asked = Asked {
        video: mpd
            .stream()
            .map(|s| s.reps.iter().map(|r| r.bandwidth).collect())
            .unwrap_or_default(),
        audio: audio.and_then(|a| a.reps.first().map(|r| r.bandwidth)),
        segment: Duration::from_secs(2),
    };
    if let Ok(ours) = packaged(&mpd, &asked) {
        assert_eq!(l7_dash::mpd::parse(ours.emit().as_bytes()), Ok(ours));
    }
});
