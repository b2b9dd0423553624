//! MIME building blocks (RFC 2045, RFC 2046): base64 bodies in 76-character
//! lines (RFC 2045 §6.8), line-end normalisation, and boundaries that cannot
//! occur in the parts they separate (RFC 2046 §5.1.1).

use crate::base64;

/// RFC 2045 §6.8: encoded lines are at most 76 characters.
const BASE64_LINE: usize = 76;
/// RFC 5322 §2.1.1: a line is at most 998 characters before CRLF.
pub const MAX_LINE: usize = 998;

/// Appends `data` as base64 in 76-character CRLF lines.
pub fn base64_lines(data: &[u8], out: &mut Vec<u8>) {
    let mut encoded = Vec::with_capacity(data.len() / 3 * 4 + 4);
    base64::encode_into(data, &mut encoded);
    for line in encoded.chunks(BASE64_LINE) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

/// `text` with every line end (CRLF, LF or CR) as CRLF, ending in CRLF.
pub fn crlf_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split("\r\n").flat_map(|l| l.split(['\n', '\r'])) {
        out.push_str(line);
        out.push_str("\r\n");
    }
    if text.ends_with(['\n', '\r']) {
        out.truncate(out.len() - 2);
    }
    out
}

/// True when `text` can be sent as `7bit` (RFC 2045 §2.7): ASCII, no NUL,
/// lines of at most 998 characters.
pub fn is_7bit(text: &str) -> bool {
    text.bytes().all(|b| b != 0 && b < 128) && text.lines().all(|l| l.len() <= MAX_LINE)
}

/// A boundary derived from `seed`. It starts with `=_`, which never occurs
/// in base64 and which callers check against their 7bit parts.
pub fn boundary(seed: &str) -> String {
    // FNV-1a: a stable spread of the seed, not a security measure.
    let hash = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("=_l7_{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_encodings() {
        assert_eq!(crlf_lines("a\nb\r\nc"), "a\r\nb\r\nc\r\n");
        assert_eq!(crlf_lines("a\n"), "a\r\n");
        let mut out = Vec::new();
        base64_lines(&[0u8; 100], &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.len() <= 76));
        assert_eq!(text.lines().count(), 2);
        assert!(is_7bit("plain\r\ntext") && !is_7bit("café") && !is_7bit(&"x".repeat(999)));
        assert_ne!(boundary("a"), boundary("b"));
    }
}
