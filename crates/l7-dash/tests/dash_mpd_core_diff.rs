//! Differential test against dash-mpd-core (the MPD model of the dash-mpd
//! crate, serde over quick-xml): on ffmpeg's MPDs, the fuzz seeds and MPDs
//! we emit, both parsers accept and read the same periods, representations
//! (id, bandwidth, size, codecs, MIME type) and SegmentTemplates (media,
//! initialization, timescale, duration, startNumber, timeline).

use std::path::Path;
use std::time::Duration;

use l7_dash::mpd::{self, Mpd, SegmentTemplate};

/// What both models say about one document.
#[derive(Debug, PartialEq)]
struct Digest {
    duration: Option<Duration>,
    min_buffer: Option<Duration>,
    periods: Vec<Vec<Vec<RepDigest>>>,
}

#[derive(Debug, PartialEq)]
struct RepDigest {
    id: Option<String>,
    bandwidth: Option<u64>,
    size: (Option<u64>, Option<u64>),
    codecs: Option<String>,
    mime: Option<String>,
    template: Option<TemplateDigest>,
}

#[derive(Debug, PartialEq)]
struct TemplateDigest {
    media: Option<String>,
    init: Option<String>,
    timescale: Option<u64>,
    duration: Option<u64>,
    start_number: Option<u64>,
    timeline: Option<Vec<(Option<u64>, u64, i64)>>,
}

fn ours(m: &Mpd) -> Digest {
    let t = |t: &SegmentTemplate| TemplateDigest {
        media: t.media.clone(),
        init: t.initialization.clone(),
        timescale: t.timescale,
        duration: t.duration,
        start_number: t.start_number,
        timeline: t
            .timeline
            .as_ref()
            .map(|v| v.iter().map(|s| (s.t, s.d, s.r)).collect()),
    };
    Digest {
        duration: m.media_presentation_duration,
        min_buffer: m.min_buffer_time,
        periods: m
            .periods
            .iter()
            .map(|p| {
                p.adaptation_sets
                    .iter()
                    .filter(|a| !a.representations.is_empty())
                    .map(|a| {
                        a.representations
                            .iter()
                            .map(|r| RepDigest {
                                id: Some(r.id.clone()),
                                bandwidth: Some(r.bandwidth),
                                size: (r.width.map(u64::from), r.height.map(u64::from)),
                                codecs: r.codecs.clone(),
                                mime: r.mime_type.clone(),
                                template: r.segment_template.as_ref().map(t),
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect(),
    }
}

fn oracle(m: &dash_mpd_core::MPD) -> Digest {
    let t = |t: &dash_mpd_core::SegmentTemplate| TemplateDigest {
        media: t.media.clone(),
        init: t.initialization.clone(),
        timescale: t.timescale,
        duration: t.duration.map(|d| d as u64),
        start_number: t.startNumber,
        timeline: t.SegmentTimeline.as_ref().map(|tl| {
            tl.segments
                .iter()
                .map(|s| (s.t, s.d, s.r.unwrap_or(0)))
                .collect()
        }),
    };
    Digest {
        duration: m.mediaPresentationDuration,
        min_buffer: m.minBufferTime,
        periods: m
            .periods
            .iter()
            .map(|p| {
                p.adaptations
                    .iter()
                    .filter(|a| !a.representations.is_empty())
                    .map(|a| {
                        a.representations
                            .iter()
                            .map(|r| RepDigest {
                                id: r.id.clone(),
                                bandwidth: r.bandwidth,
                                size: (r.width, r.height),
                                codecs: r.codecs.clone(),
                                mime: r.mimeType.clone(),
                                template: r.SegmentTemplate.as_ref().map(t),
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect(),
    }
}

fn documents() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["src/mpd/fixtures", "../../fuzz/corpus/dash_mpd"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "mpd") {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 4);
    out
}

#[test]
fn same_reading_as_dash_mpd_core() {
    for (name, doc) in documents() {
        let m = mpd::parse(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = std::str::from_utf8(&doc).unwrap();
        let o = dash_mpd_core::parse(text).unwrap_or_else(|e| panic!("{name}: oracle: {e}"));
        assert_eq!(ours(&m), oracle(&o), "{name}");
        // What we emit reads the same to the oracle.
        let again =
            dash_mpd_core::parse(&m.emit()).unwrap_or_else(|e| panic!("{name} emitted: {e}"));
        assert_eq!(ours(&m), oracle(&again), "{name} emitted");
    }
}
