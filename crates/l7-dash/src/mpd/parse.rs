//! From the XML tree to the [`Mpd`] model. Unknown elements and attributes
//! are skipped (§5.2: extensions are allowed); counts are bounded; a value
//! of the wrong type is an error naming the element and attribute.

use super::xml::{self, Element};
use super::{
    AdaptationSet, Mpd, MpdError, Period, PresentationType, Representation, SegmentTemplate,
    TimelineEntry, duration,
};

/// Most periods, adaptation sets per period, representations per set and
/// S entries per timeline.
const MAX_PERIODS: usize = 64;
const MAX_SETS: usize = 64;
const MAX_REPRESENTATIONS: usize = 64;
const MAX_TIMELINE: usize = 100_000;

/// Reads an MPD document.
pub fn parse(input: &[u8]) -> Result<Mpd, MpdError> {
    let root = xml::parse(input)?;
    if root.name != "MPD" {
        return Err(MpdError::NotMpd(root.name));
    }
    let a = Attrs {
        e: &root,
        name: "MPD",
    };
    let presentation_type = match root.attr("type") {
        None | Some("static") => PresentationType::Static,
        Some("dynamic") => PresentationType::Dynamic,
        Some(v) => return Err(a.invalid("type", v)),
    };
    Ok(Mpd {
        profiles: a.string("profiles"),
        presentation_type,
        media_presentation_duration: a.duration("mediaPresentationDuration")?,
        max_segment_duration: a.duration("maxSegmentDuration")?,
        min_buffer_time: a.duration("minBufferTime")?,
        base_url: base_url(&root),
        periods: bounded(&root, "Period", MAX_PERIODS, "periods", period)?,
    })
}

/// Maps every child named `name` through `f`, at most `max` of them.
fn bounded<T>(
    e: &Element,
    name: &str,
    max: usize,
    what: &'static str,
    f: impl Fn(&Element) -> Result<T, MpdError>,
) -> Result<Vec<T>, MpdError> {
    if e.children_named(name).count() > max {
        return Err(MpdError::TooMany(what));
    }
    e.children_named(name).map(f).collect()
}

fn base_url(e: &Element) -> Option<String> {
    e.children_named("BaseURL").next().map(|b| b.text.clone())
}

fn template_of(e: &Element) -> Result<Option<SegmentTemplate>, MpdError> {
    e.children_named("SegmentTemplate")
        .next()
        .map(segment_template)
        .transpose()
}

fn period(e: &Element) -> Result<Period, MpdError> {
    let a = Attrs { e, name: "Period" };
    Ok(Period {
        id: a.string("id"),
        start: a.duration("start")?,
        duration: a.duration("duration")?,
        base_url: base_url(e),
        adaptation_sets: bounded(
            e,
            "AdaptationSet",
            MAX_SETS,
            "adaptation sets",
            adaptation_set,
        )?,
    })
}

fn adaptation_set(e: &Element) -> Result<AdaptationSet, MpdError> {
    let a = Attrs {
        e,
        name: "AdaptationSet",
    };
    Ok(AdaptationSet {
        id: a.string("id"),
        content_type: a.string("contentType"),
        mime_type: a.string("mimeType"),
        codecs: a.string("codecs"),
        segment_alignment: a.boolean("segmentAlignment")?,
        start_with_sap: a.sap_type("startWithSAP")?,
        max_width: a.number("maxWidth")?,
        max_height: a.number("maxHeight")?,
        frame_rate: a.string("frameRate"),
        segment_template: template_of(e)?,
        representations: bounded(
            e,
            "Representation",
            MAX_REPRESENTATIONS,
            "representations",
            representation,
        )?,
    })
}

fn representation(e: &Element) -> Result<Representation, MpdError> {
    let a = Attrs {
        e,
        name: "Representation",
    };
    Ok(Representation {
        id: a.string("id").ok_or(a.missing("id"))?,
        bandwidth: a.number("bandwidth")?.ok_or(a.missing("bandwidth"))?,
        width: a.number("width")?,
        height: a.number("height")?,
        codecs: a.string("codecs"),
        mime_type: a.string("mimeType"),
        frame_rate: a.string("frameRate"),
        base_url: base_url(e),
        segment_template: template_of(e)?,
    })
}

fn segment_template(e: &Element) -> Result<SegmentTemplate, MpdError> {
    let a = Attrs {
        e,
        name: "SegmentTemplate",
    };
    let timescale: Option<u64> = a.number("timescale")?;
    if timescale == Some(0) {
        return Err(a.invalid("timescale", "0"));
    }
    let timeline = match e.children_named("SegmentTimeline").next() {
        None => None,
        Some(tl) => Some(bounded(tl, "S", MAX_TIMELINE, "timeline entries", entry)?),
    };
    Ok(SegmentTemplate {
        media: a.string("media"),
        initialization: a.string("initialization"),
        timescale,
        duration: a.number("duration")?,
        start_number: a.number("startNumber")?,
        presentation_time_offset: a.number("presentationTimeOffset")?,
        timeline,
    })
}

fn entry(e: &Element) -> Result<TimelineEntry, MpdError> {
    let a = Attrs { e, name: "S" };
    let r: i64 = a.number("r")?.unwrap_or(0);
    if r < -1 {
        return Err(a.invalid("r", &r.to_string()));
    }
    Ok(TimelineEntry {
        t: a.number("t")?,
        d: a.number("d")?.ok_or(a.missing("d"))?,
        r,
    })
}

/// Typed attribute access on one element, for error messages.
struct Attrs<'a> {
    e: &'a Element,
    name: &'static str,
}

impl Attrs<'_> {
    fn invalid(&self, attribute: &'static str, value: &str) -> MpdError {
        MpdError::Invalid {
            element: self.name,
            attribute,
            value: value.chars().take(64).collect(),
        }
    }

    fn missing(&self, attribute: &'static str) -> MpdError {
        MpdError::Missing {
            element: self.name,
            attribute,
        }
    }

    fn string(&self, attribute: &str) -> Option<String> {
        self.e.attr(attribute).map(str::to_string)
    }

    fn number<T: std::str::FromStr>(&self, attribute: &'static str) -> Result<Option<T>, MpdError> {
        self.e
            .attr(attribute)
            .map(|v| v.trim().parse().map_err(|_| self.invalid(attribute, v)))
            .transpose()
    }

    /// A SAP type: 0 to 6 (§4.5.2, §5.3.7.2).
    fn sap_type(&self, attribute: &'static str) -> Result<Option<u8>, MpdError> {
        match self.number::<u8>(attribute)? {
            Some(t) if t > 6 => Err(self.invalid(attribute, &t.to_string())),
            t => Ok(t),
        }
    }

    fn boolean(&self, attribute: &'static str) -> Result<Option<bool>, MpdError> {
        self.e
            .attr(attribute)
            .map(|v| match v.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(self.invalid(attribute, v)),
            })
            .transpose()
    }

    fn duration(&self, attribute: &'static str) -> Result<Option<std::time::Duration>, MpdError> {
        self.e
            .attr(attribute)
            .map(|v| duration::parse(v).ok_or_else(|| self.invalid(attribute, v)))
            .transpose()
    }
}
