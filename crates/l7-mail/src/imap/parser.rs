//! IMAP command syntax (RFC 3501 §9, RFC 9051 §9): a tag, a command name
//! and arguments — atoms, quoted strings, literals `{n}` (and LITERAL+
//! `{n+}`, RFC 7888) and parenthesised lists. Two steps: [`frame`] finds
//! where a command ends in the input (literals can carry CRLFs), then
//! [`parse`] turns that command into values. Everything is bounded: line
//! length, literal size, list nesting and the number of values.

/// Longest line between literals.
pub const MAX_LINE: usize = 8 * 1024;
/// Largest literal (an APPENDed message).
pub const MAX_LITERAL: usize = 32 * 1024 * 1024;
/// Deepest nesting of parenthesised lists.
pub const MAX_DEPTH: usize = 8;
/// Most values in one command.
pub const MAX_VALUES: usize = 4096;
/// Most literals in one command.
pub const MAX_LITERALS: usize = 16;

/// One argument value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An atom, kept as written (`BODY.PEEK[HEADER]<0.10>`, `1:*`, `\Seen`).
    Atom(String),
    /// A quoted string or a literal.
    Str(Vec<u8>),
    /// A parenthesised list.
    List(Vec<Value>),
}

impl Value {
    /// The atom or string as text (upper-cased when `upper`).
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Atom(a) => Some(a.clone()),
            Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
            Value::List(_) => None,
        }
    }
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The client's tag.
    pub tag: String,
    /// The command name, upper-cased (`UID` commands keep their sub-name
    /// as the first argument).
    pub name: String,
    /// The arguments.
    pub args: Vec<Value>,
}

/// Where the next command in the input ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A whole command of this many bytes (CRLF included) is present.
    Complete(usize),
    /// More input is needed; `literals_announced` synchronizing literals
    /// (`{n}`) have been announced whose data has not fully arrived —
    /// the server sends `+` once for each (RFC 3501 §7.5).
    Incomplete {
        /// Synchronizing literals seen so far in this command.
        sync_literals: usize,
    },
}

/// Why input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A line, literal or list is over its bound.
    #[error("{0} too large")]
    TooLarge(&'static str),
    /// The syntax is wrong.
    #[error("{0}")]
    Syntax(&'static str),
}

/// A literal announcement `{n}` or `{n+}` ending `line`, if any.
pub(crate) fn literal_at_end(line: &[u8]) -> Result<Option<(usize, bool)>, ParseError> {
    let Some(inner) = line.strip_suffix(b"}") else {
        return Ok(None);
    };
    let Some(open) = inner.iter().rposition(|&b| b == b'{') else {
        return Ok(None);
    };
    let mut digits = &inner[open + 1..];
    let plus = digits.last() == Some(&b'+');
    if plus {
        digits = &digits[..digits.len() - 1];
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Ok(None);
    }
    if digits.len() > 9 {
        return Err(ParseError::TooLarge("literal"));
    }
    let n: usize = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .ok_or(ParseError::Syntax("bad literal length"))?;
    if n > MAX_LITERAL {
        return Err(ParseError::TooLarge("literal"));
    }
    Ok(Some((n, !plus)))
}

/// Finds the end of the first command in `input`.
pub fn frame(input: &[u8]) -> Result<Frame, ParseError> {
    let mut at = 0;
    let mut sync_literals = 0;
    let mut literals = 0;
    loop {
        let rest = &input[at..];
        let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
            if rest.len() > MAX_LINE {
                return Err(ParseError::TooLarge("command line"));
            }
            return Ok(Frame::Incomplete { sync_literals });
        };
        if lf > MAX_LINE {
            return Err(ParseError::TooLarge("command line"));
        }
        let line = rest[..lf].strip_suffix(b"\r").unwrap_or(&rest[..lf]);
        match literal_at_end(line)? {
            None => return Ok(Frame::Complete(at + lf + 1)),
            Some((n, sync)) => {
                literals += 1;
                if literals > MAX_LITERALS {
                    return Err(ParseError::TooLarge("literal count"));
                }
                if sync {
                    sync_literals += 1;
                }
                at += lf + 1;
                if input.len() - at < n {
                    return Ok(Frame::Incomplete { sync_literals });
                }
                at += n;
            }
        }
    }
}

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
    values: usize,
}

