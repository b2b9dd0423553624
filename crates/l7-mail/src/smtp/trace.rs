//! The `--trace` transcript: every line a session reads or writes, in the
//! textbook's `C: ...` / `S: ...` form. Sessions record lines only when
//! tracing is switched on, and drivers drain them with `poll_trace()`.

use std::fmt;

/// Longest text kept per traced line; longer lines are cut and marked.
pub const MAX_TRACE_LINE: usize = 200;

/// Who sent a traced line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The SMTP client (`C:`).
    Client,
    /// The SMTP server (`S:`).
    Server,
}

/// One line of the conversation, without its CRLF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    /// Who sent it.
    pub direction: Direction,
    /// The line as text (invalid UTF-8 replaced, long lines cut).
    pub text: String,
}

impl TraceLine {
    /// Builds a traced line from raw bytes, cutting it at [`MAX_TRACE_LINE`].
    pub fn new(direction: Direction, raw: &[u8]) -> Self {
        let cut = raw.len() > MAX_TRACE_LINE;
        let mut text = String::from_utf8_lossy(&raw[..raw.len().min(MAX_TRACE_LINE)]).into_owned();
        if cut {
            text.push_str("...");
        }
        TraceLine { direction, text }
    }
}

impl fmt::Display for TraceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match self.direction {
            Direction::Client => "C",
            Direction::Server => "S",
        };
        write!(f, "{who}: {}", self.text)
    }
}

/// A transcript that records only when enabled.
#[derive(Debug, Default)]
pub(crate) struct Transcript {
    enabled: bool,
    lines: std::collections::VecDeque<TraceLine>,
    /// A data line still being received (trace splits data at CRLF).
    partial: Vec<u8>,
}

impl Transcript {
    pub(crate) fn new(enabled: bool) -> Self {
        Transcript {
            enabled,
            ..Transcript::default()
        }
    }

    /// Records one line.
    pub(crate) fn line(&mut self, direction: Direction, raw: &[u8]) {
        if self.enabled {
            self.lines.push_back(TraceLine::new(direction, raw));
        }
    }

    /// Records every line of a wire buffer (CRLF-separated).
    pub(crate) fn lines(&mut self, direction: Direction, wire: &[u8]) {
        if self.enabled {
            for line in wire
                .strip_suffix(b"\r\n")
                .unwrap_or(wire)
                .split(|&b| b == b'\n')
            {
                self.line(direction, line.strip_suffix(b"\r").unwrap_or(line));
            }
        }
    }

    /// Records raw message data, emitting a line at each CRLF; memory is
    /// bounded by keeping at most [`MAX_TRACE_LINE`] + 1 bytes of a line.
    pub(crate) fn data(&mut self, direction: Direction, raw: &[u8]) {
        if !self.enabled {
            return;
        }
        for &b in raw {
            if b == b'\n' && self.partial.last() == Some(&b'\r') {
                self.partial.pop();
                let line = std::mem::take(&mut self.partial);
                self.line(direction, &line);
            } else if self.partial.len() <= MAX_TRACE_LINE + 1 {
                self.partial.push(b);
            } else {
                // Keep the last byte so a CR before the LF is still seen.
                if let Some(last) = self.partial.last_mut() {
                    *last = b;
                }
            }
        }
    }

    pub(crate) fn poll(&mut self) -> Option<TraceLine> {
        self.lines.pop_front()
    }
}
