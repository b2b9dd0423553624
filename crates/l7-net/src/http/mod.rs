//! HTTP drivers: the origin server's connections ([`server`], HTTP/2 in
//! [`h2`]), the Combined Log Format access log ([`access_log`]), the
//! cookie demo shop with its SQLite database ([`shop`]), and the client side
//! ([`client`] for HTTP/1.1 and tunnels, [`client_h2`] for HTTP/2,
//! [`client_tls`] for the trust roots, [`fetch`] for connection reuse,
//! cookies and redirects, [`cached`] for fetches through an RFC 9111 cache), and the
//! caching forward and reverse [`proxy`]; [`zero_copy`] sends file bodies
//! by sendfile(2) on plain TCP; [`warming`] answers 503 until a handler is
//! ready.

pub mod access_log;
pub mod cached;
pub mod client;
pub mod client_h2;
pub mod client_tls;
pub mod fetch;
pub mod h2;
mod prefixed;
pub mod proxy;
mod proxy_h2;
mod read_buffer;
pub mod server;
pub mod shop;
pub mod warming;
pub mod zero_copy;
