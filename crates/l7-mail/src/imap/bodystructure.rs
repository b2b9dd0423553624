//! The BODYSTRUCTURE and BODY fetch items (RFC 3501 §7.4.2): the MIME tree
//! of a message (RFC 2045, RFC 2046) — for each leaf its type, subtype,
//! parameters, id, description, encoding, size (and lines for text), for
//! each multipart its parts and subtype; a message/rfc822 part also carries
//! the envelope and structure of the message inside. BODYSTRUCTURE adds the
//! extension data (parameters, disposition, language, location). Nesting is bounded by
//! [`MAX_DEPTH`]; a malformed part is described as what its header says
//! with the bytes it has, never an error.

use super::envelope::{envelope, nstring};
use super::part_header::PartHeader;

/// Deepest multipart nesting described; deeper parts become opaque leaves.
pub const MAX_DEPTH: usize = 16;
/// Most parts described per multipart.
pub const MAX_PARTS: usize = 256;

/// `type/subtype; a=b; c="d"` → ("TYPE", "SUBTYPE", [(a, b), (c, d)]).
pub(crate) fn content_type(value: Option<String>) -> (String, String, Vec<(String, String)>) {
    let value = value.unwrap_or_default();
    let mut pieces = value.split(';');
    let (t, s) = pieces
        .next()
        .and_then(|ts| ts.trim().split_once('/'))
        .map(|(t, s)| (t.trim().to_ascii_uppercase(), s.trim().to_ascii_uppercase()))
        .filter(|(t, s)| !t.is_empty() && !s.is_empty())
        .unwrap_or_else(|| ("TEXT".into(), "PLAIN".into()));
    let params = pieces
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_uppercase(),
                v.trim().trim_matches('"').to_string(),
            )
        })
        .take(32)
        .collect();
    (t, s, params)
}

pub(crate) fn split_header(part: &[u8]) -> (&[u8], &[u8]) {
    match part.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(p) => (&part[..p + 4], &part[p + 4..]),
        None if part.starts_with(b"\r\n") => (&part[..2], &part[2..]),
        None => (part, &[]),
    }
}

/// The parts of a multipart entity (by its Content-Type parameters); empty
/// when it has no boundary or no delimiter lines.
pub(crate) fn multipart_parts<'a>(body: &'a [u8], params: &[(String, String)]) -> Vec<&'a [u8]> {
    params
        .iter()
        .find(|(k, _)| k == "BOUNDARY")
        .map(|(_, b)| parts(body, b))
        .unwrap_or_default()
}

/// The parts of a multipart body between `--boundary` lines (RFC 2046 §5.1.1).
fn parts<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut at = 0;
    while at < body.len() && out.len() < MAX_PARTS {
        let line_end = body[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| at + p + 1);
        let line = body[at..line_end]
            .strip_suffix(b"\r\n")
            .unwrap_or(&body[at..line_end]);
        if line.starts_with(delimiter.as_bytes()) {
            if let Some(s) = start {
                // The CRLF before the delimiter belongs to the delimiter.
                let end = if at >= 2 && body[..at].ends_with(b"\r\n") {
                    at - 2
                } else {
                    at
                };
                out.push(&body[s..end.max(s)]);
            }
            if line[delimiter.len()..].starts_with(b"--") {
                return out;
            }
            start = Some(line_end);
        }
        at = line_end;
    }
    out
}

/// `(name value ...)` or NIL.
fn param_list(out: &mut Vec<u8>, params: &[&(String, String)]) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        nstring(out, Some(k));
        out.push(b' ');
        nstring(out, Some(v));
    }
    out.push(b')');
}

