//! Turning what users type (`sockets.lab:12000`, `127.0.0.1:53`, `12000`,
//! `[::1]:80`) into socket addresses: IP literals first, then the running
//! world's hosts (from its state file), then the system resolver.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{Context, bail};
use l7_world::state::{WorldState, default_path};

/// Splits `HOST:PORT`; a bare port means localhost.
fn split(target: &str) -> anyhow::Result<(&str, u16)> {
    if let Ok(port) = target.parse::<u16>() {
        return Ok(("127.0.0.1", port));
    }
    let (host, port) = target.rsplit_once(':').with_context(|| {
        format!("{target:?} has no port: write HOST:PORT, e.g. 127.0.0.1:12000")
    })?;
    let port = port
        .parse()
        .with_context(|| format!("{port:?} in {target:?} is not a port number (1-65535)"))?;
    Ok((host.trim_start_matches('[').trim_end_matches(']'), port))
}

/// An address to listen on: an IP literal and a port.
pub fn listen(target: &str) -> anyhow::Result<SocketAddr> {
    let (host, port) = split(target)?;
    let ip: IpAddr = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse().with_context(|| {
            format!("--listen takes an IP address and a port, e.g. 127.0.0.1:12000, not {target:?}")
        })?
    };
    Ok(SocketAddr::new(ip, port))
}

/// An address to connect to; names resolve through the running world first.
pub async fn resolve(target: &str) -> anyhow::Result<SocketAddr> {
    let (host, port) = split(target)?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if let Some(ip) = WorldState::load_running(&default_path()).and_then(|w| w.address_of(host)) {
        return Ok(SocketAddr::from((ip, port)));
    }
    let mut addrs = tokio::net::lookup_host((host, port)).await.with_context(|| {
        format!("cannot resolve {host}: not a world host (is `l7 up` running?) and the system resolver does not know it")
    })?;
    match addrs.next() {
        Some(a) => Ok(a),
        None => bail!("{host} has no address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(listen("12000").unwrap(), "127.0.0.1:12000".parse().unwrap());
        assert_eq!(listen("[::1]:80").unwrap(), "[::1]:80".parse().unwrap());
        assert_eq!(
            listen("localhost:5").unwrap(),
            "127.0.0.1:5".parse().unwrap()
        );
        assert!(
            listen("example.com:80")
                .unwrap_err()
                .to_string()
                .contains("IP address")
        );
        assert!(
            listen("127.0.0.1")
                .unwrap_err()
                .to_string()
                .contains("no port")
        );
        assert!(listen("1.2.3.4:99999").is_err());
    }
}
