//! The client side of HTTP/1.1 (for `l7 get` and the proxy's upstream
//! connections), sans-IO: URLs and references ([`Url`]), the request to
//! emit ([`Request`]), a reader of one response mirroring the server
//! connection — head, interim 1xx, body by Content-Length, chunked or close
//! (RFC 9112 §6.3), HEAD and 304 handling, whether the connection can be
//! reused, a read timeout from passed-in time — redirects ([`redirect`]) and
//! the objects an HTML page references ([`page`]).

pub mod page;
mod reader;
pub mod redirect;
mod request;
mod url;

pub use reader::{ClientError, ClientEvent, ResponseReader};
pub use request::{Request, USER_AGENT};
pub use url::{MAX_URL_BYTES, Url, UrlError};
