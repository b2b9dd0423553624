//! What the DNS interop tests share: the example zone and an `l7 dns
//! serve` for it, and python3 with the PyPI peers (dnspython) that
//! scripts/install-peers put in .tools/python. Each test crate uses a part.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use l7_interop::{Server, free_port, tool};

/// The example.test zone the authoritative tests serve.
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dns/example.test.zone")
}

/// `l7 dns serve --zone ZONE EXTRA...` on a free port of 127.0.0.1.
pub fn serve(zone: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let z = zone.to_str().unwrap().to_string();
    let mut args = vec!["dns", "serve", "--zone", &z, "--listen", &listen];
    args.extend_from_slice(extra);
    Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false)
}

/// python3 able to `import dns` (dnspython).
pub fn python_peer() -> Command {
    let mut c = tool("python3");
    c.env("PYTHONPATH", python_tools());
    c
}

fn python_tools() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/python")
        .display()
        .to_string()
}
