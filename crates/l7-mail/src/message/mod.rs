//! Internet messages (RFC 5322) and MIME (RFC 2045-2047): parsing the header
//! section, the fields MTAs add, composing messages, and bounces (RFC 3464).

pub mod compose;
pub mod date;
pub mod dsn;
pub mod encoded_word;
pub mod header;
pub mod mime;
pub mod trace_fields;

pub use compose::{Attachment, Composition};
pub use date::rfc5322_date;
pub use dsn::{Bounce, FailedRecipient};
pub use header::{HeaderField, Headers};
pub use trace_fields::{ReceivedInfo, complete_submission, message_id, received_field};

use l7_wire::WireError;

/// A parsed message: its header fields and the body that follows them.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The header section.
    pub headers: Headers,
    /// The body (possibly empty), unparsed.
    pub body: &'a [u8],
}

impl<'a> Message<'a> {
    /// Parses a complete message (bounded by [`header::MAX_HEADER_SECTION`]).
    pub fn parse(raw: &'a [u8]) -> Result<Message<'a>, WireError> {
        let (headers, body_start) = Headers::parse(raw)?;
        Ok(Message {
            headers,
            body: &raw[body_start..],
        })
    }
}
