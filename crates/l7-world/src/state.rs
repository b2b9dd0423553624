//! The state file a running world leaves for l7's clients: which world runs,
//! its port plan, and every host's address and services. `l7 up` writes it
//! atomically at start and removes it at a clean stop; a client ignores a
//! file whose process is gone.
//!
//! Location: `$L7_STATE` if set, else `$XDG_RUNTIME_DIR/l7/world.json`, else
//! `~/.local/state/l7/world.json`.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::PortPlan;

/// A running world, as its clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorldState {
    /// Process id of `l7 up`.
    pub pid: u32,
    /// The world's name.
    pub world: String,
    /// How world ports map to bound ports.
    pub ports: PortPlan,
    /// When it started, seconds since the Unix epoch.
    pub started_unix: u64,
    /// Its hosts.
    pub hosts: Vec<HostState>,
    /// Where its services keep their data (a host's under `data/HOST`).
    pub data: PathBuf,
    /// The world CA's root certificate (PEM), for clients to trust.
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    /// The mail accounts `l7 up` made, with their passwords (l7's mail
    /// clients log in with them).
    #[serde(default)]
    pub mail_accounts: Vec<MailAccount>,
}

/// A mail account of a running world.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MailAccount {
    /// The address, also the login.
    pub address: String,
    /// Its password.
    pub password: String,
    /// The host of its mail server.
    pub server: String,
    /// The submission port (587 moved by the port plan).
    pub submission_port: u16,
}

/// One host of a running world.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HostState {
    /// DNS name.
    pub name: String,
    /// Loopback address.
    pub address: Ipv4Addr,
    /// What it is.
    pub about: String,
    /// Its services, one entry per transport.
    pub services: Vec<ServiceState>,
}

/// One listening socket of a host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceState {
    /// Role name (echo, chat, ...).
    pub role: String,
    /// tcp or udp.
    pub transport: String,
    /// The port actually bound.
    pub port: u16,
    /// Why it is not running, if it failed to start.
    pub error: Option<String>,
}

/// The state file's path.
pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("L7_STATE") {
        return PathBuf::from(p);
    }
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR") {
        return PathBuf::from(dir).join("l7/world.json");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".local/state/l7/world.json")
}

impl WorldState {
    /// Writes the state atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(&tmp, path)
    }

    /// The running world described at `path`, if its process is alive.
    pub fn load_running(path: &Path) -> Option<WorldState> {
        let text = std::fs::read(path).ok()?;
        let state: WorldState = serde_json::from_slice(&text).ok()?;
        Path::new(&format!("/proc/{}", state.pid))
            .exists()
            .then_some(state)
    }

    /// The address of a world host, by name (case-insensitive, trailing dot allowed).
    pub fn address_of(&self, name: &str) -> Option<Ipv4Addr> {
        let name = name.trim_end_matches('.');
        self.hosts
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_state_reads_back_while_the_process_lives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/world.json");
        let mut s = WorldState {
            pid: std::process::id(),
            world: "t".into(),
            ports: PortPlan { offset: 0 },
            started_unix: 1,
            hosts: vec![HostState {
                name: "sockets.lab".into(),
                address: Ipv4Addr::new(127, 0, 50, 1),
                about: String::new(),
                services: vec![],
            }],
            data: dir.path().join("data"),
            mail_accounts: vec![],
            ca_cert: Some(dir.path().join("ca.pem")),
        };
        s.write(&path).unwrap();
        let back = WorldState::load_running(&path).unwrap();
        assert_eq!(back, s);
        assert_eq!(
            back.address_of("SOCKETS.lab."),
            Some(Ipv4Addr::new(127, 0, 50, 1))
        );
        s.pid = u32::MAX; // no such process
        s.write(&path).unwrap();
        assert_eq!(WorldState::load_running(&path), None);
    }
}
