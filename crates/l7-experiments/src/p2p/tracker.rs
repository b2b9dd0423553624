//! The tracker host: l7-p2p's UDP tracker (BEP 15) answering datagrams in
//! virtual time.

use l7_p2p::tracker::{ConnectionIds, Registry, RegistryConfig, udp_datagram};
use l7_sim::{Ctx, Endpoint};

/// The tracker's UDP port.
pub const TRACKER_PORT: u16 = 6969;

/// The tracker application.
#[derive(Debug)]
pub struct TrackerApp {
    registry: Registry,
    ids: ConnectionIds,
}

impl TrackerApp {
    /// A tracker whose random peer lists come from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut secret = [0u8; 16];
        secret[..8].copy_from_slice(&seed.to_be_bytes());
        TrackerApp {
            registry: Registry::new(RegistryConfig::default(), seed),
            ids: ConnectionIds::new(secret),
        }
    }

    /// Answers one datagram.
    pub fn on_datagram(&mut self, ctx: &mut Ctx<'_>, port: u16, from: Endpoint, payload: &[u8]) {
        let now = ctx.now();
        if let Some(reply) = udp_datagram(
            &mut self.registry,
            &self.ids,
            now,
            from.socket_addr(),
            payload,
        ) {
            ctx.send_datagram(port, from, reply);
        }
    }
}
