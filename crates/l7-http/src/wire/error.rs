//! What can go wrong when reading an HTTP/1.1 message, split so that a server
//! can answer with the right status (RFC 9110 §15, RFC 6585 §5 for 431).

use l7_wire::WireError;

/// Why bytes could not be read as (part of) an HTTP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The input ends before the message part does; call again with more bytes.
    #[error("incomplete message: more bytes needed")]
    Incomplete,
    /// The header section exceeds [`crate::wire::limits::MAX_HEAD_BYTES`] (431).
    #[error("header section too large")]
    HeaderTooLarge,
    /// More than [`crate::wire::limits::MAX_HEADERS`] header fields (431).
    #[error("too many header fields")]
    TooManyHeaders,
    /// The request-target exceeds [`crate::wire::limits::MAX_TARGET_BYTES`] (414).
    #[error("request target too long")]
    UriTooLong,
    /// A well-formed HTTP version other than 1.0 and 1.1 (505).
    #[error("HTTP version not supported")]
    UnsupportedVersion,
    /// A transfer coding other than chunked was applied to a request body (501).
    #[error("transfer coding not implemented")]
    UnsupportedTransferCoding,
    /// The body is larger than the receiver accepts (413).
    #[error("content too large")]
    BodyTooLarge,
    /// The bytes can never form a valid message (400); the text says where.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
}

impl HttpError {
    /// The status code a server answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            HttpError::Incomplete | HttpError::Malformed(_) => 400,
            HttpError::HeaderTooLarge | HttpError::TooManyHeaders => 431,
            HttpError::UriTooLong => 414,
            HttpError::UnsupportedVersion => 505,
            HttpError::UnsupportedTransferCoding => 501,
            HttpError::BodyTooLarge => 413,
        }
    }

    /// True when more input could still turn this into a valid message.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, HttpError::Incomplete)
    }
}

impl From<HttpError> for WireError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Incomplete => WireError::Incomplete,
            other => WireError::invalid(other.to_string()),
        }
    }
}
