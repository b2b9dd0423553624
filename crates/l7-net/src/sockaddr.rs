//! The std form of the addresses the kernel fills in on a batched
//! receive (nix's `SockaddrStorage`), shared by the DNS and tracker UDP
//! loops.

use std::net::SocketAddr;

use nix::sys::socket::SockaddrStorage;

/// The sender's address, if it is IPv4 or IPv6.
pub(crate) fn std_addr(a: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(SocketAddr::from(*v4));
    }
    a.as_sockaddr_in6().map(|v6| SocketAddr::from(*v6))
}
