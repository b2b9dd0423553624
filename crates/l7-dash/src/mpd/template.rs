//! SegmentTemplate URL expansion, ISO/IEC 23009-1 §5.3.9.4.4: `$$` is a
//! literal `$`; `$RepresentationID$`, `$Number$`, `$Bandwidth$` and
//! `$Time$` are replaced, the last three optionally with a printf-style
//! width tag (`$Number%05d$`: zero-padded to five digits). Anything else
//! between dollars is an error, as is an unpaired `$`.

/// Longest template accepted, in bytes.
pub const MAX_TEMPLATE: usize = 4096;
/// Widest `%0Nd` tag accepted.
pub const MAX_WIDTH: usize = 32;

/// The values substituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vars<'a> {
    /// Representation@id.
    pub representation_id: &'a str,
    /// The segment's number.
    pub number: u64,
    /// Representation@bandwidth.
    pub bandwidth: u64,
    /// The segment's start time in the timescale.
    pub time: u64,
}

/// A template that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `$` without its closing `$`.
    #[error("unpaired '$' in segment template {0:?}")]
    Unpaired(String),
    /// An identifier §5.3.9.4.4 does not define (or a tag on RepresentationID).
    #[error(
        "unknown identifier ${0}$ in segment template — use RepresentationID, Number, Bandwidth or Time"
    )]
    Unknown(String),
    /// A format tag other than `%0Nd` with N ≤ 32.
    #[error("bad format tag in ${0}$ — expected e.g. $Number%05d$")]
    Format(String),
    /// Over [`MAX_TEMPLATE`] bytes.
    #[error("segment template longer than {MAX_TEMPLATE} bytes")]
    TooLong,
}

/// Expands `template` with `vars`.
pub fn expand(template: &str, vars: &Vars<'_>) -> Result<String, TemplateError> {
    if template.len() > MAX_TEMPLATE {
        return Err(TemplateError::TooLong);
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find('$')
            .ok_or_else(|| TemplateError::Unpaired(template.to_string()))?;
        let ident = &after[..end];
        rest = &after[end + 1..];
        if ident.is_empty() {
            out.push('$');
            continue;
        }
        let (name, tag) = match ident.split_once('%') {
            Some((n, t)) => (n, Some(t)),
            None => (ident, None),
        };
        let value = match name {
            "RepresentationID" if tag.is_none() => {
                out.push_str(vars.representation_id);
                continue;
            }
            "Number" => vars.number,
            "Bandwidth" => vars.bandwidth,
            "Time" => vars.time,
            _ => return Err(TemplateError::Unknown(ident.to_string())),
        };
        let width = match tag {
            None => 1,
            Some(t) => width(t).ok_or_else(|| TemplateError::Format(ident.to_string()))?,
        };
        out.push_str(&format!("{value:0width$}"));
    }
    out.push_str(rest);
    Ok(out)
}

/// The N of `0Nd` (the standard's only tag; `%d` alone means no padding).
fn width(tag: &str) -> Option<usize> {
    let digits = tag.strip_suffix('d')?;
    if digits.is_empty() {
        return Some(1);
    }
    let digits = digits.strip_prefix('0')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&w| w <= MAX_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Vars<'static> = Vars {
        representation_id: "video-1",
        number: 42,
        bandwidth: 300_000,
        time: 25600,
    };

    #[test]
    fn expands_identifiers_widths_and_dollars() {
        let e = |t| expand(t, &V).unwrap();
        assert_eq!(
            e("chunk-stream$RepresentationID$-$Number%05d$.m4s"),
            "chunk-streamvideo-1-00042.m4s"
        );
        assert_eq!(e("$Bandwidth$/$Time$.mp4"), "300000/25600.mp4");
        assert_eq!(e("a$$b$$$Number$"), "a$b$42");
        assert_eq!(e("$Number%d$"), "42");
        assert_eq!(e("$Number%01d$"), "42", "width is a minimum");
        assert_eq!(e("plain"), "plain");
    }

    #[test]
    fn rejects_what_the_standard_does_not_define() {
        let bad = |t| expand(t, &V).unwrap_err();
        assert!(matches!(bad("$Number"), TemplateError::Unpaired(_)));
        assert!(matches!(bad("$Foo$"), TemplateError::Unknown(_)));
        assert!(matches!(
            bad("$RepresentationID%05d$"),
            TemplateError::Unknown(_)
        ));
        assert!(matches!(bad("$Number%5d$"), TemplateError::Format(_)));
        assert!(matches!(bad("$Number%05x$"), TemplateError::Format(_)));
        assert!(matches!(bad("$Number%099d$"), TemplateError::Format(_)));
        assert!(matches!(
            bad(&"a".repeat(MAX_TEMPLATE + 1)),
            TemplateError::TooLong
        ));
    }
}
