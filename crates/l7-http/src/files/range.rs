//! Range requests (RFC 9110 §14): parsing `Range: bytes=...`, deciding
//! between the whole representation, 206 and 416, and the
//! multipart/byteranges layout (§14.6).
//!
//! Cost is bounded whatever the client sends: at most [`MAX_RANGE_SPECS`]
//! range specs are looked at — a request with more gets the whole
//! representation (200), as §14.2 allows a server to ignore Range; the
//! satisfiable ranges are sorted and overlapping or adjacent ones coalesced,
//! so no byte is sent twice.

/// Most range specs honoured in one Range field; with more, Range is ignored.
pub const MAX_RANGE_SPECS: usize = 32;

/// A satisfiable byte range: `len` (> 0) bytes starting at `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// Offset of the first byte.
    pub start: u64,
    /// Number of bytes.
    pub len: u64,
}

impl ByteRange {
    /// The offset of the last byte.
    pub fn last(&self) -> u64 {
        self.start + self.len - 1
    }

    /// The Content-Range value for this range of a `total`-byte representation.
    pub fn content_range(&self, total: u64) -> String {
        format!("bytes {}-{}/{}", self.start, self.last(), total)
    }
}

/// What to do with a Range field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeDecision {
    /// Ignore it and send the whole representation (unknown unit, invalid
    /// syntax, too many specs).
    Whole,
    /// Send these ranges (ascending, disjoint, non-adjacent): one → 206 with
    /// Content-Range; several → 206 multipart/byteranges.
    Partial(Vec<ByteRange>),
    /// None is satisfiable: 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Decides a Range field value against a representation of `len` bytes.
pub fn evaluate_range(value: &str, len: u64) -> RangeDecision {
    let Some((unit, specs)) = value.trim().split_once('=') else {
        return RangeDecision::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeDecision::Whole;
    }
    let mut ranges = Vec::new();
    for (i, spec) in specs.split(',').enumerate() {
        if i == MAX_RANGE_SPECS {
            return RangeDecision::Whole;
        }
        let spec = spec.trim_matches([' ', '\t']);
        if spec.is_empty() {
            continue;
        }
        let Some(parsed) = parse_spec(spec) else {
            return RangeDecision::Whole;
        };
        if let Some(range) = parsed.resolve(len) {
            ranges.push(range);
        }
    }
    if ranges.is_empty() {
        // Only a syntactically valid, wholly unsatisfiable set gets 416.
        return if specs.split(',').any(|s| !s.trim().is_empty()) {
            RangeDecision::Unsatisfiable
        } else {
            RangeDecision::Whole
        };
    }
    RangeDecision::Partial(coalesce(ranges))
}

enum Spec {
    /// `first-last` or `first-`.
    From { first: u64, last: Option<u64> },
    /// `-suffix`.
    Suffix(u64),
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let (first, last) = spec.split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    if first.is_empty() {
        return Some(Spec::Suffix(number(last)?));
    }
    let first = number(first)?;
    let last = if last.is_empty() {
        None
    } else {
        Some(number(last)?)
    };
    if last.is_some_and(|l| l < first) {
        return None;
    }
    Some(Spec::From { first, last })
}

impl Spec {
    /// RFC 9110 §14.1.2: the satisfiable part of the spec, if any.
    fn resolve(&self, len: u64) -> Option<ByteRange> {
        match *self {
            Spec::From { first, last } if first < len => {
                let last = last.map_or(len - 1, |l| l.min(len - 1));
                Some(ByteRange {
                    start: first,
                    len: last - first + 1,
                })
            }
            Spec::Suffix(n) if n > 0 && len > 0 => {
                let n = n.min(len);
                Some(ByteRange {
                    start: len - n,
                    len: n,
                })
            }
            _ => None,
        }
    }
}

/// Sorts ranges and merges overlapping or adjacent ones.
fn coalesce(mut ranges: Vec<ByteRange>) -> Vec<ByteRange> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<ByteRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(prev) if r.start <= prev.last() + 1 => {
                let end = prev.last().max(r.last());
                prev.len = end - prev.start + 1;
            }
            _ => out.push(r),
        }
    }
    out
}

/// One part of a multipart/byteranges body: its header block, then the
/// file bytes of `range`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartPart {
    /// Boundary line and part fields, up to and including the empty line.
    pub header: Vec<u8>,
    /// The bytes of the representation that follow the header.
    pub range: ByteRange,
}

/// The layout of a multipart/byteranges body (RFC 9110 §14.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    /// The boundary string.
    pub boundary: String,
    /// The parts in order.
    pub parts: Vec<MultipartPart>,
    /// The closing delimiter.
    pub closing: Vec<u8>,
}

