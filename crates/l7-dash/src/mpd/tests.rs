//! The MPD model against MPDs ffmpeg's dash muxer wrote (fixtures made by
//! the commands in fixtures/README), and the emit/parse round trip.

use std::time::Duration;

use proptest::prelude::*;

use super::*;

const TIMELINE: &[u8] = include_bytes!("fixtures/ffmpeg-timeline.mpd");
const DURATION: &[u8] = include_bytes!("fixtures/ffmpeg-duration.mpd");
const AV: &[u8] = include_bytes!("fixtures/ffmpeg-av.mpd");

#[test]
fn reads_ffmpegs_timeline_mpd() {
    let m = parse(TIMELINE).unwrap();
    assert_eq!(m.presentation_type, PresentationType::Static);
    assert_eq!(m.media_presentation_duration, Some(Duration::from_secs(8)));
    assert_eq!(m.min_buffer_time, Some(Duration::from_secs(4)));
    let set = &m.periods[0].adaptation_sets[0];
    assert_eq!(set.content_type.as_deref(), Some("video"));
    let r = &set.representations[0];
    assert_eq!((r.id.as_str(), r.bandwidth), ("0", 300_000));
    assert_eq!((r.width, r.height), (Some(320), Some(180)));
    assert_eq!(r.codecs.as_deref(), Some("avc1.64000d"));
    let t = r.segment_template.as_ref().unwrap();
    assert_eq!(t.timescale, Some(12800));
    assert_eq!(
        t.timeline.as_ref().unwrap()[0],
        TimelineEntry {
            t: Some(0),
            d: 25600,
            r: 3
        }
    );
    let s = m.stream().unwrap();
    assert_eq!(s.segment_count(), 4);
    assert_eq!(s.ladder().segment_s, vec![2.0; 4]);
    assert_eq!(s.init_url(0).unwrap().as_deref(), Some("init-stream0.m4s"));
    assert_eq!(s.media_url(3, 0).unwrap(), "chunk-stream0-00004.m4s");
}

#[test]
fn reads_ffmpegs_duration_mpd_and_picks_a_video_set() {
    let m = parse(DURATION).unwrap();
    assert_eq!(m.periods[0].adaptation_sets.len(), 2);
    let s = m.stream().unwrap();
    // Two sets of one representation each: the first video set plays.
    assert_eq!(s.reps.len(), 1);
    assert_eq!(s.segment_count(), 4);
    assert_eq!(s.media_url(0, 0).unwrap(), "chunk-stream0-00001.m4s");
}

#[test]
fn reads_ffmpegs_audio_video_mpd_as_a_ladder() {
    let m = parse(AV).unwrap();
    let s = m.stream().unwrap();
    assert_eq!(
        s.reps.iter().map(|r| r.bandwidth).collect::<Vec<_>>(),
        [300_000, 800_000]
    );
    let ladder = s.ladder();
    assert_eq!(ladder.bitrates, vec![300_000.0, 800_000.0]);
    assert_eq!(s.media_url(1, 1).unwrap(), "chunk-stream1-00002.m4s");
    let audio = &m.periods[0].adaptation_sets[1].representations[0];
    assert_eq!(audio.mime_type.as_deref(), Some("audio/mp4"));
    // The audio set, played alongside.
    let a = m.audio_stream().unwrap().expect("an audio set");
    assert_eq!(a.reps.len(), 1);
    assert_eq!((a.reps[0].id.as_str(), a.reps[0].bandwidth), ("2", 64_000));
    // ffmpeg cut the audio into 2 s segments and a last sliver of 59 ms.
    assert_eq!(a.segment_count(), 5);
    assert!(a.media_url(0, 0).unwrap().starts_with("chunk-stream2-"));
    // A video-only MPD has none.
    assert_eq!(parse(TIMELINE).unwrap().audio_stream().unwrap(), None);
}

#[test]
fn fixtures_survive_emit_and_parse() {
    for doc in [TIMELINE, DURATION, AV] {
        let m = parse(doc).unwrap();
        assert_eq!(parse(m.emit().as_bytes()).unwrap(), m);
    }
}

#[test]
fn base_urls_chain_and_template_inherits() {
    let doc = br#"<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" mediaPresentationDuration="PT10S">
      <BaseURL>http://cdn.example/v/</BaseURL>
      <Period><AdaptationSet mimeType="video/mp4">
        <SegmentTemplate timescale="1000" duration="4000" media="$RepresentationID$/$Time$.m4s" startNumber="0"/>
        <Representation id="hi" bandwidth="2000000"><BaseURL>hi-dir/</BaseURL>
          <SegmentTemplate media="$Bandwidth$-$Number%03d$.m4s"/></Representation>
        <Representation id="lo" bandwidth="500000"/>
      </AdaptationSet></Period></MPD>"#;
    let s = parse(doc).unwrap().stream().unwrap();
    assert_eq!(s.reps[0].id, "lo", "ascending bandwidth");
    assert_eq!(s.segment_count(), 3);
    assert_eq!(
        s.media_url(2, 0).unwrap(),
        "http://cdn.example/v/lo/8000.m4s"
    );
    assert_eq!(
        s.media_url(1, 1).unwrap(),
        "http://cdn.example/v/hi-dir/2000000-001.m4s"
    );
    assert_eq!(s.ladder().segment_s, vec![4.0, 4.0, 2.0]);
}

