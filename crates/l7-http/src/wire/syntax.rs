//! Character classes of the HTTP grammar (RFC 9110 §5.6.2 token, §5.5
//! field-value, RFC 3986 for request-targets) as lookup tables.

macro_rules! byte_table {
    ($pred:ident) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            table[i] = $pred(i as u8);
            i += 1;
        }
        table
    }};
}

const fn tchar(b: u8) -> bool {
    // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "."
    //                        / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

const fn field_byte(b: u8) -> bool {
    // RFC 9110 §5.5: field-content is VCHAR, SP, HTAB and obs-text (%x80-FF).
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

const fn target_byte(b: u8) -> bool {
    // Any visible byte or obs-text; which of them form a valid URI is checked
    // by the target-form classification (RFC 9112 §3.2), not by the line parser.
    b > 0x20 && b != 0x7f
}

static TCHAR: [bool; 256] = byte_table!(tchar);
static FIELD: [bool; 256] = byte_table!(field_byte);
static TARGET: [bool; 256] = byte_table!(target_byte);

/// True for a byte allowed in a token (method, field name, coding name).
#[inline]
pub fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// True for a byte allowed inside a field value.
#[inline]
pub fn is_field_byte(b: u8) -> bool {
    FIELD[b as usize]
}

/// True for a byte allowed in the request-target of a request line.
#[inline]
pub fn is_target_byte(b: u8) -> bool {
    TARGET[b as usize]
}

/// True when `s` is a non-empty token.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Removes leading and trailing optional whitespace (RFC 9110 §5.6.3 OWS).
pub fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_token(b"Content-Length"));
        assert!(!is_token(b"Content Length"));
        assert!(!is_token(b""));
        assert!(is_field_byte(b'\t') && is_field_byte(0x80) && !is_field_byte(0x7f));
        assert!(!is_field_byte(b'\r') && !is_field_byte(0));
        assert!(is_target_byte(b'/') && !is_target_byte(b' '));
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"  "), b"");
    }
}