fn is_atom_byte(b: u8) -> bool {
    !matches!(b, b' ' | b'(' | b')' | b'"' | b'{' | b'\r' | b'\n') && b > 0x1f && b != 0x7f
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn count(&mut self) -> Result<(), ParseError> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(ParseError::TooLarge("argument count"));
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        while let Some(b) = self.peek() {
            if b == b'[' {
                // A section: `BODY[HEADER.FIELDS (FROM TO)]` keeps its
                // spaces and parentheses inside the brackets.
                let close = self.input[self.at..]
                    .iter()
                    .position(|&c| c == b']' || c == b'\n')
                    .filter(|&p| self.input[self.at + p] == b']')
                    .ok_or(ParseError::Syntax("unclosed ["))?;
                self.at += close + 1;
            } else if is_atom_byte(b) {
                self.at += 1;
            } else {
                break;
            }
        }
        if self.at == start {
            return Err(ParseError::Syntax("expected an atom"));
        }
        String::from_utf8(self.input[start..self.at].to_vec())
            .map_err(|_| ParseError::Syntax("atom is not UTF-8"))
    }

    fn quoted(&mut self) -> Result<Vec<u8>, ParseError> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => {
                    return Err(ParseError::Syntax("unterminated quoted string"));
                }
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let escaped = self.input.get(self.at + 1).copied();
                    match escaped {
                        Some(c @ (b'"' | b'\\')) => out.push(c),
                        _ => return Err(ParseError::Syntax("bad escape in quoted string")),
                    }
                    self.at += 2;
                }
                Some(b) => {
                    out.push(b);
                    self.at += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Vec<u8>, ParseError> {
        let close = self.input[self.at..]
            .iter()
            .position(|&b| b == b'}')
            .ok_or(ParseError::Syntax("unclosed literal"))?;
        let spec = &self.input[self.at..=self.at + close];
        let (n, _) = literal_at_end(spec)?.ok_or(ParseError::Syntax("bad literal"))?;
        self.at += close + 1;
        if self.input[self.at..].starts_with(b"\r\n") {
            self.at += 2;
        } else if self.peek() == Some(b'\n') {
            self.at += 1;
        } else {
            return Err(ParseError::Syntax("a literal's CRLF is missing"));
        }
        let data = self
            .input
            .get(self.at..self.at + n)
            .ok_or(ParseError::Syntax("literal data is missing"))?;
        self.at += n;
        Ok(data.to_vec())
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.count()?;
        match self.peek() {
            Some(b'"') => self.quoted().map(Value::Str),
            Some(b'{') => self.literal().map(Value::Str),
            Some(b'(') => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::TooLarge("list nesting"));
                }
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    match self.peek() {
                        Some(b')') => {
                            self.at += 1;
                            return Ok(Value::List(items));
                        }
                        Some(b' ') if !items.is_empty() => self.at += 1,
                        Some(_) => {}
                        None => return Err(ParseError::Syntax("unclosed (")),
                    }
                    if self.peek() == Some(b')') {
                        continue;
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            _ => self.atom().map(Value::Atom),
        }
    }
}

/// Parses one framed command (as [`frame`] delimited it, CRLF included).
pub fn parse(command: &[u8]) -> Result<Command, ParseError> {
    let body = command.strip_suffix(b"\n").unwrap_or(command);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let mut p = Parser {
        input: body,
        at: 0,
        values: 0,
    };
    let tag = p.atom()?;
    if tag.contains(['+', '[', ']', '%', '*']) {
        return Err(ParseError::Syntax("bad tag"));
    }
    if p.peek() != Some(b' ') {
        return Err(ParseError::Syntax("expected a command after the tag"));
    }
    p.at += 1;
    let name = p.atom()?.to_ascii_uppercase();
    let mut args = Vec::new();
    while p.at < body.len() {
        if p.peek() != Some(b' ') {
            return Err(ParseError::Syntax("expected a space between arguments"));
        }
        p.at += 1;
        args.push(p.value(0)?);
    }
    Ok(Command { tag, name, args })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(s: &str) -> Value {
        Value::Atom(s.into())
    }

    #[test]
    fn frames_lines_and_literals() {
        assert_eq!(frame(b"a1 NOOP\r\nrest"), Ok(Frame::Complete(9)));
        assert_eq!(frame(b"a1 NOO"), Ok(Frame::Incomplete { sync_literals: 0 }));
        let append = b"a APPEND INBOX {5}\r\nhello\r\n";
        assert_eq!(
            frame(&append[..20]),
            Ok(Frame::Incomplete { sync_literals: 1 })
        );
        assert_eq!(frame(append), Ok(Frame::Complete(append.len())));
        assert_eq!(
            frame(b"a LOGIN {3+}\r\nbob {6+}\r\nhun"),
            Ok(Frame::Incomplete { sync_literals: 0 })
        );
        assert_eq!(
            frame(b"a APPEND x {999999999}\r\n"),
            Err(ParseError::TooLarge("literal"))
        );
        assert!(frame(&[b'a'; MAX_LINE + 1]).is_err());
    }

    #[test]
    fn parses_rfc3501_examples() {
        let c = parse(b"a002 SELECT inbox\r\n").unwrap();
        assert_eq!((c.tag.as_str(), c.name.as_str()), ("a002", "SELECT"));
        assert_eq!(c.args, [atom("inbox")]);
        let c =
            parse(b"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)]<0.100>)\r\n").unwrap();
        assert_eq!(
            c.args,
            [
                atom("2:4"),
                Value::List(vec![
                    atom("FLAGS"),
                    atom("BODY[HEADER.FIELDS (DATE FROM)]<0.100>")
                ])
            ]
        );
        let c = parse(b"a LOGIN \"bob\\\"s\" {6}\r\nhungry\r\n").unwrap();
        assert_eq!(
            c.args,
            [
                Value::Str(b"bob\"s".to_vec()),
                Value::Str(b"hungry".to_vec())
            ]
        );
        let c = parse(b"a003 STORE 2:4 +FLAGS.SILENT (\\Deleted \\Seen)\r\n").unwrap();
        assert_eq!(
            c.args[2],
            Value::List(vec![atom("\\Deleted"), atom("\\Seen")])
        );
        assert_eq!(
            parse(b"a LIST \"\" ()\r\n").unwrap().args[1],
            Value::List(vec![])
        );
    }

    #[test]
    fn refuses_bad_syntax_and_deep_nesting() {
        assert!(parse(b"\r\n").is_err());
        assert!(parse(b"a\r\n").is_err());
        assert!(parse(b"a X \"open\r\n").is_err());
        assert!(parse(b"a X (a b\r\n").is_err());
        assert!(parse(b"a X {5}\r\nab\r\n").is_err());
        let deep = format!("a X {}{}\r\n", "(".repeat(20), ")".repeat(20));
        assert_eq!(
            parse(deep.as_bytes()),
            Err(ParseError::TooLarge("list nesting"))
        );
    }
}
