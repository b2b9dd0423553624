//! The bounds every HTTP/1.1 parser in this crate enforces, so that no input
//! makes it allocate or work without limit (GUIDE §7). Each bound has its own
//! error, and so its own status code.

/// Largest header section (request or status line, fields, final CRLF) in
/// bytes; beyond it a request gets 431 (RFC 6585 §5).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Most header fields in one section (also trailer fields); beyond it 431.
pub const MAX_HEADERS: usize = 100;

/// Longest request-target in bytes; beyond it 414 (RFC 9110 §15.5.15).
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// Longest method token; a longer one is malformed (400).
pub const MAX_METHOD_BYTES: usize = 32;

/// Most hex digits in a chunk-size; 16 digits fill a u64 (RFC 9112 §7.1).
pub const MAX_CHUNK_SIZE_DIGITS: usize = 16;

/// Most bytes of chunk extensions on one chunk-size line (RFC 9112 §7.1.1:
/// recipients tolerate them, but bound them).
pub const MAX_CHUNK_EXT_BYTES: usize = 4 * 1024;

/// Largest trailer section of a chunked body in bytes (RFC 9112 §7.1.2).
pub const MAX_TRAILER_BYTES: usize = 8 * 1024;

/// Most leading empty lines skipped before a request or status line
/// (RFC 9112 §2.2: a server SHOULD ignore at least one).
pub const MAX_LEADING_EMPTY_LINES: usize = 8;
