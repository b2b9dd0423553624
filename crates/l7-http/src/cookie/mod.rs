//! HTTP cookies (RFC 6265) for `l7 get --cookie-jar` and the demo shop:
//! parsing Set-Cookie, a jar with domain and path matching and expiry by
//! passed-in wall-clock time, the Cookie header, and the Netscape cookie file
//! format curl reads and writes.

mod date;
mod jar;
mod netscape;
mod request;
mod set_cookie;

pub use date::parse_cookie_date;
pub use jar::{Cookie, CookieJar, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN, domain_match, path_match};
pub use netscape::{NETSCAPE_HEADER, NetscapeError};
pub use request::request_cookie;
pub use set_cookie::{SameSite, SetCookie};
