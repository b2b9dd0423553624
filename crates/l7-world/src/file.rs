//! The world file format (TOML) and the default world, `worlds/textbook.toml`,
//! embedded in the binary. See that file for an annotated example.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The default world: the course's hosts.
pub const TEXTBOOK: &str = include_str!("../../../worlds/textbook.toml");

/// Files the default world's services read (zone files), embedded with it.
const TEXTBOOK_FILES: &[(&str, &str)] = &[
    (
        "root.zone",
        include_str!("../../../worlds/textbook/root.zone"),
    ),
    (
        "com.zone",
        include_str!("../../../worlds/textbook/com.zone"),
    ),
    (
        "edu.zone",
        include_str!("../../../worlds/textbook/edu.zone"),
    ),
    ("fr.zone", include_str!("../../../worlds/textbook/fr.zone")),
    (
        "lab.zone",
        include_str!("../../../worlds/textbook/lab.zone"),
    ),
    (
        "test.zone",
        include_str!("../../../worlds/textbook/test.zone"),
    ),
    (
        "umass.edu.zone",
        include_str!("../../../worlds/textbook/umass.edu.zone"),
    ),
    (
        "cs.umass.edu.zone",
        include_str!("../../../worlds/textbook/cs.umass.edu.zone"),
    ),
    (
        "networkutopia.com.zone",
        include_str!("../../../worlds/textbook/networkutopia.com.zone"),
    ),
    (
        "netcinema.com.zone",
        include_str!("../../../worlds/textbook/netcinema.com.zone"),
    ),
    (
        "kingcdn.com.zone",
        include_str!("../../../worlds/textbook/kingcdn.com.zone"),
    ),
    (
        "kingcdn.com.routes.toml",
        include_str!("../../../worlds/textbook/kingcdn.com.routes.toml"),
    ),
];

/// Where a world's services find the files they name.
#[derive(Debug, Clone, Default)]
pub enum Files {
    /// The default world's embedded files.
    #[default]
    Embedded,
    /// Files in this directory (a world file's `<name>/` folder beside it).
    Dir(PathBuf),
}

/// A world: named hosts on loopback addresses, each with its services.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// The world's name.
    pub name: String,
    /// Its hosts.
    #[serde(rename = "host", default)]
    pub hosts: Vec<Host>,
    /// Where its services' files are.
    #[serde(skip)]
    pub files: Files,
}

/// One host of the world.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// Its DNS name.
    pub name: String,
    /// Its address; a 127.0.0.0/8 address, so no set-up is needed on Linux.
    pub address: Ipv4Addr,
    /// What the host is, in a few words.
    #[serde(default)]
    pub about: String,
    /// The services it runs.
    #[serde(rename = "service", default)]
    pub services: Vec<Service>,
}

