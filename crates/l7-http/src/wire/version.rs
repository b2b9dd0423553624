//! The HTTP-version of a request or status line (RFC 9112 §2.3).

use std::fmt;

/// The protocol versions this crate speaks on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// HTTP/1.0 (RFC 1945): not persistent unless keep-alive is negotiated.
    Http10,
    /// HTTP/1.1: persistent by default.
    Http11,
}

impl Version {
    /// The version as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }

    /// The version as a Via field names it (RFC 9110 §7.6.3
    /// received-protocol, "HTTP/" omitted).
    pub fn via_protocol(self) -> &'static str {
        &self.as_str()["HTTP/".len()..]
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