impl Multipart {
    /// Lays out `ranges` of a `total`-byte representation of `content_type`.
    pub fn new(boundary: &str, content_type: &str, ranges: &[ByteRange], total: u64) -> Self {
        let parts = ranges
            .iter()
            .map(|r| MultipartPart {
                header: format!(
                    "\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: {}\r\n\r\n",
                    r.content_range(total)
                )
                .into_bytes(),
                range: *r,
            })
            .collect();
        Multipart {
            boundary: boundary.to_string(),
            parts,
            closing: format!("\r\n--{boundary}--\r\n").into_bytes(),
        }
    }

    /// The Content-Type of the whole body.
    pub fn content_type(&self) -> String {
        format!("multipart/byteranges; boundary={}", self.boundary)
    }

    /// The exact body length.
    pub fn content_length(&self) -> u64 {
        let parts: u64 = self
            .parts
            .iter()
            .map(|p| p.header.len() as u64 + p.range.len)
            .sum();
        parts + self.closing.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, len: u64) -> ByteRange {
        ByteRange { start, len }
    }

    #[test]
    fn rfc9110_examples() {
        // RFC 9110 §14.1.2 examples on a 10000-byte representation.
        let len = 10_000;
        assert_eq!(
            evaluate_range("bytes=0-499", len),
            RangeDecision::Partial(vec![r(0, 500)])
        );
        assert_eq!(
            evaluate_range("bytes=500-999", len),
            RangeDecision::Partial(vec![r(500, 500)])
        );
        assert_eq!(
            evaluate_range("bytes=-500", len),
            RangeDecision::Partial(vec![r(9500, 500)])
        );
        assert_eq!(
            evaluate_range("bytes=9500-", len),
            RangeDecision::Partial(vec![r(9500, 500)])
        );
        assert_eq!(
            evaluate_range("bytes=0-0,-1", len),
            RangeDecision::Partial(vec![r(0, 1), r(9999, 1)])
        );
        assert_eq!(
            evaluate_range("bytes= 500-600 , 601-999", len),
            RangeDecision::Partial(vec![r(500, 500)])
        );
        assert_eq!(
            evaluate_range("bytes=500-700,601-999", len),
            RangeDecision::Partial(vec![r(500, 500)])
        );
        assert_eq!(
            evaluate_range("bytes=0-99999", len),
            RangeDecision::Partial(vec![r(0, len)])
        );
    }

    #[test]
    fn unsatisfiable_and_ignored() {
        assert_eq!(
            evaluate_range("bytes=10000-", 10_000),
            RangeDecision::Unsatisfiable
        );
        assert_eq!(evaluate_range("bytes=-0", 10), RangeDecision::Unsatisfiable);
        assert_eq!(evaluate_range("bytes=0-", 0), RangeDecision::Unsatisfiable);
        for ignored in [
            "items=0-1",
            "bytes=5-1",
            "bytes=a-b",
            "bytes",
            "bytes=1-2-3",
            "bytes=",
            "bytes=--1",
        ] {
            assert_eq!(
                evaluate_range(ignored, 100),
                RangeDecision::Whole,
                "{ignored}"
            );
        }
    }

    #[test]
    fn a_thousand_ranges_cost_bounded_work() {
        let many: Vec<String> = (0..1000).map(|i| format!("{i}-{i}")).collect();
        let value = format!("bytes={}", many.join(","));
        assert_eq!(evaluate_range(&value, 1_000_000), RangeDecision::Whole);
        // Just under the bound: overlapping ranges collapse into one.
        let overlapping: Vec<String> = (0..MAX_RANGE_SPECS).map(|_| "0-999".to_string()).collect();
        let value = format!("bytes={}", overlapping.join(","));
        assert_eq!(
            evaluate_range(&value, 1_000_000),
            RangeDecision::Partial(vec![r(0, 1000)])
        );
    }

    #[test]
    fn multipart_layout() {
        let m = Multipart::new("B", "text/plain", &[r(0, 2), r(5, 3)], 10);
        let mut body = Vec::new();
        let data = b"0123456789";
        for p in &m.parts {
            body.extend_from_slice(&p.header);
            body.extend_from_slice(&data[p.range.start as usize..][..p.range.len as usize]);
        }
        body.extend_from_slice(&m.closing);
        assert_eq!(
            String::from_utf8(body.clone()).unwrap(),
            "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01\
             \r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-7/10\r\n\r\n567\r\n--B--\r\n"
        );
        assert_eq!(m.content_length(), body.len() as u64);
        assert_eq!(m.content_type(), "multipart/byteranges; boundary=B");
    }
}
