//! Stateless UDP connection IDs (BEP 15: a connection id proves the client
//! owns its source address; clients may use one for a minute, trackers accept
//! it for up to two). The id is a keyed hash of the client's address and the
//! current one-minute window; an id from this window or the previous one is
//! valid. No per-client state is kept.

use std::net::SocketAddr;
use std::time::Duration;

use l7_wire::Instant;
use sha1::{Digest, Sha1};

/// Length of a connection-id window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Issues and checks connection ids from a secret.
#[derive(Clone)]
pub struct ConnectionIds {
    secret: [u8; 32],
}

impl std::fmt::Debug for ConnectionIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionIds { secret: <hidden> }")
    }
}

impl ConnectionIds {
    /// From a random secret chosen by the caller at start-up.
    pub fn new(secret: [u8; 32]) -> Self {
        ConnectionIds { secret }
    }

    fn window(now: Instant) -> u64 {
        now.since_epoch().as_secs() / WINDOW.as_secs()
    }

    fn derive(&self, client: SocketAddr, window: u64) -> u64 {
        let mut h = Sha1::new();
        h.update(self.secret);
        h.update(window.to_be_bytes());
        match client {
            SocketAddr::V4(a) => h.update(a.ip().octets()),
            SocketAddr::V6(a) => h.update(a.ip().octets()),
        }
        h.update(client.port().to_be_bytes());
        let digest = h.finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(id)
    }

    /// The id for `client` now.
    pub fn issue(&self, client: SocketAddr, now: Instant) -> u64 {
        self.derive(client, Self::window(now))
    }

    /// True if `id` was issued to `client` in this window or the previous one.
    pub fn validate(&self, id: u64, client: SocketAddr, now: Instant) -> bool {
        let w = Self::window(now);
        id == self.derive(client, w) || (w > 0 && id == self.derive(client, w - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_for_two_windows_and_one_address() {
        let ids = ConnectionIds::new([7; 32]);
        let client: SocketAddr = "127.0.0.1:6881".parse().unwrap();
        let t0 = Instant::from_millis(125_000);
        let id = ids.issue(client, t0);
        assert!(ids.validate(id, client, t0));
        assert!(ids.validate(id, client, Instant::from_millis(179_999)));
        assert!(ids.validate(id, client, Instant::from_millis(180_000)));
        assert!(!ids.validate(id, client, Instant::from_millis(240_000)));
        assert!(!ids.validate(id, "127.0.0.1:6882".parse().unwrap(), t0));
        assert!(!ids.validate(id, client, Instant::from_millis(60_000)));
        assert_ne!(ConnectionIds::new([8; 32]).issue(client, t0), id);
    }
}
