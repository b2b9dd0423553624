//! Outbound body preparation (RFC 5321 §4.5.2, §2.3.8): every line end
//! becomes CRLF (bare LF and bare CR included), THEN lines beginning with
//! `.` get a second dot. [`DotStuffer`] does it chunk by chunk. Normalising first is what keeps a stored `\n.\n`
//! from turning into an end-of-data marker on the next hop (SMTP smuggling).

/// Dot-stuffs a body that arrives in chunks (streamed from a queue file):
/// the same output as [`dot_stuff`] of the whole, with bounded state.
#[derive(Debug, Clone)]
pub struct DotStuffer {
    line_start: bool,
    /// The previous chunk ended in CR: an LF starting this one is its pair.
    after_cr: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        DotStuffer {
            line_start: true,
            after_cr: false,
        }
    }
}

impl DotStuffer {
    /// Appends the stuffed form of `chunk` to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        out.reserve(chunk.len() + chunk.len() / 64 + 2);
        for &b in chunk {
            let pair = self.after_cr && b == b'\n';
            self.after_cr = b == b'\r';
            if pair {
                // CRLF is one line end, not two.
                continue;
            }
            if self.line_start && b == b'.' {
                out.push(b'.');
            }
            match b {
                b'\r' | b'\n' => {
                    out.extend_from_slice(b"\r\n");
                    self.line_start = true;
                }
                _ => {
                    out.push(b);
                    self.line_start = false;
                }
            }
        }
    }

    /// Ends the body with a line end if it lacks one; the caller appends
    /// the `.` CRLF terminator.
    pub fn finish(self, out: &mut Vec<u8>) {
        if !self.line_start {
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Returns `body` with CRLF line ends, dot-stuffed, ending in CRLF (unless
/// empty); the caller appends the `.` CRLF terminator.
pub fn dot_stuff(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stuffer = DotStuffer::default();
    stuffer.push(body, &mut out);
    stuffer.finish(&mut out);
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
        fn chunked_equals_whole(body in proptest::collection::vec(
            proptest::prop_oneof![proptest::strategy::Just(b'.'), proptest::strategy::Just(b'\r'),
                                  proptest::strategy::Just(b'\n'), proptest::strategy::Just(b'a')], 0..40),
            cut in 0usize..40) {
            let cut = cut.min(body.len());
            let mut out = Vec::new();
            let mut s = DotStuffer::default();
            s.push(&body[..cut], &mut out);
            s.push(&body[cut..], &mut out);
            s.finish(&mut out);
            proptest::prop_assert_eq!(out, dot_stuff(&body));
        }
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
