//! Names of things in a simulation: hosts, endpoints (host and port),
//! streams and timers. A host also has an IPv4 address (10.x.y.z from its
//! index) so engines that put addresses on the wire (trackers, DNS) can talk
//! about simulated hosts.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

/// A simulated host, numbered in the order hosts were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostId(pub(crate) u32);

impl HostId {
    /// Position in the order of `Sim::add_host`, from 0.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The host's address: 10.0.0.1 for host 0, counting up.
    pub fn ip(self) -> Ipv4Addr {
        Ipv4Addr::from(0x0A00_0001u32 + self.0)
    }

    /// The host with address `ip`, if `ip` is in the simulator's 10/8 plan
    /// (whether such a host was added is for the caller to check).
    pub fn from_ip(ip: Ipv4Addr) -> Option<HostId> {
        u32::from(ip)
            .checked_sub(0x0A00_0001)
            .filter(|i| *i < 0x00FF_FFFF)
            .map(HostId)
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "h{}", self.0)
    }
}

/// A host and a port: where datagrams and connections go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    /// The host.
    pub host: HostId,
    /// The port on that host.
    pub port: u16,
}

impl Endpoint {
    /// `host`:`port`.
    pub fn new(host: HostId, port: u16) -> Self {
        Endpoint { host, port }
    }

    /// The socket address engines put on the wire (host's 10/8 address).
    pub fn socket_addr(self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(self.host.ip(), self.port))
    }

    /// The endpoint at `addr`, if it is in the simulator's address plan.
    pub fn from_socket_addr(addr: SocketAddr) -> Option<Endpoint> {
        match addr.ip() {
            IpAddr::V4(ip) => HostId::from_ip(ip).map(|host| Endpoint::new(host, addr.port())),
            IpAddr::V6(_) => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// A reliable byte stream (a connection). Both ends use the same id; ids
/// are never reused within a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId(pub(crate) u32);

impl StreamId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

/// A pending timer, for cancelling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub(crate) u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        assert_eq!(HostId(0).ip(), Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(HostId(300).ip(), Ipv4Addr::new(10, 0, 1, 45));
        assert_eq!(
            HostId::from_ip(Ipv4Addr::new(10, 0, 1, 45)),
            Some(HostId(300))
        );
        assert_eq!(HostId::from_ip(Ipv4Addr::new(10, 0, 0, 0)), None);
        assert_eq!(HostId::from_ip(Ipv4Addr::new(127, 0, 0, 1)), None);
        let e = Endpoint::new(HostId(2), 6881);
        assert_eq!(e.socket_addr(), "10.0.0.3:6881".parse().unwrap());
        assert_eq!(Endpoint::from_socket_addr(e.socket_addr()), Some(e));
        assert_eq!(
            Endpoint::from_socket_addr("[::1]:80".parse().unwrap()),
            None
        );
    }
}
