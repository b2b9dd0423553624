//! Why bencoded input was rejected. Every variant except `Incomplete` means
//! the sender produced bytes that are not strict, canonical bencode.

use l7_wire::WireError;

/// A bencode parse failure, with the byte offset where it was detected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BencodeError {
    /// The input ends before the value does.
    #[error("incomplete bencode: more bytes needed")]
    Incomplete,
    /// A byte that cannot start or continue a value here.
    #[error("unexpected byte 0x{byte:02x} at offset {offset}")]
    UnexpectedByte { byte: u8, offset: usize },
    /// BEP 3: integers have no leading zeros and `-0` is not allowed.
    #[error("non-canonical integer at offset {offset} (leading zero or -0)")]
    NonCanonicalInteger { offset: usize },
    /// An integer that does not fit in 64 bits (or a string length past any limit).
    #[error("integer out of range at offset {offset}")]
    IntegerOverflow { offset: usize },
    /// BEP 3: dictionary keys must appear sorted as raw strings.
    #[error("dictionary keys not sorted at offset {offset}")]
    UnsortedKeys { offset: usize },
    /// A dictionary key that appears twice.
    #[error("duplicate dictionary key at offset {offset}")]
    DuplicateKey { offset: usize },
    /// Dictionary keys must be byte strings.
    #[error("dictionary key at offset {offset} is not a byte string")]
    NonStringKey { offset: usize },
    /// Containers nested deeper than the limit.
    #[error("nesting deeper than {limit} levels")]
    TooDeep { limit: usize },
    /// More values than the limit.
    #[error("more than {limit} elements")]
    TooManyElements { limit: usize },
    /// Input (or a declared string) larger than the limit.
    #[error("input larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Bytes after a complete top-level value in a whole-buffer decode.
    #[error("trailing bytes after the value at offset {offset}")]
    TrailingBytes { offset: usize },
}

impl From<BencodeError> for WireError {
    fn from(e: BencodeError) -> Self {
        match e {
            BencodeError::Incomplete => WireError::Incomplete,
            other => WireError::Invalid(other.to_string()),
        }
    }
}
