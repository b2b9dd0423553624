//! Splits a byte stream into lines with a length bound.
//!
//! A line ends at `\n` (a `\r` before it is dropped, so telnet and nc users
//! look the same). A line longer than the bound is not buffered: the splitter
//! reports it once as [`Line::TooLong`] and discards bytes until the next
//! newline, so memory per connection stays bounded whatever a client sends.

/// One result of splitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A complete line, without its line ending.
    Text(Vec<u8>),
    /// A line exceeded the bound and was dropped.
    TooLong,
}

/// Accumulates bytes and yields complete lines.
#[derive(Debug)]
pub struct LineSplitter {
    buf: Vec<u8>,
    max: usize,
    discarding: bool,
}

impl LineSplitter {
    /// A splitter that accepts lines of at most `max` bytes (without the ending).
    pub fn new(max: usize) -> Self {
        LineSplitter {
            buf: Vec::new(),
            max,
            discarding: false,
        }
    }

    /// The bound this splitter enforces.
    pub fn max_len(&self) -> usize {
        self.max
    }

    /// Feeds `input`; appends every line it completes to `lines`.
    pub fn push(&mut self, mut input: &[u8], lines: &mut Vec<Line>) {
        while !input.is_empty() {
            match input.iter().position(|&b| b == b'\n') {
                Some(nl) => {
                    let (head, tail) = (&input[..nl], &input[nl + 1..]);
                    if self.discarding {
                        self.discarding = false;
                    } else if self.buf.len() + head.len() > self.max + 1 {
                        lines.push(Line::TooLong);
                    } else {
                        self.buf.extend_from_slice(head);
                        let mut line = std::mem::take(&mut self.buf);
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                        if line.len() > self.max {
                            lines.push(Line::TooLong);
                        } else {
                            lines.push(Line::Text(line));
                        }
                    }
                    self.buf.clear();
                    input = tail;
                }
                None => {
                    if !self.discarding {
                        if self.buf.len() + input.len() > self.max + 1 {
                            self.buf = Vec::new();
                            self.discarding = true;
                            lines.push(Line::TooLong);
                        } else {
                            self.buf.extend_from_slice(input);
                        }
                    }
                    return;
                }
            }
        }
    }

    /// Bytes of an unfinished line currently held.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> Vec<Line> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut out);
        }
        out
    }

    #[test]
    fn splits_and_strips_cr() {
        assert_eq!(
            split(10, &[b"ab\r\ncd", b"e\nf"]),
            vec![Line::Text(b"ab".to_vec()), Line::Text(b"cde".to_vec())]
        );
    }

    #[test]
    fn long_line_is_reported_once_and_discarded() {
        let mut s = LineSplitter::new(4);
        let mut out = Vec::new();
        s.push(b"abcdefgh", &mut out);
        s.push(b"ijklmnop", &mut out);
        assert_eq!(out, vec![Line::TooLong]);
        assert_eq!(s.pending(), 0);
        s.push(b"qr\nok\n", &mut out);
        assert_eq!(out, vec![Line::TooLong, Line::Text(b"ok".to_vec())]);
    }

    #[test]
    fn exact_bound_is_accepted() {
        assert_eq!(split(3, &[b"abc\r\n"]), vec![Line::Text(b"abc".to_vec())]);
        assert_eq!(split(3, &[b"abcd\n"]), vec![Line::TooLong]);
    }

    proptest::proptest! {
        #[test]
        fn chunking_does_not_change_lines(data in proptest::collection::vec(
            proptest::prop_oneof![proptest::prelude::Just(b'\n'), proptest::prelude::any::<u8>()], 0..200),
            cut in 0usize..200) {
            let cut = cut.min(data.len());
            proptest::prop_assert_eq!(split(16, &[&data]), split(16, &[&data[..cut], &data[cut..]]));
        }
    }
}
