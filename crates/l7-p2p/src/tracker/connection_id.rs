//! Stateless UDP connection IDs (BEP 15: a connection id proves the client
//! owns its source address; clients may use one for a minute, trackers accept
//! it for up to two). The id is one SipHash-2-4, keyed by a secret, of the
//! client's address and the current two-minute window — the same as a secret
//! rotated every two minutes. An id from this window or the previous one is
//! valid, so every id lives at least two minutes. The window's low bit rides
//! in the id's low bit, so checking an id costs one hash, never two. No
//! per-client state is kept.

use std::hash::Hasher;
use std::net::SocketAddr;
use std::time::Duration;

use l7_wire::Instant;
use siphasher::sip::SipHasher24;

/// Length of a connection-id window (the key's rotation period).
pub const WINDOW: Duration = Duration::from_secs(120);

/// Issues and checks connection ids from a secret.
#[derive(Clone)]
pub struct ConnectionIds {
    key: [u8; 16],
}

impl std::fmt::Debug for ConnectionIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionIds { secret: <hidden> }")
    }
}

impl ConnectionIds {
    /// From a random 128-bit secret (SipHash's key) chosen by the caller
    /// at start-up.
    pub fn new(secret: [u8; 16]) -> Self {
        ConnectionIds { key: secret }
    }

    fn window(now: Instant) -> u64 {
        now.since_epoch().as_secs() / WINDOW.as_secs()
    }

    fn derive(&self, client: SocketAddr, window: u64) -> u64 {
        let mut h = SipHasher24::new_with_key(&self.key);
        h.write_u64(window);
        match client {
            SocketAddr::V4(a) => h.write(&a.ip().octets()),
            SocketAddr::V6(a) => h.write(&a.ip().octets()),
        }
        h.write_u16(client.port());
        (h.finish() & !1) | (window & 1)
    }

    /// The id for `client` now.
    pub fn issue(&self, client: SocketAddr, now: Instant) -> u64 {
        self.derive(client, Self::window(now))
    }

    /// True if `id` was issued to `client` in this window or the previous one.
    pub fn validate(&self, id: u64, client: SocketAddr, now: Instant) -> bool {
        let w = Self::window(now);
        // The id's low bit names its window: this one, or the one before.
        let issued = if id & 1 == w & 1 {
            w
        } else if w > 0 {
            w - 1
        } else {
            return false;
        };
        id == self.derive(client, issued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_for_two_windows_and_one_address() {
        let ids = ConnectionIds::new([7; 16]);
        let client: SocketAddr = "127.0.0.1:6881".parse().unwrap();
        let t0 = Instant::from_millis(250_000);
        let id = ids.issue(client, t0);
        assert!(ids.validate(id, client, t0));
        assert!(ids.validate(id, client, Instant::from_millis(359_999)));
        // Still good two minutes after it was issued, gone after two windows.
        assert!(ids.validate(id, client, Instant::from_millis(370_000)));
        assert!(ids.validate(id, client, Instant::from_millis(479_999)));
        assert!(!ids.validate(id, client, Instant::from_millis(480_000)));
        assert!(!ids.validate(id, "127.0.0.1:6882".parse().unwrap(), t0));
        assert!(!ids.validate(id, "127.0.0.2:6881".parse().unwrap(), t0));
        assert!(!ids.validate(id, client, Instant::from_millis(119_000)));
        assert!(!ids.validate(id ^ 2, client, t0));
        assert!(!ids.validate(id ^ 1, client, t0));
        assert_ne!(ConnectionIds::new([8; 16]).issue(client, t0), id);
        let early = ids.issue(client, Instant::ZERO);
        assert!(ids.validate(early, client, Instant::ZERO));
        assert!(!ids.validate(early ^ 1, client, Instant::ZERO));
    }
}
