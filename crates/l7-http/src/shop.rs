//! The course's cookie demo (Kurose & Ross §2.2.4): a shop that gives a new
//! visitor an ID in `Set-Cookie`, keeps the ID and every visit in a back-end
//! database, and greets a returning visitor by what it remembers. This
//! module holds the protocol side — which requests are the shop's, the
//! cookie, the pages; the driver owns the database.

use crate::cookie::request_cookie;
use crate::files::listing::html_escape;
use crate::files::path::percent_decode;
use crate::files::{Body, FileResponse};
use crate::wire::{Headers, RequestHead};

/// The cookie that carries the visitor's ID.
pub const COOKIE: &str = "l7shop";

/// Longest item name kept in a cart.
pub const MAX_ITEM: usize = 64;

/// How long the browser keeps the ID: a year (RFC 6265 §5.2.2 Max-Age).
const MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// A request for the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRequest {
    /// The visitor's ID from the cookie, if it sent one.
    pub visitor: Option<String>,
    /// What the visitor does.
    pub action: ShopAction,
}

/// What a shop request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShopAction {
    /// `GET /shop`: look around.
    Visit,
    /// `GET /shop/add?item=NAME`: put an item in the cart.
    Add(String),
}

/// The shop's part of a request: `None` when the request is not for the
/// shop (the file server answers it).
pub fn shop_request(head: &RequestHead<'_>) -> Option<ShopRequest> {
    if head.method != "GET" && head.method != "HEAD" {
        return None;
    }
    let (path, query) = head.target.split_once('?').unwrap_or((&head.target, ""));
    let action = match path {
        "/shop" | "/shop/" => ShopAction::Visit,
        "/shop/add" => ShopAction::Add(item(query)?),
        _ => return None,
    };
    let visitor = request_cookie(&head.headers, COOKIE)
        .filter(|id| is_visitor_id(id))
        .map(str::to_string);
    Some(ShopRequest { visitor, action })
}

/// IDs the shop hands out: 16 lowercase hex digits. Anything else in the
/// cookie is treated as no cookie at all.
pub fn is_visitor_id(id: &str) -> bool {
    id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A fresh visitor ID from 64 random bits the caller draws.
pub fn visitor_id(random: u64) -> String {
    format!("{random:016x}")
}

/// The `item` query parameter, decoded (`+` is a space), bounded.
fn item(query: &str) -> Option<String> {
    let raw = query.split('&').find_map(|p| p.strip_prefix("item="))?;
    let bytes = percent_decode(&raw.replace('+', " "))?;
    let name = String::from_utf8(bytes).ok()?;
    let name = name.trim();
    (!name.is_empty() && name.chars().count() <= MAX_ITEM && !name.chars().any(char::is_control))
        .then(|| name.to_string())
}

/// What the database remembers about a visitor after recording this visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// The visitor's ID.
    pub id: String,
    /// True when the ID was made for this request (no known cookie came).
    pub new: bool,
    /// Visits recorded, this one included.
    pub visits: u64,
    /// When the first visit was recorded (HTTP-date).
    pub first_seen: String,
    /// Items in the cart, oldest first.
    pub cart: Vec<String>,
}

/// The shop's page for a visitor, with `Set-Cookie` for a new one.
pub fn page(m: &Memory) -> FileResponse {
    let id = html_escape(&m.id);
    let greeting = if m.new {
        format!(
            "<h1>Welcome to the l7 shop!</h1>\n<p>You are new here: your visitor ID is \
             <code>{id}</code>. It is in a cookie now, and in our database.</p>\n"
        )
    } else {
        format!(
            "<h1>Welcome back, visitor {id}!</h1>\n<p>This is your visit number {}; we first \
             saw you on {}.</p>\n",
            m.visits,
            html_escape(&m.first_seen)
        )
    };
    let cart = if m.cart.is_empty() {
        "<p>Your cart is empty. Try <a href=\"/shop/add?item=book\">adding a book</a>.</p>\n"
            .to_string()
    } else {
        let items: String = m
            .cart
            .iter()
            .map(|i| format!("<li>{}</li>", html_escape(i)))
            .collect();
        format!(
            "<p>Your cart ({} items):</p>\n<ul>{items}</ul>\n",
            m.cart.len()
        )
    };
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>l7 shop</title></head>\n\
         <body>\n{greeting}{cart}</body></html>\n"
    );
    let mut headers = Headers::new();
    headers.append("Content-Type", &b"text/html; charset=utf-8"[..]);
    // RFC 9111 §5.2.2.7: a page about one visitor is not for shared caches.
    headers.append("Cache-Control", &b"private, no-store"[..]);
    if m.new {
        let cookie = format!(
            "{COOKIE}={}; Path=/shop; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax",
            m.id
        );
        headers.append("Set-Cookie", cookie.into_bytes());
    }
    FileResponse {
        status: 200,
        headers,
        body: Body::Bytes(html.into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Version;

    fn head(target: &str, cookie: Option<&str>) -> RequestHead<'static> {
        let mut h = RequestHead::new("GET", target.to_string(), Version::Http11);
        if let Some(c) = cookie {
            h.headers.append("Cookie", c.as_bytes().to_vec());
        }
        h
    }

    #[test]
    fn routes_only_the_shop_and_reads_a_valid_cookie() {
        assert_eq!(shop_request(&head("/index.html", None)), None);
        let r = shop_request(&head("/shop", Some("l7shop=00000000000006ae"))).unwrap();
        assert_eq!(r.visitor.as_deref(), Some("00000000000006ae"));
        assert_eq!(r.action, ShopAction::Visit);
        // A forged or malformed ID counts as no cookie.
        let r = shop_request(&head("/shop/", Some("l7shop=../../etc'; DROP"))).unwrap();
        assert_eq!(r.visitor, None);
        let add = shop_request(&head("/shop/add?x=1&item=red+b%C3%BCcher", None)).unwrap();
        assert_eq!(add.action, ShopAction::Add("red bücher".into()));
        assert_eq!(shop_request(&head("/shop/add?item=", None)), None);
        assert_eq!(
            shop_request(&head(&format!("/shop/add?item={}", "x".repeat(65)), None)),
            None
        );
    }

    #[test]
    fn new_visitors_get_a_cookie_and_returning_ones_a_greeting() {
        let mut m = Memory {
            id: visitor_id(0x6ae),
            new: true,
            visits: 1,
            first_seen: "Thu, 03 Dec 2026 07:00:00 GMT".into(),
            cart: vec![],
        };
        let first = page(&m);
        let cookie = first.headers.get_str("set-cookie").unwrap();
        assert!(
            cookie.starts_with("l7shop=00000000000006ae; Path=/shop;"),
            "{cookie}"
        );
        m.new = false;
        m.visits = 3;
        m.cart = vec!["<script>".into()];
        let again = page(&m);
        assert!(again.headers.get("set-cookie").is_none());
        let Body::Bytes(html) = again.body else {
            panic!()
        };
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("Welcome back, visitor 00000000000006ae!"));
        assert!(html.contains("visit number 3"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    }
}
