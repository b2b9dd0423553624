//! Address prefixes (`10.0.0.0/8`, `::1`, `127.0.0.1`) for allow-lists: who
//! may transfer a zone, who may use a resolver.

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

    /// Reads `ADDR` or `ADDR/LEN`.
    pub fn parse(s: &str) -> Result<Prefix, String> {
        let (ip, len) = s.split_once('/').unwrap_or((s, ""));
        let net: IpAddr = ip
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or a prefix like 10.0.0.0/8"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let len = if len.is_empty() {
            max
        } else {
            len.parse()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?
        };
        Ok(Prefix { net, len })
    }

    /// True if `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let len = u32::from(self.len);
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    /// True if any prefix of `list` contains `ip`.
    pub fn any_contains(list: &[Prefix], ip: IpAddr) -> bool {
        list.iter().any(|p| p.contains(ip))
    }
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
}