#[test]
fn errors_say_what_is_wrong() {
    let e = |doc: &str| parse(doc.as_bytes()).unwrap_err();
    assert!(matches!(e("<html/>"), MpdError::NotMpd(_)));
    assert!(matches!(
        e("<MPD type='live'/>"),
        MpdError::Invalid {
            attribute: "type",
            ..
        }
    ));
    assert!(matches!(
        e("<MPD><Period><AdaptationSet><Representation id='a'/></AdaptationSet></Period></MPD>"),
        MpdError::Missing {
            attribute: "bandwidth",
            ..
        }
    ));
    assert!(matches!(
        e("<MPD minBufferTime='soon'/>"),
        MpdError::Invalid { .. }
    ));
    assert!(matches!(
        e("<MPD><Period><AdaptationSet startWithSAP='7'/></Period></MPD>"),
        MpdError::Invalid {
            attribute: "startWithSAP",
            ..
        }
    ));
    let no_length = parse(
        b"<MPD><Period><AdaptationSet><Representation id='a' bandwidth='1'>\
          <SegmentTemplate media='x' duration='2'/></Representation></AdaptationSet></Period></MPD>",
    )
    .unwrap();
    assert!(matches!(
        no_length.stream(),
        Err(MpdError::UnknownLength(_))
    ));
    assert!(matches!(
        parse(b"<MPD/>").unwrap().stream(),
        Err(MpdError::NothingToPlay)
    ));
}

fn text() -> impl Strategy<Value = String> {
    "[ -~]{0,12}".prop_map(|s| s.trim().to_string())
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn dur() -> impl Strategy<Value = Duration> {
    (0u64..1_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n))
}

fn template() -> impl Strategy<Value = SegmentTemplate> {
    let entry = (opt(any::<u64>()), any::<u64>(), -1i64..100).prop_map(|(t, d, r)| TimelineEntry {
        t,
        d,
        r,
    });
    (
        opt(text()),
        opt(text()),
        opt(1u64..1_000_000),
        opt(any::<u64>()),
        opt(any::<u64>()),
        opt(any::<u64>()),
        opt(prop::collection::vec(entry, 0..4)),
    )
        .prop_map(
            |(media, initialization, timescale, duration, start_number, pto, timeline)| {
                SegmentTemplate {
                    media,
                    initialization,
                    timescale,
                    duration,
                    start_number,
                    presentation_time_offset: pto,
                    timeline,
                }
            },
        )
}

fn representation() -> impl Strategy<Value = Representation> {
    (
        text(),
        any::<u64>(),
        (opt(any::<u32>()), opt(any::<u32>())),
        (opt(text()), opt(text()), opt(text())),
        opt(text()),
        opt(template()),
    )
        .prop_map(
            |(
                id,
                bandwidth,
                (width, height),
                (codecs, mime_type, frame_rate),
                base_url,
                segment_template,
            )| {
                Representation {
                    id,
                    bandwidth,
                    width,
                    height,
                    codecs,
                    mime_type,
                    frame_rate,
                    base_url,
                    segment_template,
                }
            },
        )
}

fn adaptation_set() -> impl Strategy<Value = AdaptationSet> {
    (
        (opt(text()), opt(text()), opt(text()), opt(text())),
        (
            opt(any::<bool>()),
            opt(0..=6u8),
            opt(any::<u32>()),
            opt(any::<u32>()),
            opt(text()),
        ),
        opt(template()),
        prop::collection::vec(representation(), 0..3),
    )
        .prop_map(
            |(
                (id, content_type, mime_type, codecs),
                (segment_alignment, start_with_sap, max_width, max_height, frame_rate),
                segment_template,
                representations,
            )| {
                AdaptationSet {
                    id,
                    content_type,
                    mime_type,
                    codecs,
                    segment_alignment,
                    start_with_sap,
                    max_width,
                    max_height,
                    frame_rate,
                    segment_template,
                    representations,
                }
            },
        )
}

fn mpd() -> impl Strategy<Value = Mpd> {
    let period = (
        opt(text()),
        opt(dur()),
        opt(dur()),
        opt(text()),
        prop::collection::vec(adaptation_set(), 0..3),
    )
        .prop_map(|(id, start, duration, base_url, adaptation_sets)| Period {
            id,
            start,
            duration,
            base_url,
            adaptation_sets,
        });
    (
        opt(text()),
        any::<bool>(),
        (opt(dur()), opt(dur()), opt(dur())),
        opt(text()),
        prop::collection::vec(period, 0..3),
    )
        .prop_map(
            |(profiles, dynamic, (mpd_d, max_seg, min_buf), base_url, periods)| Mpd {
                profiles,
                presentation_type: if dynamic {
                    PresentationType::Dynamic
                } else {
                    PresentationType::Static
                },
                media_presentation_duration: mpd_d,
                max_segment_duration: max_seg,
                min_buffer_time: min_buf,
                base_url,
                periods,
            },
        )
}

proptest! {
    #[test]
    fn parse_emit_round_trip(m in mpd()) {
        let xml = m.emit();
        prop_assert_eq!(parse(xml.as_bytes()).unwrap(), m);
    }

    #[test]
    fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(m) = parse(&bytes) {
            let _ = m.stream();
        }
    }
}
