//! Compact peer lists: 6 bytes per IPv4 peer (address, port, network order;
//! BEP 23) and 18 bytes per IPv6 peer (BEP 7), used by tracker responses and
//! by ut_pex (BEP 11).

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Appends the compact form of the IPv4 peers.
pub fn encode_v4<'a>(peers: impl IntoIterator<Item = &'a SocketAddrV4>, out: &mut Vec<u8>) {
    for p in peers {
        out.extend_from_slice(&p.ip().octets());
        out.extend_from_slice(&p.port().to_be_bytes());
    }
}

/// Appends the compact form of the IPv6 peers.
pub fn encode_v6<'a>(peers: impl IntoIterator<Item = &'a SocketAddrV6>, out: &mut Vec<u8>) {
    for p in peers {
        out.extend_from_slice(&p.ip().octets());
        out.extend_from_slice(&p.port().to_be_bytes());
    }
}

/// Decodes 6-byte entries; `None` if the length is not a multiple of 6.
pub fn decode_v4(b: &[u8]) -> Option<Vec<SocketAddrV4>> {
    if !b.len().is_multiple_of(6) {
        return None;
    }
    Some(
        b.chunks_exact(6)
            .map(|c| {
                SocketAddrV4::new(
                    Ipv4Addr::new(c[0], c[1], c[2], c[3]),
                    u16::from_be_bytes([c[4], c[5]]),
                )
            })
            .collect(),
    )
}

/// Decodes 18-byte entries; `None` if the length is not a multiple of 18.
pub fn decode_v6(b: &[u8]) -> Option<Vec<SocketAddrV6>> {
    if !b.len().is_multiple_of(18) {
        return None;
    }
    Some(
        b.chunks_exact(18)
            .map(|c| {
                let mut ip = [0u8; 16];
                ip.copy_from_slice(&c[..16]);
                SocketAddrV6::new(Ipv6Addr::from(ip), u16::from_be_bytes([c[16], c[17]]), 0, 0)
            })
            .collect(),
    )
}

/// Splits mixed addresses into (IPv4, IPv6) lists.
pub fn split(
    peers: impl IntoIterator<Item = SocketAddr>,
) -> (Vec<SocketAddrV4>, Vec<SocketAddrV6>) {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for p in peers {
        match p {
            SocketAddr::V4(a) => v4.push(a),
            SocketAddr::V6(a) => v6.push(a),
        }
    }
    (v4, v6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep23_layout() {
        let p = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 6881);
        let mut out = Vec::new();
        encode_v4([&p], &mut out);
        assert_eq!(out, [10, 0, 0, 1, 0x1a, 0xe1]);
        assert_eq!(decode_v4(&out).unwrap(), vec![p]);
        assert_eq!(decode_v4(&out[..5]), None);
        let p6 = SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0, 0);
        let mut out6 = Vec::new();
        encode_v6([&p6], &mut out6);
        assert_eq!(out6.len(), 18);
        assert_eq!(decode_v6(&out6).unwrap(), vec![p6]);
    }
}
