//! The error every wire parser returns: either more bytes are needed, or the
//! bytes can never form a valid message.

/// Why a parse did not produce a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The input ends before the message does; call again with more bytes.
    #[error("incomplete message: more bytes needed")]
    Incomplete,
    /// The input can never become a valid message.
    #[error("invalid message: {0}")]
    Invalid(String),
}

impl WireError {
    /// Builds an [`WireError::Invalid`] from anything printable.
    pub fn invalid(what: impl Into<String>) -> Self {
        WireError::Invalid(what.into())
    }

    /// True when more input could still turn this into a valid message.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, WireError::Incomplete)
    }
}
