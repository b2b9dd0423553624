//! Fuzzes the HTTP/1.1 request-head parser, its semantic checks and body
//! framing, the demo shop's routing and the request-cookie lookup, then the
//! server connection state machine on the same bytes.
#![no_main]

use l7_http::wire::RequestHead;
use l7_http::wire::framing::request_framing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((head, used)) = RequestHead::parse(data) {
        assert!(used <= data.len());
        let _ = head.validate();
        let _ = request_framing(&head);
        if let Some(req) = l7_http::shop::shop_request(&head) {
            assert!(req.visitor.as_deref().is_none_or(l7_http::shop::is_visitor_id));
        }
        let _ = l7_http::cookie::request_cookie(&head.headers, "l7shop");
    }
    l7_http::fuzz_support::drive_server(data);
});
