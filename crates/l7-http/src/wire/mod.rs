//! The HTTP/1.1 message syntax (RFC 9112) and the field semantics it needs
//! (RFC 9110): request and response heads, header fields, body framing,
//! chunked transfer coding and HTTP dates. Everything here is pure: bytes in,
//! values out, and values back to bytes.

pub mod chunked;
pub mod date;
mod error;
pub mod framing;
mod headers;
pub mod limits;
mod request;
mod response;
mod syntax;
mod version;

pub use error::HttpError;
pub use headers::{CommaList, Headers, is_valid_field};
pub use request::{RequestHead, RequestTarget};
pub use response::{ResponseHead, reason_phrase};
pub use version::Version;
