//! The client side of HTTP/1.1 (for `l7 get` and the proxy's upstream
//! connections): a sans-IO reader of one response, mirroring the server
//! connection — head, interim 1xx, body by Content-Length, chunked or close,
//! HEAD and 304 handling, whether the connection can be reused, and a read
//! timeout from passed-in time.

mod reader;

pub use reader::{ClientError, ClientEvent, ResponseReader};
