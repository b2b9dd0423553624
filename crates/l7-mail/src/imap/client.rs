//! The reading side of an IMAP client (RFC 3501 §7): the tagged status
//! that completes a command, and the literal `{n}` a response line
//! announces. The fetching driver sends commands and feeds it lines.

use super::parser::{MAX_LITERAL, literal_at_end};

/// How a command completed (RFC 3501 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// `tag OK text`.
    Ok(String),
    /// `tag NO text` or `tag BAD text`.
    Failed(String),
}

/// The completion of command `tag`, if `line` is it.
pub fn completion(line: &[u8], tag: &str) -> Option<Completion> {
    let text = String::from_utf8_lossy(line);
    let rest = text.trim_end().strip_prefix(tag)?.strip_prefix(' ')?;
    let (status, what) = rest.split_once(' ').unwrap_or((rest, ""));
    match status.to_ascii_uppercase().as_str() {
        "OK" => Some(Completion::Ok(what.to_string())),
        "NO" | "BAD" => Some(Completion::Failed(rest.to_string())),
        _ => None,
    }
}

/// The size of the literal that follows `line`, if it ends with `{n}`
/// (bounded by [`MAX_LITERAL`]).
pub fn trailing_literal(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    literal_at_end(line)
        .ok()
        .flatten()
        .map(|(n, _)| n)
        .filter(|&n| n <= MAX_LITERAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_and_literals() {
        assert_eq!(
            completion(b"a1 OK done\r\n", "a1"),
            Some(Completion::Ok("done".into()))
        );
        assert_eq!(
            completion(b"a1 NO [AUTHENTICATIONFAILED] no\r\n", "a1"),
            Some(Completion::Failed("NO [AUTHENTICATIONFAILED] no".into()))
        );
        assert_eq!(completion(b"* OK still going\r\n", "a1"), None);
        assert_eq!(completion(b"a10 OK\r\n", "a1"), None);
        assert_eq!(
            trailing_literal(b"* 1 FETCH (UID 4 BODY[] {342}\r\n"),
            Some(342)
        );
        assert_eq!(trailing_literal(b"* 1 FETCH (UID 4)\r\n"), None);
    }
}
