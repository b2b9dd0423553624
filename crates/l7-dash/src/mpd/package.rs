//! The MPD `l7 dash package` publishes, built from our own model. ffmpeg
//! encodes and cuts the segments and writes its own MPD; [`packaged`]
//! reads what that MPD learned from the encoder (segment names, timescale
//! and durations, codecs strings, picture sizes, the presentation's
//! length), checks it against what was asked — one video representation
//! per rung at its bandwidth, segments of the asked length, the audio
//! track if one was asked — and returns a fresh MPD: a static, live-profile
//! presentation (ISO/IEC 23009-1 §8.4) with one SegmentTemplate per
//! representation, `@mimeType` per set, `@codecs`, `@bandwidth`, sizes,
//! `@minBufferTime` and `@mediaPresentationDuration`.

use std::time::Duration;

use super::{AdaptationSet, Mpd, Period, PresentationType, Representation, SegmentTemplate};

/// The live profile (§8.4): SegmentTemplate addressing, segments aligned.
pub const PROFILE: &str = "urn:mpeg:dash:profile:isoff-live:2011";

/// What the packager asked ffmpeg for.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// Video bit rates, ascending: one representation each.
    pub video: Vec<u64>,
    /// The audio bit rate, if audio was asked for.
    pub audio: Option<u64>,
    /// The segment duration.
    pub segment: Duration,
}

/// Why ffmpeg's MPD does not describe what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ffmpeg's MPD does not describe the package asked for: {0}")]
pub struct Mismatch(String);

fn mismatch(what: impl Into<String>) -> Mismatch {
    Mismatch(what.into())
}

/// Our MPD for the package ffmpeg described in `ffmpeg`, checked against `asked`.
pub fn packaged(ffmpeg: &Mpd, asked: &Asked) -> Result<Mpd, Mismatch> {
    let length = ffmpeg
        .media_presentation_duration
        .filter(|d| !d.is_zero())
        .ok_or_else(|| mismatch("no mediaPresentationDuration"))?;
    let period = match ffmpeg.periods.as_slice() {
        [p] => p,
        _ => return Err(mismatch("not exactly one Period")),
    };
    let set_of = |kind: &str| {
        period
            .adaptation_sets
            .iter()
            .find(|a| a.content_type.as_deref() == Some(kind))
    };
    let video = set_of("video").ok_or_else(|| mismatch("no video adaptation set"))?;
    let mut sets = vec![adaptation_set(
        video,
        "0",
        "video",
        "video/mp4",
        &asked.video,
        asked.segment,
    )?];
    match (asked.audio, set_of("audio")) {
        (Some(rate), Some(audio)) => sets.push(adaptation_set(
            audio,
            "1",
            "audio",
            "audio/mp4",
            &[rate],
            asked.segment,
        )?),
        (None, None) => {}
        (Some(_), None) => return Err(mismatch("no audio adaptation set")),
        (None, Some(_)) => return Err(mismatch("an audio set that was not asked for")),
    }
    Ok(Mpd {
        profiles: Some(PROFILE.into()),
        presentation_type: PresentationType::Static,
        media_presentation_duration: Some(length),
        max_segment_duration: Some(asked.segment),
        // §5.3.1.2: a player that buffers this much before starting plays
        // on at @bandwidth; two segments leave room for one to be late.
        min_buffer_time: Some(asked.segment.saturating_mul(2)),
        base_url: None,
        periods: vec![Period {
            id: Some("0".into()),
            start: Some(Duration::ZERO),
            duration: None,
            base_url: None,
            adaptation_sets: sets,
        }],
    })
}

/// Set `id` of content `kind` rebuilt from ffmpeg's `set`, whose
/// representations must carry `rates` (ascending) in `segment`-long segments.
fn adaptation_set(
    set: &AdaptationSet,
    id: &str,
    kind: &str,
    mime: &str,
    rates: &[u64],
    segment: Duration,
) -> Result<AdaptationSet, Mismatch> {
    let mut reps: Vec<&Representation> = set.representations.iter().collect();
    reps.sort_by_key(|r| r.bandwidth);
    let got: Vec<u64> = reps.iter().map(|r| r.bandwidth).collect();
    if got != rates {
        return Err(mismatch(format!(
            "{kind} bandwidths {got:?}, asked {rates:?}"
        )));
    }
    let representations = reps
        .into_iter()
        .map(|r| representation(set, r, kind, segment))
        .collect::<Result<Vec<_>, _>>()?;
    let video = kind == "video";
    Ok(AdaptationSet {
        id: Some(id.into()),
        content_type: Some(kind.into()),
        mime_type: Some(mime.into()),
        codecs: None,
        segment_alignment: Some(true),
        // ffmpeg's word: every segment starts on a forced IDR frame (its
        // `startWithSAP="1"`), as the live profile asks (§8.4.2).
        start_with_sap: set.start_with_sap,
        max_width: representations.iter().filter_map(|r| r.width).max(),
        max_height: representations.iter().filter_map(|r| r.height).max(),
        frame_rate: set.frame_rate.clone().filter(|_| video),
        segment_template: None,
        representations,
    })
}

