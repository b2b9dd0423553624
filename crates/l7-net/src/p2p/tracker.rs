//! The tracker's sockets: HTTP announce and scrape (BEP 3, 23, 48) through
//! the shared HTTP/1.1 server, and UDP (BEP 15) in [`super::tracker_udp`]. Both share one
//! l7-p2p [`Registry`], which trusts each request's source address (never a
//! claimed `ip=`), caps numwant, and forgets silent peers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use l7_http::files::upload::Upload;
use l7_http::files::{Body, FileResponse};
use l7_http::wire::{Headers, RequestHead, RequestTarget};
use l7_p2p::tracker::{ConnectionIds, Registry, http_announce, http_scrape};
use l7_wire::Instant;

use crate::http::server::{Action, Handler};

/// How often peers that stopped announcing are forgotten.
pub const EXPIRY_EVERY: Duration = Duration::from_secs(30);

/// One tracker's state, shared by its HTTP and UDP sides.
pub struct Tracker {
    /// The registry, and when silent peers were last expired.
    registry: Mutex<(Registry, Instant)>,
    ids: ConnectionIds,
    epoch: std::time::Instant,
}

impl Tracker {
    /// A tracker over `registry`; `secret` keys the UDP connection IDs.
    pub fn new(registry: Registry, secret: [u8; 16]) -> Arc<Tracker> {
        Arc::new(Tracker {
            registry: Mutex::new((registry, Instant::ZERO)),
            ids: ConnectionIds::new(secret),
            epoch: std::time::Instant::now(),
        })
    }

    /// Runs `f` on the registry at the current time, after forgetting peers
    /// silent too long (checked every [`EXPIRY_EVERY`]).
    pub(super) fn with_registry<R>(&self, f: impl FnOnce(&mut Registry, Instant) -> R) -> R {
        let mut guard = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (registry, last_expiry) = &mut *guard;
        let now = Instant::from_epoch(self.epoch.elapsed());
        if now - *last_expiry >= EXPIRY_EVERY {
            registry.expire(now);
            *last_expiry = now;
        }
        f(registry, now)
    }

    /// The UDP connection-id issuer.
    pub(super) fn ids(&self) -> &ConnectionIds {
        &self.ids
    }
}

fn plain(status: u16, body: Vec<u8>) -> FileResponse {
    let mut headers = Headers::new();
    headers.append("Content-Type", &b"text/plain"[..]);
    FileResponse {
        status,
        headers,
        body: Body::Bytes(body),
    }
}

impl Handler for Arc<Tracker> {
    fn request(&self, peer: SocketAddr, head: &RequestHead<'_>) -> Action {
        let Ok(RequestTarget::Origin { path, query }) = head.validate() else {
            return Action::Respond(plain(400, b"bad request target\n".to_vec()));
        };
        let query = query.unwrap_or("");
        let body = match path {
            "/announce" => self.with_registry(|r, now| http_announce(r, now, peer, query)),
            "/scrape" => self.with_registry(|r, _| http_scrape(r, query)),
            _ => {
                let text = b"this tracker answers /announce and /scrape\n".to_vec();
                return Action::Respond(plain(404, text));
            }
        };
        Action::Respond(plain(200, body))
    }

    fn finish_upload(&self, upload: Upload) -> FileResponse {
        upload.abort();
        plain(405, b"a tracker accepts no uploads\n".to_vec())
    }
}

pub use super::tracker_udp::serve_udp;
