//! The Media Presentation Description (ISO/IEC 23009-1 §5.3): the model of
//! what l7 packages and plays — periods, adaptation sets, representations
//! and SegmentTemplate addressing (with or without a SegmentTimeline) —
//! read by [`parse`] from the XML ffmpeg's dash muxer and others write,
//! written back by [`Mpd::emit`]. Elements and attributes outside the model
//! are skipped on input. [`Stream`] turns a parsed MPD into what a player
//! needs: a ladder of bitrates, segment durations and URLs; [`package`]
//! builds the MPD `l7 dash package` publishes.

pub mod duration;
mod emit;
pub mod package;
mod parse;
mod segments;
mod stream;
pub mod template;
pub mod xml;

pub use parse::parse;
pub use segments::{MAX_SEGMENTS, Segment};
pub use stream::{Stream, StreamRep};

use std::time::Duration;

/// MPD@type (§5.3.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PresentationType {
    /// On demand: every segment exists.
    #[default]
    Static,
    /// Live: segments appear over time.
    Dynamic,
}

/// The MPD element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mpd {
    /// @profiles.
    pub profiles: Option<String>,
    /// @type.
    pub presentation_type: PresentationType,
    /// @mediaPresentationDuration.
    pub media_presentation_duration: Option<Duration>,
    /// @maxSegmentDuration.
    pub max_segment_duration: Option<Duration>,
    /// @minBufferTime (mandatory in the schema; absent is tolerated).
    pub min_buffer_time: Option<Duration>,
    /// BaseURL child.
    pub base_url: Option<String>,
    /// Period children, in order.
    pub periods: Vec<Period>,
}

/// A Period (§5.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Period {
    /// @id.
    pub id: Option<String>,
    /// @start.
    pub start: Option<Duration>,
    /// @duration.
    pub duration: Option<Duration>,
    /// BaseURL child.
    pub base_url: Option<String>,
    /// AdaptationSet children.
    pub adaptation_sets: Vec<AdaptationSet>,
}

/// An AdaptationSet (§5.3.3): interchangeable encodings of one content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdaptationSet {
    /// @id.
    pub id: Option<String>,
    /// @contentType (`video`, `audio`...).
    pub content_type: Option<String>,
    /// @mimeType, inherited by representations.
    pub mime_type: Option<String>,
    /// @codecs, inherited by representations.
    pub codecs: Option<String>,
    /// @segmentAlignment.
    pub segment_alignment: Option<bool>,
    /// @startWithSAP (§5.3.7.2): the type (1 to 6) of the stream access
    /// point every segment starts with, 0 when unknown.
    pub start_with_sap: Option<u8>,
    /// @maxWidth.
    pub max_width: Option<u32>,
    /// @maxHeight.
    pub max_height: Option<u32>,
    /// @frameRate.
    pub frame_rate: Option<String>,
    /// SegmentTemplate child, the default for representations.
    pub segment_template: Option<SegmentTemplate>,
    /// Representation children.
    pub representations: Vec<Representation>,
}

/// A Representation (§5.3.5): one encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Representation {
    /// @id (mandatory).
    pub id: String,
    /// @bandwidth in bit/s (mandatory).
    pub bandwidth: u64,
    /// @width.
    pub width: Option<u32>,
    /// @height.
    pub height: Option<u32>,
    /// @codecs.
    pub codecs: Option<String>,
    /// @mimeType.
    pub mime_type: Option<String>,
    /// @frameRate.
    pub frame_rate: Option<String>,
    /// BaseURL child.
    pub base_url: Option<String>,
    /// SegmentTemplate child (its attributes override the adaptation set's).
    pub segment_template: Option<SegmentTemplate>,
}

/// A SegmentTemplate (§5.3.9.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SegmentTemplate {
    /// @media: the media segment URL template.
    pub media: Option<String>,
    /// @initialization: the initialization segment URL template.
    pub initialization: Option<String>,
    /// @timescale (units per second; 1 when absent).
    pub timescale: Option<u64>,
    /// @duration of every segment, in the timescale (without a timeline).
    pub duration: Option<u64>,
    /// @startNumber (1 when absent).
    pub start_number: Option<u64>,
    /// @presentationTimeOffset.
    pub presentation_time_offset: Option<u64>,
    /// SegmentTimeline child.
    pub timeline: Option<Vec<TimelineEntry>>,
}

/// An S element of a SegmentTimeline (§5.3.9.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimelineEntry {
    /// @t: start time (else the previous segment's end).
    pub t: Option<u64>,
    /// @d: duration in the timescale.
    pub d: u64,
    /// @r: repeats after the first (−1: until the next S or the period's end).
    pub r: i64,
}

impl SegmentTemplate {
    /// `self` with every absent attribute taken from `parent` (§5.3.9.1:
    /// a Representation's template inherits the AdaptationSet's).
    pub fn inherit(&self, parent: &SegmentTemplate) -> SegmentTemplate {
        SegmentTemplate {
            media: self.media.clone().or_else(|| parent.media.clone()),
            initialization: self
                .initialization
                .clone()
                .or_else(|| parent.initialization.clone()),
            timescale: self.timescale.or(parent.timescale),
            duration: self.duration.or(parent.duration),
            start_number: self.start_number.or(parent.start_number),
            presentation_time_offset: self
                .presentation_time_offset
                .or(parent.presentation_time_offset),
            timeline: self.timeline.clone().or_else(|| parent.timeline.clone()),
        }
    }
}

/// Why an MPD could not be read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MpdError {
    /// Not well-formed XML within the reader's bounds.
    #[error("the MPD is not well-formed: {0}")]
    Xml(#[from] xml::XmlError),
    /// The root element is not MPD.
    #[error("the document's root is <{0}>, not <MPD> — is this a DASH manifest?")]
    NotMpd(String),
    /// A mandatory attribute is missing.
    #[error("<{element}> lacks its {attribute} attribute")]
    Missing {
        element: &'static str,
        attribute: &'static str,
    },
    /// An attribute's value is not of its type.
    #[error("<{element}> has a bad {attribute}: {value:?}")]
    Invalid {
        element: &'static str,
        attribute: &'static str,
        value: String,
    },
    /// More periods, sets, representations or segments than the bounds allow.
    #[error("the MPD has too many {0}")]
    TooMany(&'static str),
    /// Nothing playable: no video (or any) adaptation set with representations.
    #[error("the MPD has no adaptation set with representations to play")]
    NothingToPlay,
    /// Addressing l7 does not implement (SegmentBase, SegmentList, BaseURL only).
    #[error("representation {0:?} has no SegmentTemplate — l7 plays template-addressed MPDs only")]
    NoTemplate(String),
    /// The segment count cannot be known (no duration, no timeline).
    #[error(
        "cannot count the segments of {0:?}: give the MPD a mediaPresentationDuration or a SegmentTimeline"
    )]
    UnknownLength(String),
    /// Representations whose segments do not line up.
    #[error(
        "representations {0:?} and {1:?} have different segment counts — package with aligned keyframes"
    )]
    NotAligned(String, String),
    /// A template that cannot be expanded.
    #[error(transparent)]
    Template(#[from] template::TemplateError),
}

impl Mpd {
    /// The MPD as XML.
    pub fn emit(&self) -> String {
        xml::emit(&emit::mpd(self))
    }
}

#[cfg(test)]
mod tests;