fn representation(
    set: &AdaptationSet,
    r: &Representation,
    kind: &str,
    segment: Duration,
) -> Result<Representation, Mismatch> {
    let which = || format!("{kind} representation {:?}", r.id);
    let codecs = r
        .codecs
        .clone()
        .or_else(|| set.codecs.clone())
        .ok_or_else(|| mismatch(format!("{} has no codecs", which())))?;
    if kind == "video" && (r.width.is_none() || r.height.is_none()) {
        return Err(mismatch(format!("{} has no picture size", which())));
    }
    let t = match (&r.segment_template, &set.segment_template) {
        (Some(own), Some(parent)) => own.inherit(parent),
        (Some(t), None) | (None, Some(t)) => t.clone(),
        (None, None) => return Err(mismatch(format!("{} has no SegmentTemplate", which()))),
    };
    let (Some(media), Some(init)) = (t.media, t.initialization) else {
        return Err(mismatch(format!(
            "{} names no media or init segments",
            which()
        )));
    };
    let timescale = t.timescale.unwrap_or(1).max(1);
    let want = (segment.as_secs_f64() * timescale as f64).round() as u64;
    if t.timeline.is_some() || t.duration != Some(want) {
        return Err(mismatch(format!(
            "{} is not cut in {segment:?} segments ({:?} at timescale {timescale})",
            which(),
            t.duration
        )));
    }
    Ok(Representation {
        id: r.id.clone(),
        bandwidth: r.bandwidth,
        width: r.width,
        height: r.height,
        codecs: Some(codecs),
        mime_type: None,
        frame_rate: None,
        base_url: None,
        segment_template: Some(SegmentTemplate {
            media: Some(media),
            initialization: Some(init),
            timescale: Some(timescale),
            duration: Some(want),
            start_number: Some(t.start_number.unwrap_or(1)),
            presentation_time_offset: None,
            timeline: None,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpd::parse;

    /// ffmpeg's MPD for `l7 dash package --synthetic 8s --ladder 235k,750k --segment 2s`.
    const FFMPEG: &[u8] = include_bytes!("fixtures/ffmpeg-package.mpd");

    fn asked() -> Asked {
        Asked {
            video: vec![235_000, 750_000],
            audio: Some(64_000),
            segment: Duration::from_secs(2),
        }
    }

    #[test]
    fn rebuilds_ffmpegs_package_in_our_model() {
        let ffmpeg = parse(FFMPEG).unwrap();
        let ours = packaged(&ffmpeg, &asked()).unwrap();
        assert_eq!(ours.profiles.as_deref(), Some(PROFILE));
        assert_eq!(
            ours.media_presentation_duration,
            Some(Duration::from_secs(8))
        );
        assert_eq!(ours.min_buffer_time, Some(Duration::from_secs(4)));
        let sets = &ours.periods[0].adaptation_sets;
        assert_eq!(sets[0].mime_type.as_deref(), Some("video/mp4"));
        assert_eq!(sets[0].start_with_sap, Some(1));
        assert!(ours.emit().contains(r#"startWithSAP="1""#));
        assert_eq!(
            (sets[0].max_width, sets[0].max_height),
            (Some(512), Some(288))
        );
        let v = &sets[0].representations;
        assert_eq!(v[0].codecs.as_deref(), Some("avc1.64000c"));
        assert_eq!((v[1].id.as_str(), v[1].bandwidth), ("1", 750_000));
        let t = v[1].segment_template.as_ref().unwrap();
        assert_eq!(
            t.media.as_deref(),
            Some("chunk-$RepresentationID$-$Number%05d$.m4s")
        );
        assert_eq!(
            (t.timescale, t.duration),
            (Some(1_000_000), Some(2_000_000))
        );
        let a = &sets[1];
        assert_eq!(a.mime_type.as_deref(), Some("audio/mp4"));
        assert_eq!(a.representations[0].codecs.as_deref(), Some("mp4a.40.2"));
        // Ours reads back to itself, and plays the same ladder as ffmpeg's.
        let back = parse(ours.emit().as_bytes()).unwrap();
        assert_eq!(back, ours);
        let (s, f) = (back.stream().unwrap(), ffmpeg.stream().unwrap());
        assert_eq!(s.ladder(), f.ladder());
        for seg in [0, 3] {
            assert_eq!(s.media_url(seg, 1).unwrap(), f.media_url(seg, 1).unwrap());
        }
        assert_eq!(s.init_url(0).unwrap(), f.init_url(0).unwrap());
        assert_eq!(
            back.audio_stream()
                .unwrap()
                .unwrap()
                .media_url(2, 0)
                .unwrap(),
            "chunk-2-00003.m4s"
        );
    }

    #[test]
    fn refuses_an_mpd_that_is_not_what_was_asked() {
        let ffmpeg = parse(FFMPEG).unwrap();
        let refused = |asked: Asked| packaged(&ffmpeg, &asked).unwrap_err().to_string();
        let e = refused(Asked {
            video: vec![235_000, 1_750_000],
            ..asked()
        });
        assert!(e.contains("video bandwidths"), "{e}");
        let e = refused(Asked {
            segment: Duration::from_secs(4),
            ..asked()
        });
        assert!(e.contains("not cut in 4s segments"), "{e}");
        let e = refused(Asked {
            audio: None,
            ..asked()
        });
        assert!(e.contains("not asked for"), "{e}");
        let mut no_length = ffmpeg.clone();
        no_length.media_presentation_duration = None;
        assert!(packaged(&no_length, &asked()).is_err());
        let mut no_codecs = ffmpeg.clone();
        no_codecs.periods[0].adaptation_sets[0].representations[0].codecs = None;
        let e = packaged(&no_codecs, &asked()).unwrap_err().to_string();
        assert!(e.contains("no codecs"), "{e}");
    }
}