/// A service a host runs.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "role", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Service {
    /// The uppercase echo (the labs' TCPServer/UDPServer).
    Echo {
        /// Port number.
        port: u16,
        /// Serve TCP.
        #[serde(default)]
        tcp: bool,
        /// Serve UDP.
        #[serde(default)]
        udp: bool,
    },
    /// Sends a line of text to each TCP client and closes.
    Banner {
        /// Port number.
        port: u16,
        /// The text sent.
        text: String,
    },
    /// The chat room.
    Chat {
        /// Port number.
        port: u16,
    },
    /// An authoritative DNS server (UDP and TCP) for zone files.
    Dns {
        /// Port number.
        port: u16,
        /// Zone files, relative to the world's files.
        zones: Vec<String>,
        /// A request-routing file (a CDN's DNS), relative to the world's files.
        #[serde(default)]
        routes: Option<String>,
    },
    /// An SMTP server receiving mail for local domains into Maildirs.
    Smtp {
        /// Port number.
        port: u16,
        /// Local domains.
        domains: Vec<String>,
        /// Local users (user@domain); each gets an account with a fresh password.
        users: Vec<String>,
        /// Submission port with STARTTLS + AUTH (587).
        #[serde(default)]
        submission: Option<u16>,
        /// Submission port with implicit TLS (465).
        #[serde(default)]
        submissions: Option<u16>,
    },
    /// A BitTorrent tracker: HTTP announce/scrape (TCP) and BEP 15 (UDP).
    Tracker {
        /// Port number.
        port: u16,
    },
    /// The local DNS server: an iterative caching resolver (UDP and TCP).
    Resolver {
        /// Port number.
        port: u16,
        /// The world host that is the root name server.
        root: String,
    },
    /// The UDP ping server with simulated loss.
    Ping {
        /// Port number.
        port: u16,
        /// Fraction of datagrams dropped.
        #[serde(default)]
        loss: f64,
        /// Seed of the loss; random when absent.
        seed: Option<u64>,
    },
    /// A web server (HTTP/1.1 and HTTP/2) for a site among the world's files.
    Web {
        /// Port number.
        port: u16,
        /// The site's folder among the world's files (`web/HOST`).
        site: String,
        /// Serve HTTPS (ALPN h2 and http/1.1) with a certificate from the world's CA.
        #[serde(default)]
        tls: bool,
        /// Run the cookie demo shop under /shop.
        #[serde(default)]
        demo_shop: bool,
    },
    /// The caching proxy (the course's institutional web cache), or with
    /// an origin a reverse proxy (a CDN edge).
    Proxy {
        /// Port number.
        port: u16,
        /// Reverse mode: every request goes to this origin (`http://HOST[:PORT]`,
        /// HOST a world host, its port moved by the world's offset).
        #[serde(default)]
        origin: Option<String>,
    },
    /// A BitTorrent seed of a generated sample file (deterministic content),
    /// announced to the world's tracker.
    Seed {
        /// Port number peers connect to.
        port: u16,
        /// The world host running the tracker.
        tracker: String,
        /// Name of the sample file.
        file: String,
        /// Its size in bytes.
        size: u64,
    },
    /// The DASH origin, serving a synthetic video packaged at first start.
    Dash {
        /// Port number.
        port: u16,
    },
}

