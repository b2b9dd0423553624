//! A handler that is not ready yet (a package still being made, say):
//! until its inner handler is set, every request gets 503 Service
//! Unavailable with Retry-After (RFC 9110 §15.6.4, §10.2.3), so clients
//! and caches learn at once to come back later instead of waiting on a
//! socket nobody reads.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use l7_http::files::FileResponse;
use l7_http::files::upload::Upload;
use l7_http::wire::RequestHead;

use super::server::{Action, Handler, error_response};

/// Answers 503 until [`Warming::ready`] hands it the real handler.
pub struct Warming<H> {
    inner: OnceLock<H>,
    why: String,
    retry_after: Duration,
}

impl<H> Warming<H> {
    /// A handler not ready yet: `why` is the 503's text, and clients are
    /// asked to retry after `retry_after` (whole seconds, at least one).
    pub fn new(why: impl Into<String>, retry_after: Duration) -> Self {
        Warming {
            inner: OnceLock::new(),
            why: why.into(),
            retry_after,
        }
    }

    /// From now on, requests go to `handler` (a second call is ignored).
    pub fn ready(&self, handler: H) {
        let _ = self.inner.set(handler);
    }

    fn unavailable(&self) -> FileResponse {
        let mut r = error_response(503, &self.why);
        let secs = self.retry_after.as_secs().max(1);
        r.headers.set("Retry-After", secs.to_string().into_bytes());
        r
    }
}

impl<H: Handler> Handler for Warming<H> {
    fn request(&self, peer: SocketAddr, head: &RequestHead<'_>) -> Action {
        match self.inner.get() {
            Some(h) => h.request(peer, head),
            None => Action::Respond(self.unavailable()),
        }
    }

    fn finish_upload(&self, upload: Upload) -> FileResponse {
        match self.inner.get() {
            Some(h) => h.finish_upload(upload),
            None => {
                upload.abort();
                self.unavailable()
            }
        }
    }
}
