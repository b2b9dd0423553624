//! Outbound body preparation (RFC 5321 §4.5.2, §2.3.8): every line end
//! becomes CRLF (bare LF and bare CR included), THEN lines beginning with
//! `.` get a second dot. Normalising first is what keeps a stored `\n.\n`
//! from turning into an end-of-data marker on the next hop (SMTP smuggling).

/// Returns `body` with CRLF line ends, dot-stuffed, ending in CRLF (unless
/// empty); the caller appends the `.` CRLF terminator.
pub fn dot_stuff(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 64 + 2);
    let mut line_start = true;
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if line_start && b == b'.' {
            out.push(b'.');
        }
        match b {
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                // CRLF is one line end, not two.
                if b == b'\r' && body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                line_start = true;
            }
            _ => {
                out.push(b);
                line_start = false;
            }
        }
        i += 1;
    }
    if !line_start {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_then_stuffs() {
        assert_eq!(dot_stuff(b"a\r\n.b\r\n"), b"a\r\n..b\r\n");
        assert_eq!(
            dot_stuff(b"a\n.\nMAIL FROM:<x@y>\n"),
            b"a\r\n..\r\nMAIL FROM:<x@y>\r\n"
        );
        assert_eq!(dot_stuff(b"a\r.\rb"), b"a\r\n..\r\nb\r\n");
        assert_eq!(dot_stuff(b".\r\n"), b"..\r\n");
        assert_eq!(dot_stuff(b"no newline"), b"no newline\r\n");
        assert_eq!(dot_stuff(b""), b"");
    }

    proptest::proptest! {
        #[test]
        fn output_never_holds_an_end_marker(body in proptest::collection::vec(
            proptest::prop_oneof![proptest::strategy::Just(b'.'), proptest::strategy::Just(b'\r'),
                                  proptest::strategy::Just(b'\n'), proptest::strategy::Just(b'a')], 0..40)) {
            let mut wire = b"\r\n".to_vec();
            wire.extend(dot_stuff(&body));
            // Only the terminator we append may form CRLF "." CRLF.
            proptest::prop_assert!(!wire.windows(5).any(|w| w == b"\r\n.\r\n"));
            // Every CR is followed by LF and every LF preceded by CR.
            for (i, &b) in wire.iter().enumerate() {
                if b == b'\r' { proptest::prop_assert_eq!(wire.get(i + 1), Some(&b'\n')); }
                if b == b'\n' { proptest::prop_assert_eq!(wire[i - 1], b'\r'); }
            }
        }
    }
}
