//! From the [`Mpd`] model to the XML tree: the DASH namespace, then each
//! present attribute in the order ffmpeg writes them. [`super::parse`]
//! reads the result back to the same model.

use super::xml::Element;
use super::{
    AdaptationSet, Mpd, Period, PresentationType, Representation, SegmentTemplate, duration,
};

/// The MPD namespace of ISO/IEC 23009-1.
const NAMESPACE: &str = "urn:mpeg:dash:schema:mpd:2011";

pub(super) fn mpd(m: &Mpd) -> Element {
    let mut e = Element::new("MPD");
    e.set("xmlns", Some(NAMESPACE));
    e.set("profiles", m.profiles.as_ref());
    e.set(
        "type",
        Some(match m.presentation_type {
            PresentationType::Static => "static",
            PresentationType::Dynamic => "dynamic",
        }),
    );
    e.set(
        "mediaPresentationDuration",
        m.media_presentation_duration.map(duration::emit),
    );
    e.set(
        "maxSegmentDuration",
        m.max_segment_duration.map(duration::emit),
    );
    e.set("minBufferTime", m.min_buffer_time.map(duration::emit));
    push_base_url(&mut e, m.base_url.as_ref());
    e.children.extend(m.periods.iter().map(period));
    e
}

fn push_base_url(e: &mut Element, url: Option<&String>) {
    if let Some(url) = url {
        let mut b = Element::new("BaseURL");
        b.text = url.clone();
        e.children.push(b);
    }
}

fn period(p: &Period) -> Element {
    let mut e = Element::new("Period");
    e.set("id", p.id.as_ref());
    e.set("start", p.start.map(duration::emit));
    e.set("duration", p.duration.map(duration::emit));
    push_base_url(&mut e, p.base_url.as_ref());
    e.children
        .extend(p.adaptation_sets.iter().map(adaptation_set));
    e
}

fn adaptation_set(a: &AdaptationSet) -> Element {
    let mut e = Element::new("AdaptationSet");
    e.set("id", a.id.as_ref());
    e.set("contentType", a.content_type.as_ref());
    e.set("mimeType", a.mime_type.as_ref());
    e.set("codecs", a.codecs.as_ref());
    e.set("segmentAlignment", a.segment_alignment);
    e.set("startWithSAP", a.start_with_sap);
    e.set("maxWidth", a.max_width);
    e.set("maxHeight", a.max_height);
    e.set("frameRate", a.frame_rate.as_ref());
    if let Some(t) = &a.segment_template {
        e.children.push(segment_template(t));
    }
    e.children
        .extend(a.representations.iter().map(representation));
    e
}

fn representation(r: &Representation) -> Element {
    let mut e = Element::new("Representation");
    e.set("id", Some(&r.id));
    e.set("mimeType", r.mime_type.as_ref());
    e.set("codecs", r.codecs.as_ref());
    e.set("bandwidth", Some(r.bandwidth));
    e.set("width", r.width);
    e.set("height", r.height);
    e.set("frameRate", r.frame_rate.as_ref());
    push_base_url(&mut e, r.base_url.as_ref());
    if let Some(t) = &r.segment_template {
        e.children.push(segment_template(t));
    }
    e
}

fn segment_template(t: &SegmentTemplate) -> Element {
    let mut e = Element::new("SegmentTemplate");
    e.set("timescale", t.timescale);
    e.set("duration", t.duration);
    e.set("presentationTimeOffset", t.presentation_time_offset);
    e.set("initialization", t.initialization.as_ref());
    e.set("media", t.media.as_ref());
    e.set("startNumber", t.start_number);
    if let Some(entries) = &t.timeline {
        let mut tl = Element::new("SegmentTimeline");
        for s in entries {
            let mut se = Element::new("S");
            se.set("t", s.t);
            se.set("d", Some(s.d));
            se.set("r", (s.r != 0).then_some(s.r));
            tl.children.push(se);
        }
        e.children.push(tl);
    }
    e
}