/// The extension data of BODYSTRUCTURE after the part-specific fields
/// (RFC 3501 §7.4.2 body-ext-1part / body-ext-mpart, without MD5):
/// disposition (RFC 2183) with its parameters, language, location.
fn extension(out: &mut Vec<u8>, headers: &PartHeader<'_>) {
    out.push(b' ');
    match headers.value("Content-Disposition") {
        Some(d) => {
            // The same `value; a=b` shape as Content-Type, without a subtype.
            let (kind, params) = d.split_once(';').unwrap_or((&d, ""));
            let (_, _, params) = content_type(Some(format!("x/x;{params}")));
            out.push(b'(');
            nstring(out, Some(&kind.trim().to_ascii_uppercase()));
            out.push(b' ');
            param_list(out, &params.iter().collect::<Vec<_>>());
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    nstring(
        out,
        headers.value("Content-Language").as_deref().map(str::trim),
    );
    out.push(b' ');
    nstring(
        out,
        headers.value("Content-Location").as_deref().map(str::trim),
    );
}

fn write(out: &mut Vec<u8>, part: &[u8], depth: usize, ext: bool) {
    let (header, body) = split_header(part);
    let headers = PartHeader(header);
    let (mut t, mut s, params) = content_type(headers.value("Content-Type"));
    let children = if t == "MULTIPART" && depth < MAX_DEPTH {
        multipart_parts(body, &params)
    } else {
        Vec::new()
    };
    if t == "MULTIPART" && children.is_empty() {
        // RFC 3501 needs at least one part: a multipart without a boundary
        // or parts (or too deep) is described as the text it is.
        (t, s) = ("TEXT".into(), "PLAIN".into());
    }
    out.push(b'(');
    if !children.is_empty() {
        for child in children {
            write(out, child, depth + 1, ext);
        }
        out.push(b' ');
        nstring(out, Some(&s));
        if ext {
            out.push(b' ');
            param_list(out, &params.iter().collect::<Vec<_>>());
            extension(out, &headers);
        }
        out.push(b')');
        return;
    }
    nstring(out, Some(&t));
    out.push(b' ');
    nstring(out, Some(&s));
    out.push(b' ');
    let params: Vec<_> = params.iter().filter(|(k, _)| k != "BOUNDARY").collect();
    param_list(out, &params);
    for field in ["Content-ID", "Content-Description"] {
        out.push(b' ');
        nstring(out, headers.value(field).as_deref());
    }
    out.push(b' ');
    let encoding = headers
        .value("Content-Transfer-Encoding")
        .map_or("7BIT".to_string(), |e| e.trim().to_ascii_uppercase());
    nstring(out, Some(&encoding));
    out.extend_from_slice(format!(" {}", body.len()).as_bytes());
    let lines = body.iter().filter(|&&b| b == b'\n').count();
    if t == "MESSAGE" && s == "RFC822" && depth < MAX_DEPTH {
        // RFC 3501 §7.4.2 body-type-msg: the envelope and structure of
        // the encapsulated message, then its lines.
        out.push(b' ');
        envelope(out, body);
        out.push(b' ');
        write(out, body, depth + 1, ext);
        out.extend_from_slice(format!(" {lines}").as_bytes());
    } else if t == "TEXT" {
        out.extend_from_slice(format!(" {lines}").as_bytes());
    }
    if ext {
        out.extend_from_slice(b" NIL");
        extension(out, &headers);
    }
    out.push(b')');
}

/// Appends the BODYSTRUCTURE of a CRLF message (with extension data).
pub fn bodystructure(out: &mut Vec<u8>, message: &[u8]) {
    write(out, message, 0, true);
}

/// Appends the non-extensible BODY structure of a CRLF message.
pub fn body(out: &mut Vec<u8>, message: &[u8]) {
    write(out, message, 0, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(m: &[u8]) -> String {
        let mut out = Vec::new();
        body(&mut out, m);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn single_and_multipart() {
        assert_eq!(
            of(b"Subject: x\r\n\r\nhello\r\nworld\r\n"),
            "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 14 2)"
        );
        let m = b"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--b1\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--b1--\r\n";
        assert_eq!(
            of(m),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 2 0)(\"TEXT\" \"HTML\" NIL NIL NIL \"BASE64\" 12 0) \"ALTERNATIVE\")"
        );
        // A multipart without its boundary is described as the text it is.
        assert_eq!(
            of(b"Content-Type: multipart/mixed\r\n\r\nx\r\n"),
            "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1)"
        );
    }

    #[test]
    fn extension_data_and_encapsulated_messages() {
        let m = b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: application/pdf; name=r.pdf\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\r\nJVBE\r\n--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nhi\r\n--o--\r\n";
        let mut out = Vec::new();
        bodystructure(&mut out, m);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "((\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"7BIT\" 4 NIL (\"ATTACHMENT\" (\"FILENAME\" \"r.pdf\")) NIL NIL)\
             (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 17 \
             (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) \
             (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 2 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL) \
             \"MIXED\" (\"BOUNDARY\" \"o\") NIL NIL NIL)"
        );
    }
}
