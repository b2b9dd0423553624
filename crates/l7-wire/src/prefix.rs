//! Address prefixes (`10.0.0.0/8`, `::1`, `127.0.0.1`) for allow-lists (who
//! may transfer a zone, who may use a resolver) and for longest-prefix
//! routing (which CDN edge serves which clients).

use std::net::IpAddr;

/// An IP network: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    net: IpAddr,
    len: u8,
}

impl Prefix {
    /// Every loopback address (127.0.0.0/8 and ::1), the safe default.
    pub const LOOPBACK: [Prefix; 2] = [
        Prefix {
            net: IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 0)),
            len: 8,
        },
        Prefix {
            net: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            len: 128,
        },
    ];

    /// Reads `ADDR` or `ADDR/LEN` (host bits past LEN are cleared).
    pub fn parse(s: &str) -> Result<Prefix, String> {
        let (ip, len) = s.split_once('/').unwrap_or((s, ""));
        let net: IpAddr = ip
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or a prefix like 10.0.0.0/8"))?;
        let max = width(net);
        let len = if len.is_empty() {
            max
        } else {
            len.parse()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?
        };
        Ok(Prefix::new(net, len))
    }

    /// The network `ip/len`, its host bits cleared (`len` at most the
    /// address's width).
    pub fn new(ip: IpAddr, len: u8) -> Prefix {
        let len = len.min(width(ip));
        let net = match ip {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask32(len)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask128(len)).into()),
        };
        Prefix { net, len }
    }

    /// The network's address.
    pub fn network(&self) -> IpAddr {
        self.net
    }

    /// How many leading bits must match.
    pub fn len(&self) -> u8 {
        self.len
    }

    /// True for the prefix of length 0 (every address of its family).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True if `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.common_bits(ip) >= self.len
    }

    /// How many leading bits `ip` shares with this network's address, at
    /// most the prefix length; 0 for the other address family.
    pub fn common_bits(&self, ip: IpAddr) -> u8 {
        let same = match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => (u32::from(net) ^ u32::from(ip)).leading_zeros(),
            (IpAddr::V6(net), IpAddr::V6(ip)) => (u128::from(net) ^ u128::from(ip)).leading_zeros(),
            _ => 0,
        };
        (same as u8).min(self.len)
    }

    /// True if every address of `other` lies in this network.
    pub fn covers(&self, other: &Prefix) -> bool {
        other.len >= self.len && self.contains(other.net)
    }

    /// True if any prefix of `list` contains `ip`.
    pub fn any_contains(list: &[Prefix], ip: IpAddr) -> bool {
        list.iter().any(|p| p.contains(ip))
    }
}

/// Bits in an address of `ip`'s family.
fn width(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_their_networks_only() {
        let p = Prefix::parse("10.1.0.0/16").unwrap();
        assert!(p.contains("10.1.2.3".parse().unwrap()));
        assert!(!p.contains("10.2.0.1".parse().unwrap()));
        assert!(!p.contains("::1".parse().unwrap()));
        let one = Prefix::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!(
            Prefix::parse("::/0")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        assert!(Prefix::parse("1.2.3.4/33").is_err());
        assert!(Prefix::any_contains(
            &Prefix::LOOPBACK,
            "127.9.9.9".parse().unwrap()
        ));
        assert!(!Prefix::any_contains(
            &Prefix::LOOPBACK,
            "192.0.2.1".parse().unwrap()
        ));
    }

    #[test]
    fn common_bits_new_and_covers() {
        let p = Prefix::parse("10.1.0.0/16").unwrap();
        // 10.2 and 10.1 agree on 8 + 6 bits.
        assert_eq!(p.common_bits("10.2.0.0".parse().unwrap()), 14);
        assert_eq!(p.common_bits("10.1.9.9".parse().unwrap()), 16);
        assert_eq!(p.common_bits("::1".parse().unwrap()), 0);
        let n = Prefix::new("198.51.100.77".parse().unwrap(), 24);
        assert_eq!(n, Prefix::parse("198.51.100.0/24").unwrap());
        assert_eq!(n.len(), 24);
        assert!(Prefix::parse("198.51.0.0/16").unwrap().covers(&n));
        assert!(!n.covers(&Prefix::parse("198.51.0.0/16").unwrap()));
        assert!(Prefix::new("::1".parse().unwrap(), 200).len() == 128);
        assert!(Prefix::parse("0.0.0.0/0").unwrap().is_empty());
    }
}
