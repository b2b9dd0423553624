//! Where services listen. Standard ports below 1024 need root (or
//! CAP_NET_BIND_SERVICE); without it every such port moves by one world-wide
//! offset (53 → 10053, 25 → 10025, 80 → 10080), and l7's clients read the
//! offset from the state file. Ports from 1024 up never move.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use serde::{Deserialize, Serialize};

/// The offset added to privileged ports when they cannot be bound.
pub const DEFAULT_OFFSET: u16 = 10_000;

/// How a world's ports map to the ports actually bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortPlan {
    /// Added to every port below 1024; 0 when standard ports are used.
    pub offset: u16,
}

impl PortPlan {
    /// Standard ports if this process may bind them, else [`DEFAULT_OFFSET`].
    pub fn detect() -> PortPlan {
        PortPlan {
            offset: if may_bind_privileged() {
                0
            } else {
                DEFAULT_OFFSET
            },
        }
    }

    /// The port actually bound for a world port.
    pub fn port(&self, world_port: u16) -> u16 {
        if world_port < 1024 {
            world_port.saturating_add(self.offset)
        } else {
            world_port
        }
    }
}

/// Tries to bind a privileged port on an unused loopback address.
fn may_bind_privileged() -> bool {
    let probe = SocketAddr::from((Ipv4Addr::new(127, 255, 255, 254), 1));
    match TcpListener::bind(probe) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::PermissionDenied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_privileged_ports_move() {
        let p = PortPlan { offset: 10_000 };
        assert_eq!(p.port(53), 10_053);
        assert_eq!(p.port(1023), 11_023);
        assert_eq!(p.port(12_000), 12_000);
        assert_eq!(PortPlan { offset: 0 }.port(25), 25);
    }
}
