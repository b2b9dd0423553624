//! Validators and conditional requests (RFC 9110 §8.8, §13): a strong ETag
//! from file metadata, entity-tag comparison, and the evaluation of the
//! preconditions in the order of §13.2.2.

use crate::wire::Headers;
use crate::wire::date::parse_http_date;

/// What the server knows about the selected representation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// The strong entity-tag, quotes included.
    pub etag: String,
    /// Last modification, seconds since the Unix epoch.
    pub last_modified: u64,
}

/// A strong ETag from inode, length and modification time (nanoseconds):
/// any change to the file changes at least one of them.
pub fn file_etag(inode: u64, len: u64, mtime_nanos: u128) -> String {
    format!("\"{inode:x}-{len:x}-{mtime_nanos:x}\"")
}

/// The outcome of the preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Go on with the request.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    Failed,
}

/// Evaluates If-Match, If-Unmodified-Since, If-None-Match and
/// If-Modified-Since for a representation that exists (RFC 9110 §13.2.2,
/// steps 1–4). Unparseable dates are ignored (§13.1.3, §13.1.4).
pub fn evaluate_preconditions(method: &str, headers: &Headers<'_>, v: &Validators) -> Precondition {
    let get_or_head = method == "GET" || method == "HEAD";
    // Step 1: If-Match, strong comparison.
    if headers.contains("if-match") {
        if !tag_list_matches(headers, "if-match", &v.etag, true) {
            return Precondition::Failed;
        }
    } else if let Some(date) = headers
        .get_str("if-unmodified-since")
        .and_then(parse_http_date)
    {
        // Step 2: If-Unmodified-Since, only without If-Match.
        if v.last_modified > date {
            return Precondition::Failed;
        }
    }
    // Step 3: If-None-Match, weak comparison.
    if headers.contains("if-none-match") {
        if tag_list_matches(headers, "if-none-match", &v.etag, false) {
            return if get_or_head {
                Precondition::NotModified
            } else {
                Precondition::Failed
            };
        }
    } else if get_or_head {
        // Step 4: If-Modified-Since, only without If-None-Match.
        if let Some(date) = headers
            .get_str("if-modified-since")
            .and_then(parse_http_date)
            && v.last_modified <= date
        {
            return Precondition::NotModified;
        }
    }
    Precondition::Proceed
}

/// RFC 9110 §13.1.5: true when a Range may be honoured — no If-Range, or
/// an If-Range entity-tag that strongly matches, or an If-Range date equal
/// to Last-Modified.
pub fn if_range_allows(headers: &Headers<'_>, v: &Validators) -> bool {
    let Some(value) = headers.get_str("if-range") else {
        return true;
    };
    if value.starts_with('"') || value.starts_with("W/") {
        return strong_match(value, &v.etag);
    }
    parse_http_date(value) == Some(v.last_modified)
}

/// True when the entity-tag list in the `name` fields holds `*` or a tag
/// matching `etag` (strong or weak comparison, §8.8.3.2).
fn tag_list_matches(headers: &Headers<'_>, name: &str, etag: &str, strong: bool) -> bool {
    headers.list(name).any(|tag| {
        let Ok(tag) = std::str::from_utf8(tag) else {
            return false;
        };
        tag == "*"
            || if strong {
                strong_match(tag, etag)
            } else {
                opaque(tag) == opaque(etag)
            }
    })
}

fn strong_match(a: &str, b: &str) -> bool {
    !a.starts_with("W/") && !b.starts_with("W/") && a == b
}

fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::date::format_http_date;

    const LM: u64 = 784_111_777;

    fn v() -> Validators {
        Validators {
            etag: "\"abc\"".into(),
            last_modified: LM,
        }
    }

    fn check(method: &str, fields: &[(&str, String)]) -> Precondition {
        let mut h = Headers::new();
        for (n, val) in fields {
            h.append(n.to_string(), val.clone().into_bytes());
        }
        evaluate_preconditions(method, &h, &v())
    }

    /// Method, request fields, expected outcome.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Precondition);

    #[test]
    fn conditional_request_matrix() {
        use Precondition::*;
        let before = format_http_date(LM - 10);
        let at = format_http_date(LM);
        let after = format_http_date(LM + 10);
        let s = |x: &str| x.to_string();
        let cases: Vec<Case<'_>> = vec![
            ("GET", vec![], Proceed),
            ("GET", vec![("If-Match", s("\"abc\""))], Proceed),
            ("GET", vec![("If-Match", s("\"x\", \"abc\""))], Proceed),
            ("GET", vec![("If-Match", s("*"))], Proceed),
            ("GET", vec![("If-Match", s("W/\"abc\""))], Failed),
            ("PUT", vec![("If-Match", s("\"x\""))], Failed),
            ("GET", vec![("If-Unmodified-Since", before.clone())], Failed),
            ("GET", vec![("If-Unmodified-Since", at.clone())], Proceed),
            ("GET", vec![("If-Unmodified-Since", s("garbage"))], Proceed),
            // If-Match takes precedence over If-Unmodified-Since.
            (
                "GET",
                vec![
                    ("If-Match", s("\"abc\"")),
                    ("If-Unmodified-Since", before.clone()),
                ],
                Proceed,
            ),
            ("GET", vec![("If-None-Match", s("\"abc\""))], NotModified),
            ("HEAD", vec![("If-None-Match", s("W/\"abc\""))], NotModified),
            ("GET", vec![("If-None-Match", s("*"))], NotModified),
            ("GET", vec![("If-None-Match", s("\"zzz\""))], Proceed),
            ("POST", vec![("If-None-Match", s("\"abc\""))], Failed),
            ("GET", vec![("If-Modified-Since", at.clone())], NotModified),
            ("GET", vec![("If-Modified-Since", after)], NotModified),
            ("GET", vec![("If-Modified-Since", before.clone())], Proceed),
            ("POST", vec![("If-Modified-Since", at.clone())], Proceed),
            // If-None-Match takes precedence over If-Modified-Since.
            (
                "GET",
                vec![
                    ("If-None-Match", s("\"zzz\"")),
                    ("If-Modified-Since", at.clone()),
                ],
                Proceed,
            ),
            // A failed If-Match wins over a matching If-None-Match.
            (
                "GET",
                vec![("If-Match", s("\"x\"")), ("If-None-Match", s("\"abc\""))],
                Failed,
            ),
            (
                "GET",
                vec![
                    ("If-Unmodified-Since", before),
                    ("If-None-Match", s("\"abc\"")),
                ],
                Failed,
            ),
        ];
        for (method, fields, want) in cases {
            assert_eq!(check(method, &fields), want, "{method} {fields:?}");
        }
    }

    #[test]
    fn if_range() {
        let mut h = Headers::new();
        assert!(if_range_allows(&h, &v()));
        h.set("If-Range", &b"\"abc\""[..]);
        assert!(if_range_allows(&h, &v()));
        h.set("If-Range", &b"W/\"abc\""[..]);
        assert!(!if_range_allows(&h, &v()));
        h.set("If-Range", format_http_date(LM).into_bytes());
        assert!(if_range_allows(&h, &v()));
        h.set("If-Range", format_http_date(LM + 1).into_bytes());
        assert!(!if_range_allows(&h, &v()));
    }
}