impl Service {
    /// The role's name as written in the world file.
    pub fn role(&self) -> &'static str {
        match self {
            Service::Echo { .. } => "echo",
            Service::Banner { .. } => "banner",
            Service::Chat { .. } => "chat",
            Service::Ping { .. } => "ping",
            Service::Dns { .. } => "dns",
            Service::Resolver { .. } => "resolver",
            Service::Smtp { .. } => "smtp",
            Service::Tracker { .. } => "tracker",
            Service::Web { .. } => "web",
            Service::Proxy { .. } => "proxy",
            Service::Seed { .. } => "seed",
            Service::Dash { .. } => "dash",
        }
    }

    /// The port the world file gives (before any offset).
    pub fn port(&self) -> u16 {
        match self {
            Service::Echo { port, .. }
            | Service::Banner { port, .. }
            | Service::Chat { port }
            | Service::Ping { port, .. }
            | Service::Dns { port, .. }
            | Service::Resolver { port, .. }
            | Service::Smtp { port, .. }
            | Service::Tracker { port }
            | Service::Web { port, .. }
            | Service::Proxy { port, .. }
            | Service::Seed { port, .. }
            | Service::Dash { port } => *port,
        }
    }

    /// Further TCP listeners of the service, as (role, world port).
    pub fn extra_ports(&self) -> Vec<(&'static str, u16)> {
        match self {
            Service::Smtp {
                submission,
                submissions,
                ..
            } => submission
                .map(|p| ("submission", p))
                .into_iter()
                .chain(submissions.map(|p| ("submissions", p)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Transports the service uses, for listings.
    pub fn transports(&self) -> Vec<&'static str> {
        match self {
            Service::Echo { tcp, udp, .. } => {
                let mut t = Vec::new();
                if *tcp {
                    t.push("tcp");
                }
                if *udp {
                    t.push("udp");
                }
                t
            }
            Service::Banner { .. } | Service::Chat { .. } | Service::Smtp { .. } => vec!["tcp"],
            Service::Web { .. } => vec!["tcp"],
            Service::Ping { .. } => vec!["udp"],
            Service::Dns { .. } | Service::Resolver { .. } => vec!["udp", "tcp"],
            Service::Tracker { .. } => vec!["tcp", "udp"],
            Service::Proxy { .. } | Service::Seed { .. } | Service::Dash { .. } => vec!["tcp"],
        }
    }
}

/// A world file that cannot be used, and where.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The file could not be read.
    #[error("cannot read world file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The TOML is malformed or does not describe a world.
    #[error("{origin}: {message}")]
    Invalid {
        /// The file, or "the default world".
        origin: String,
        /// What is wrong, with its line.
        message: String,
    },
}

impl World {
    /// The embedded default world.
    pub fn textbook() -> World {
        World::parse(TEXTBOOK, "the default world").expect("the embedded world file is valid")
    }

    /// Reads a world file.
    pub fn load(path: &Path) -> Result<World, WorldError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut world = World::parse(&text, &path.display().to_string())?;
        // worlds/NAME.toml keeps its files in worlds/NAME/.
        world.files = Files::Dir(path.with_extension(""));
        Ok(world)
    }

    /// Reads a file a service names: `(name to show in errors, bytes)`.
    pub fn read_file(&self, name: &str) -> Result<(String, Vec<u8>), String> {
        match &self.files {
            Files::Embedded => TEXTBOOK_FILES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, text)| (format!("worlds/textbook/{n}"), text.as_bytes().to_vec()))
                .ok_or_else(|| format!("the default world has no file {name}")),
            Files::Dir(dir) => {
                let p = Path::new(name);
                if p.is_absolute() || p.components().any(|c| c.as_os_str() == "..") {
                    return Err(format!(
                        "{name}: a world's files must be inside {}",
                        dir.display()
                    ));
                }
                let full = dir.join(p);
                std::fs::read(&full)
                    .map(|b| (full.display().to_string(), b))
                    .map_err(|e| format!("cannot read {}: {e}", full.display()))
            }
        }
    }

    /// Parses world-file text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<World, WorldError> {
        let world: World = toml::from_str(text).map_err(|e| WorldError::Invalid {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        world.check().map_err(|message| WorldError::Invalid {
            origin: origin.to_string(),
            message,
        })?;
        Ok(world)
    }

    /// The host named `name` (case-insensitive, trailing dot allowed).
    pub fn host(&self, name: &str) -> Option<&Host> {
        let name = name.trim_end_matches('.');
        self.hosts
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }

    fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for h in &self.hosts {
            if !h.address.is_loopback() {
                return Err(format!(
                    "host {} has address {}, outside 127.0.0.0/8: a world lives on loopback addresses only",
                    h.name, h.address
                ));
            }
            if !seen.insert(h.name.to_ascii_lowercase()) {
                return Err(format!("host {} is listed twice", h.name));
            }
            for s in &h.services {
                if let Service::Ping { loss, .. } = s
                    && !(0.0..=1.0).contains(loss)
                {
                    return Err(format!(
                        "{}: ping loss {loss} is not between 0 and 1",
                        h.name
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_textbook_world_has_the_guides_hosts() {
        let w = World::textbook();
        assert_eq!(w.name, "textbook");
        assert_eq!(
            w.host("gaia.cs.umass.edu.").unwrap().address,
            Ipv4Addr::new(127, 119, 245, 12)
        );
        let lab = w.host("sockets.lab").unwrap();
        assert!(lab.services.contains(&Service::Chat { port: 1235 }));
        assert_eq!(w.hosts.len(), 23);
        // Every zone file a service names is embedded.
        for h in &w.hosts {
            for s in &h.services {
                if let Service::Dns { zones, routes, .. } = s {
                    for z in zones.iter().chain(routes) {
                        assert!(w.read_file(z).is_ok(), "{} names {z}", h.name);
                    }
                }
            }
        }
        assert!(w.read_file("../etc/passwd").is_err());
    }

    #[test]
    fn bad_worlds_are_explained() {
        let e = World::parse(
            "name = \"x\"\n[[host]]\nname = \"a\"\naddress = \"10.0.0.1\"\n",
            "w.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("outside 127.0.0.0/8"), "{e}");
        let e = World::parse("name = \"x\"\n[[host]]\nname = \"a\"\naddress = \"127.0.0.1\"\n[[host.service]]\nrole = \"teleport\"\nport = 1\n", "w.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("w.toml: ") && e.contains("teleport"), "{e}");
    }
}
