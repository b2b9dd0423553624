//! POP3 responses (RFC 1939 §3): a status line `+OK text` or `-ERR text`,
//! optionally with a response code in brackets (RFC 2449 §8), and
//! multi-line responses whose lines are dot-stuffed and which end with a
//! line holding a single `.`.

/// Appends `+OK text` and CRLF.
pub fn ok(out: &mut Vec<u8>, text: &str) {
    status(out, "+OK", text);
}

/// Appends `-ERR text` and CRLF.
pub fn err(out: &mut Vec<u8>, text: &str) {
    status(out, "-ERR", text);
}

fn status(out: &mut Vec<u8>, indicator: &str, text: &str) {
    out.extend_from_slice(indicator.as_bytes());
    if !text.is_empty() {
        out.push(b' ');
        out.extend_from_slice(text.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends the body of a multi-line response (CRLF-terminated lines) and
/// the terminating `.` line. RFC 1939 §3: a line beginning with `.` gets
/// one more `.` in front.
pub fn multiline_body(out: &mut Vec<u8>, body: &[u8]) {
    for line in body.split_inclusive(|&b| b == b'\n') {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !body.is_empty() && !body.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

/// The header and the first `lines` lines of the body of a CRLF message
/// (TOP, RFC 1939 §7).
pub fn top(message: &[u8], lines: u32) -> &[u8] {
    let Some(header_end) = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
    else {
        return message;
    };
    let mut end = header_end;
    for _ in 0..lines {
        match message[end..].iter().position(|&b| b == b'\n') {
            Some(p) => end += p + 1,
            None => return message,
        }
    }
    &message[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_and_termination() {
        let mut out = Vec::new();
        ok(&mut out, "2 octets");
        multiline_body(&mut out, b"a\r\n.b\r\n..\r\n.\r\nend");
        assert_eq!(
            out,
            b"+OK 2 octets\r\na\r\n..b\r\n...\r\n..\r\nend\r\n.\r\n".as_slice()
        );
        let mut empty = Vec::new();
        multiline_body(&mut empty, b"");
        assert_eq!(empty, b".\r\n");
        let mut e = Vec::new();
        err(&mut e, "");
        assert_eq!(e, b"-ERR\r\n");
    }

    #[test]
    fn top_cuts_after_body_lines() {
        let m = b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n";
        assert_eq!(top(m, 0), b"A: 1\r\nB: 2\r\n\r\n");
        assert_eq!(top(m, 2), b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n");
        assert_eq!(top(m, 9), m);
        assert_eq!(top(b"no body", 1), b"no body");
    }
}
