//! Network failures in words a user can act on. Every driver maps the
//! operating system's error to one of these, so the CLI never prints a bare
//! `Os { code: 111 }`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A network operation that failed, and why.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// Binding a listening socket failed.
    #[error("cannot bind {addr}: {}", explain_bind(.source, *.addr))]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: io::Error,
    },
    /// A TCP connect was refused: nothing listens there.
    #[error("connection refused (nothing listens on {0}) — start a server there or check the port")]
    Refused(SocketAddr),
    /// A UDP request drew an ICMP port-unreachable (ECONNREFUSED on a connected socket).
    #[error("no server at {0} (port unreachable) — nothing is bound to that UDP port")]
    PortUnreachable(SocketAddr),
    /// No answer came in time.
    #[error("no reply from {addr} within {} — the server may be down, slow, or a firewall drops the packets; try --timeout", fmt_duration(*.after))]
    Timeout {
        /// Who was asked.
        addr: SocketAddr,
        /// How long we waited.
        after: Duration,
    },
    /// The peer closed the connection before answering.
    #[error("{0} closed the connection without answering")]
    Closed(SocketAddr),
    /// Any other I/O failure, with what was being done.
    #[error("{what}: {source}")]
    Io {
        /// What l7 was doing.
        what: String,
        /// What the OS said.
        source: io::Error,
    },
}

impl NetError {
    /// Wraps an I/O error met while talking to `addr`, recognising refusals.
    pub fn talking_to(addr: SocketAddr, udp: bool, source: io::Error) -> NetError {
        match source.kind() {
            io::ErrorKind::ConnectionRefused if udp => NetError::PortUnreachable(addr),
            io::ErrorKind::ConnectionRefused => NetError::Refused(addr),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => NetError::Closed(addr),
            _ => NetError::Io {
                what: format!("talking to {addr}"),
                source,
            },
        }
    }
}

fn explain_bind(e: &io::Error, addr: SocketAddr) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => format!(
            "permission denied — ports below 1024 need root (or CAP_NET_BIND_SERVICE): run as root or pass --listen {}:{}",
            addr.ip(),
            addr.port() as u32 + 10000
        ),
        io::ErrorKind::AddrInUse => {
            "address in use — another program listens there; stop it or pass --listen with another port".to_string()
        }
        io::ErrorKind::AddrNotAvailable => {
            "address not available — that IP is not on this machine (127.x.y.z always is on Linux)".to_string()
        }
        _ => e.to_string(),
    }
}

/// Formats a duration the way l7 prints them: `250ms`, `1.5s`.
pub fn fmt_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let addr: SocketAddr = "127.0.0.1:53".parse().unwrap();
        let e = NetError::Bind {
            addr,
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            e.to_string(),
            "cannot bind 127.0.0.1:53: permission denied — ports below 1024 need root (or CAP_NET_BIND_SERVICE): run as root or pass --listen 127.0.0.1:10053"
        );
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            NetError::talking_to(addr, true, refused),
            NetError::PortUnreachable(_)
        ));
        let t = NetError::Timeout {
            addr,
            after: Duration::from_millis(1500),
        };
        assert!(
            t.to_string()
                .starts_with("no reply from 127.0.0.1:53 within 1.5s")
        );
    }
}
