//! What a player needs from an MPD: the representations of the first
//! period's video adaptation set (or its first playable one), and of its
//! audio set if any, as a ladder
//! in ascending bandwidth, each with its segment list, and the URLs of
//! their initialization and media segments. URLs come back relative to the
//! MPD's own URL unless a BaseURL made them absolute; the driver resolves
//! them (RFC 3986 §5).

use std::time::Duration;

use super::segments::{self, Segment};
use super::template::{self, Vars};
use super::{AdaptationSet, Mpd, MpdError, Representation, SegmentTemplate};
use crate::player::Ladder;

/// One representation, ready to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRep {
    /// Representation@id.
    pub id: String,
    /// Representation@bandwidth, bit/s.
    pub bandwidth: u64,
    /// Width and height, if given.
    pub width: Option<u32>,
    /// Height, if given.
    pub height: Option<u32>,
    /// Codecs (own or inherited).
    pub codecs: Option<String>,
    /// MIME type (own or inherited).
    pub mime_type: Option<String>,
    /// The template after inheritance.
    pub template: SegmentTemplate,
    /// The BaseURL chain, joined.
    pub base_url: String,
    /// Its segments.
    pub segments: Vec<Segment>,
}

/// A playable adaptation set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// Representations, lowest bandwidth first: index = ladder rung.
    pub reps: Vec<StreamRep>,
}

impl Mpd {
    /// The stream a video player plays: the first period's adaptation set
    /// with contentType video (or a video/ MIME type, or sized
    /// representations), else its first set with representations.
    pub fn stream(&self) -> Result<Stream, MpdError> {
        let period = self.periods.first().ok_or(MpdError::NothingToPlay)?;
        let sets = || {
            period
                .adaptation_sets
                .iter()
                .filter(|a| !a.representations.is_empty())
        };
        let set = sets()
            .find(|a| is_video(a))
            .or_else(|| sets().next())
            .ok_or(MpdError::NothingToPlay)?;
        self.stream_of(set)
    }

    /// The first period's audio adaptation set (contentType audio, or an
    /// audio/ MIME type), played alongside the video, if there is one.
    pub fn audio_stream(&self) -> Result<Option<Stream>, MpdError> {
        let Some(period) = self.periods.first() else {
            return Ok(None);
        };
        period
            .adaptation_sets
            .iter()
            .find(|a| !a.representations.is_empty() && is_audio(a))
            .map(|set| self.stream_of(set))
            .transpose()
    }

    /// The first period's set `set` as a stream: its representations
    /// aligned, each with its segment list.
    fn stream_of(&self, set: &AdaptationSet) -> Result<Stream, MpdError> {
        let period = self.periods.first().ok_or(MpdError::NothingToPlay)?;
        let length = period.duration.or_else(|| {
            self.media_presentation_duration
                .map(|d| d.saturating_sub(period.start.unwrap_or(Duration::ZERO)))
        });
        let base = join(
            self.base_url.as_deref().unwrap_or(""),
            period.base_url.as_deref().unwrap_or(""),
        );
        let mut reps = set
            .representations
            .iter()
            .map(|r| stream_rep(set, r, length, &base))
            .collect::<Result<Vec<_>, _>>()?;
        reps.sort_by_key(|r| r.bandwidth);
        if let Some(first) = reps.first() {
            if first.segments.is_empty() {
                return Err(MpdError::NothingToPlay);
            }
            for r in &reps[1..] {
                if r.segments.len() != first.segments.len() {
                    return Err(MpdError::NotAligned(first.id.clone(), r.id.clone()));
                }
            }
        }
        Ok(Stream { reps })
    }
}

/// True if the set's (or a representation's) MIME type starts with `kind/`.
fn has_mime(a: &AdaptationSet, kind: &str) -> bool {
    let of = |m: &Option<String>| m.as_deref().is_some_and(|m| m.starts_with(kind));
    of(&a.mime_type) || a.representations.iter().any(|r| of(&r.mime_type))
}

fn is_audio(a: &AdaptationSet) -> bool {
    a.content_type.as_deref() == Some("audio") || has_mime(a, "audio/")
}

fn is_video(a: &AdaptationSet) -> bool {
    a.content_type.as_deref() == Some("video")
        || has_mime(a, "video/")
        || a.representations.iter().any(|r| r.width.is_some())
}

fn stream_rep(
    set: &AdaptationSet,
    r: &Representation,
    length: Option<Duration>,
    base: &str,
) -> Result<StreamRep, MpdError> {
    let template = match (&r.segment_template, &set.segment_template) {
        (Some(own), Some(parent)) => own.inherit(parent),
        (Some(own), None) => own.clone(),
        (None, Some(parent)) => parent.clone(),
        (None, None) => return Err(MpdError::NoTemplate(r.id.clone())),
    };
    if template.media.is_none() {
        return Err(MpdError::Missing {
            element: "SegmentTemplate",
            attribute: "media",
        });
    }
    let segments = segments::list(&template, length, &r.id)?;
    Ok(StreamRep {
        id: r.id.clone(),
        bandwidth: r.bandwidth,
        width: r.width,
        height: r.height,
        codecs: r.codecs.clone().or_else(|| set.codecs.clone()),
        mime_type: r.mime_type.clone().or_else(|| set.mime_type.clone()),
        base_url: join(base, r.base_url.as_deref().unwrap_or("")),
        template,
        segments,
    })
}

/// `rel` resolved against `base` the simple way: an absolute URL or
/// absolute path replaces the base, anything else goes after the base's
/// last `/`.
fn join(base: &str, rel: &str) -> String {
    if base.is_empty() || rel.contains("://") || rel.starts_with('/') {
        return rel.to_string();
    }
    let dir = base.rfind('/').map_or("", |i| &base[..=i]);
    format!("{dir}{rel}")
}

impl Stream {
    /// Bitrates and segment durations for [`crate::player::Player`].
    pub fn ladder(&self) -> Ladder {
        let first = &self.reps[0];
        let scale = first.template.timescale.unwrap_or(1).max(1) as f64;
        Ladder {
            bitrates: self.reps.iter().map(|r| r.bandwidth as f64).collect(),
            segment_s: first
                .segments
                .iter()
                .map(|s| s.duration as f64 / scale)
                .collect(),
        }
    }

    /// Number of media segments.
    pub fn segment_count(&self) -> usize {
        self.reps.first().map_or(0, |r| r.segments.len())
    }

    fn rep(&self, rung: usize) -> &StreamRep {
        &self.reps[rung.min(self.reps.len() - 1)]
    }

    /// The initialization segment's URL at `rung`, if the template has one.
    pub fn init_url(&self, rung: usize) -> Result<Option<String>, MpdError> {
        let r = self.rep(rung);
        let Some(init) = &r.template.initialization else {
            return Ok(None);
        };
        let vars = Vars {
            representation_id: &r.id,
            number: 0,
            bandwidth: r.bandwidth,
            time: 0,
        };
        Ok(Some(join(&r.base_url, &template::expand(init, &vars)?)))
    }

    /// Media segment `segment`'s URL at `rung` (indices clamp to the last).
    pub fn media_url(&self, segment: usize, rung: usize) -> Result<String, MpdError> {
        let r = self.rep(rung);
        let s = r.segments[segment.min(r.segments.len().saturating_sub(1))];
        let media = r.template.media.as_deref().unwrap_or("");
        let vars = Vars {
            representation_id: &r.id,
            number: s.number,
            bandwidth: r.bandwidth,
            time: s.time,
        };
        Ok(join(&r.base_url, &template::expand(media, &vars)?))
    }
}
