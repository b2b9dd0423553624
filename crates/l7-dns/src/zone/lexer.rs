//! Splits a master file into entries (RFC 1035 §5.1): tokens separated by
//! blanks, `;` comments, parentheses that join lines, quoted strings, and
//! backslash escapes kept as written for the field parsers to interpret.

/// One field of an entry, escapes not yet interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The bytes as written (without the quotes of a quoted string).
    pub text: Vec<u8>,
    /// True when the field was a quoted string.
    pub quoted: bool,
}

/// One logical line: the entry's fields and where it starts.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Line number (1-based) of the first field.
    pub line: usize,
    /// True when the line began with a blank: the owner is omitted.
    pub owner_omitted: bool,
    /// The fields.
    pub tokens: Vec<Token>,
}

/// Reads entries one by one from a master file's bytes.
pub struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    /// Starts at the top of `text`.
    pub fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The next non-empty entry, `Ok(None)` at the end, or the line and
    /// reason of a lexical error.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, (usize, String)> {
        loop {
            if self.pos >= self.text.len() {
                return Ok(None);
            }
            let owner_omitted = matches!(self.text[self.pos], b' ' | b'\t');
            let mut entry = Entry {
                line: self.line,
                owner_omitted,
                tokens: Vec::new(),
            };
            let mut depth = 0usize;
            let mut open_line = 0;
            while let Some(&c) = self.text.get(self.pos) {
                match c {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b';' => {
                        while self.text.get(self.pos).is_some_and(|&c| c != b'\n') {
                            self.pos += 1;
                        }
                    }
                    b'(' => {
                        if depth == 0 {
                            open_line = self.line;
                        }
                        depth += 1;
                        self.pos += 1;
                    }
                    b')' => {
                        if depth == 0 {
                            return Err((self.line, "')' without '('".into()));
                        }
                        depth -= 1;
                        self.pos += 1;
                    }
                    b'"' => {
                        let token = self.quoted()?;
                        entry.tokens.push(token);
                    }
                    _ => {
                        if entry.tokens.is_empty() {
                            entry.line = self.line;
                        }
                        let token = self.word()?;
                        entry.tokens.push(token);
                    }
                }
            }
            if depth > 0 {
                return Err((open_line, "'(' is never closed".into()));
            }
            if !entry.tokens.is_empty() {
                return Ok(Some(entry));
            }
        }
    }

    fn word(&mut self) -> Result<Token, (usize, String)> {
        let start = self.pos;
        while let Some(&c) = self.text.get(self.pos) {
            if is_control(c)
                || (c == b'\\' && self.text.get(self.pos + 1).is_some_and(|&n| is_control(n)))
            {
                let bad = if is_control(c) {
                    c
                } else {
                    self.text[self.pos + 1]
                };
                return Err((self.line, control_error(bad)));
            }
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' => break,
                b'\\' => {
                    if matches!(self.text.get(self.pos + 1), None | Some(b'\n')) {
                        return Err((self.line, "backslash at the end of a line".into()));
                    }
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
        Ok(Token {
            text: self.text[start..self.pos].to_vec(),
            quoted: false,
        })
    }

    fn quoted(&mut self) -> Result<Token, (usize, String)> {
        let open_line = self.line;
        self.pos += 1;
        let start = self.pos;
        while let Some(&c) = self.text.get(self.pos) {
            match c {
                b'"' => {
                    let text = self.text[start..self.pos].to_vec();
                    self.pos += 1;
                    return Ok(Token { text, quoted: true });
                }
                b'\\' => {
                    if self.text.get(self.pos + 1) == Some(&b'\n') {
                        self.line += 1;
                    }
                    self.pos += 2;
                }
                // BIND does not let a string run on to the next line unescaped.
                b'\n' => return Err((open_line, "quoted string is not closed on its line".into())),
                c if is_control(c) => return Err((self.line, control_error(c))),
                _ => self.pos += 1,
            }
        }
        Err((open_line, "quoted string is never closed".into()))
    }
}

/// A raw NUL byte is never valid in a master file (BIND rejects it; other
/// control characters it takes as they are); it is written `\000`.
fn is_control(c: u8) -> bool {
    c == 0
}

fn control_error(c: u8) -> String {
    format!("control character 0x{c:02x} (write it as \\{c:03})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(e: &Entry) -> Vec<String> {
        e.tokens
            .iter()
            .map(|t| String::from_utf8_lossy(&t.text).into_owned())
            .collect()
    }

    #[test]
    fn parentheses_comments_quotes_and_escapes() {
        let zone = b"@ IN SOA ns admin ( 1 ; serial\n  2 3\n 4 5 )\n\n  TXT \"a ; b\" c\\ d\nwww A 1.2.3.4";
        let mut lx = Lexer::new(zone);
        let soa = lx.next_entry().unwrap().unwrap();
        assert_eq!(soa.line, 1);
        assert_eq!(
            texts(&soa),
            ["@", "IN", "SOA", "ns", "admin", "1", "2", "3", "4", "5"]
        );
        let txt = lx.next_entry().unwrap().unwrap();
        assert!(txt.owner_omitted);
        assert_eq!(txt.line, 5);
        assert_eq!(texts(&txt), ["TXT", "a ; b", "c\\ d"]);
        assert!(txt.tokens[1].quoted);
        let www = lx.next_entry().unwrap().unwrap();
        assert_eq!((www.line, www.owner_omitted), (6, false));
        assert!(lx.next_entry().unwrap().is_none());
    }

    #[test]
    fn unbalanced_input_is_reported_with_its_line() {
        assert_eq!(
            Lexer::new(b"a\nb ( 1\n2")
                .next_entry()
                .unwrap()
                .unwrap()
                .line,
            1
        );
        let mut lx = Lexer::new(b"a\nb ( 1\n2");
        lx.next_entry().unwrap();
        assert_eq!(lx.next_entry().unwrap_err().0, 2);
        assert_eq!(Lexer::new(b"a )").next_entry().unwrap_err().0, 1);
        let mut lx = Lexer::new(b"a\nb c\\\nd");
        lx.next_entry().unwrap();
        assert_eq!(
            lx.next_entry().unwrap_err(),
            (2, "backslash at the end of a line".into())
        );
        assert_eq!(Lexer::new(b"\n\"abc").next_entry().unwrap_err().0, 2);
        assert_eq!(Lexer::new(b"a \"b\nc\"").next_entry().unwrap_err().0, 1);
        let mut lx = Lexer::new(b"a\n b\x00c");
        lx.next_entry().unwrap();
        assert_eq!(
            lx.next_entry().unwrap_err(),
            (2, "control character 0x00 (write it as \\000)".into())
        );
    }
}
