//! The DATA reader (RFC 5321 §4.1.1.4, §4.5.2): streams the message body,
//! removes dot-stuffing, and finds the end of data.
//!
//! Safety rule against SMTP smuggling (CVE-2023-51764/51765/51766): the body
//! ends ONLY at `CRLF "." CRLF`. Lines are delimited ONLY by CRLF: a bare LF
//! or a bare CR is an ordinary data byte, which never ends a line, never ends
//! the message, and never starts a line whose dot could be unstuffed. So the
//! payloads `\n.\n`, `\r.\r`, `\r\n.\n` and `\n.\r\n` are kept inside the
//! message and the text after them is never read as SMTP commands. This is
//! the behaviour Postfix adopted (`smtpd_forbid_bare_newline`: the standard
//! End-of-DATA sequence is required); our relay client then normalises bare
//! line ends to CRLF *before* dot-stuffing, so the kept bytes cannot become an
//! end-of-data marker on the next hop either. The reader keeps no line
//! buffer: memory stays constant however long a data line is.

/// Where the reader is within the line structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// At the start of a line (just after CRLF, or at the start of data:
    /// the CRLF ending the DATA command counts, so `.CRLF` is an empty body).
    LineStart,
    /// Inside a line.
    InLine,
    /// Inside a line, after a CR that may begin a CRLF.
    InLineCr,
    /// A line that began with `.`, the dot not yet copied or dropped.
    Dot,
    /// `.` CR at the start of a line: LF now ends the message.
    DotCr,
}

/// Incremental dot-unstuffing reader of a DATA body.
#[derive(Debug, Clone)]
pub struct DataReader {
    position: Position,
}

impl Default for DataReader {
    fn default() -> Self {
        DataReader {
            position: Position::LineStart,
        }
    }
}

impl DataReader {
    /// A reader at the start of the body.
    pub fn new() -> Self {
        DataReader::default()
    }

    /// Reads body bytes from `input`, appending the unstuffed message bytes
    /// to `out`. Returns `Some(n)` when the end-of-data line was found after
    /// consuming `n` bytes of `input` (the rest belongs to the next command),
    /// `None` when all of `input` was consumed and more is expected.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        for (i, &b) in input.iter().enumerate() {
            let mut byte = Some(b);
            // A byte may be looked at twice when a pending state resolves.
            while let Some(c) = byte.take() {
                self.position = match (self.position, c) {
                    (Position::LineStart, b'.') => Position::Dot,
                    (Position::LineStart | Position::InLine, b'\r') => Position::InLineCr,
                    (Position::LineStart | Position::InLine, _) => {
                        out.push(c);
                        Position::InLine
                    }
                    (Position::InLineCr, b'\n') => {
                        out.extend_from_slice(b"\r\n");
                        Position::LineStart
                    }
                    (Position::InLineCr, _) => {
                        // A bare CR: data, and the line goes on.
                        out.push(b'\r');
                        byte = Some(c);
                        Position::InLine
                    }
                    (Position::Dot, b'\r') => Position::DotCr,
                    (Position::Dot, _) => {
                        // §4.5.2: the leading dot of a stuffed line is deleted.
                        byte = Some(c);
                        Position::InLine
                    }
                    (Position::DotCr, b'\n') => {
                        self.position = Position::LineStart;
                        return Some(i + 1);
                    }
                    (Position::DotCr, _) => {
                        // ".<CR>x": the dot was stuffing; the CR is pending.
                        byte = Some(c);
                        Position::InLineCr
                    }
                };
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` one split at a time; returns the body and the end offset.
    fn read(input: &[u8], split: usize) -> (Vec<u8>, Option<usize>) {
        let mut r = DataReader::new();
        let mut out = Vec::new();
        let (a, b) = input.split_at(split.min(input.len()));
        if let Some(n) = r.feed(a, &mut out) {
            return (out, Some(n));
        }
        let end = r.feed(b, &mut out).map(|n| n + a.len());
        (out, end)
    }

    #[test]
    fn unstuffs_and_ends_at_crlf_dot_crlf_at_any_split() {
        let wire = b"Do you like ketchup?\r\n..hidden\r\n.\r\nQUIT\r\n";
        for split in 0..wire.len() {
            let (body, end) = read(wire, split);
            assert_eq!(
                body, b"Do you like ketchup?\r\n.hidden\r\n",
                "split {split}"
            );
            assert_eq!(end, Some(wire.len() - 6), "split {split}");
        }
        assert_eq!(read(b".\r\n", 1), (Vec::new(), Some(3)));
    }

    #[test]
    fn smuggling_payloads_stay_data() {
        for payload in [
            &b"a\n.\nMAIL"[..],
            b"a\r.\rMAIL",
            b"a\r\n.\nMAIL",
            b"a\n.\r\nMAIL",
            b"a\r\r\n.\r\r\n",
        ] {
            for split in 0..payload.len() {
                let (_, end) = read(payload, split);
                assert_eq!(end, None, "{payload:?} ended early at split {split}");
            }
        }
        assert_eq!(read(b"a\n.\nb", 0).0, b"a\n.\nb");
        assert_eq!(read(b"a\r.\rb", 0).0, b"a\r.\rb");
        // "\r\n.\n": the line starts with a stuffing dot, which is removed.
        assert_eq!(read(b"a\r\n.\nb", 0).0, b"a\r\n\nb");
        assert_eq!(
            read(b"a\r\n.\rb\r\n.\r\n", 3),
            (b"a\r\n\rb\r\n".to_vec(), Some(11))
        );
    }

    proptest::proptest! {
        #[test]
        fn stuffed_lines_come_back(lines in proptest::collection::vec("[.a-z \r\n]{0,12}", 0..8)) {
            // Any body made of CRLF lines, dot-stuffed, reads back exactly.
            let body: Vec<u8> = lines.iter().flat_map(|l| {
                let clean: String = l.chars().filter(|&c| c != '\r' && c != '\n').collect();
                format!("{clean}\r\n").into_bytes()
            }).collect();
            let mut wire = crate::smtp::client::dot_stuff(&body);
            wire.extend_from_slice(b".\r\n");
            let (out, end) = read(&wire, wire.len() / 2);
            proptest::prop_assert_eq!(out, body);
            proptest::prop_assert_eq!(end, Some(wire.len()));
        }
    }
}
