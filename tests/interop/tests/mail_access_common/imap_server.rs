//! `l7 mail serve --imap` started for the IMAP interop test files, and the
//! ways they run their clients (python3, node with imapflow).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::mail_access_common::{deliver_two, make_cert, write_accounts};
use l7_interop::*;

/// A running IMAP server over bob's Maildir.
pub struct Imap {
    pub _dir: Scratch,
    pub server: Server,
    pub maildir: PathBuf,
    /// The certificate's path when started with TLS (not every test file
    /// that includes this module uses it).
    #[allow(dead_code)]
    pub cert: Option<String>,
}

/// Starts `l7 mail serve --imap` on `listen_ip` (with a certificate when
/// `tls`), over a fresh Maildir with two messages or over `dir` again.
pub fn imap(listen_ip: &str, tls: bool, dir: Option<Scratch>) -> Imap {
    let fresh = dir.is_none();
    let dir = dir.unwrap_or_else(|| Scratch::new(&format!("imap-{}", free_port())));
    let root = dir.join("maildirs");
    let maildir = root.join("hamburger.edu/bob");
    let accounts = dir.join("users");
    if fresh {
        deliver_two(&maildir);
        write_accounts(&accounts);
    }
    let (smtp, port) = (free_port(), free_port());
    let mut args: Vec<String> = [
        "mail",
        "serve",
        "--hostname",
        "hamburger.edu",
        "--domain",
        "hamburger.edu",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend([
        "--user".into(),
        "bob@hamburger.edu".into(),
        "--maildirs".into(),
        root.display().to_string(),
        "--users-file".into(),
        accounts.display().to_string(),
        "--listen".into(),
        format!("127.0.0.1:{smtp}"),
        "--imap".into(),
        format!("{listen_ip}:{port}"),
    ]);
    let mut cert_path = None;
    if tls {
        let (cert, key) = make_cert(&dir);
        args.extend(["--tls-cert".into(), cert.clone(), "--tls-key".into(), key]);
        cert_path = Some(cert);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false);
    Imap {
        _dir: dir,
        server,
        maildir,
        cert: cert_path,
    }
}

/// Runs a python3 script and returns what it printed; fails the test if
/// the script fails.
pub fn python(script: &str) -> String {
    let o = tool("python3").args(["-c", script]).output().unwrap();
    assert!(
        o.status.success(),
        "python failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// The npm modules installed by scripts/install-peers.
fn node_modules() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node/node_modules");
    assert!(
        dir.join("imapflow").is_dir(),
        "imapflow is not installed: run scripts/install-peers (npm install --prefix .tools/node imapflow)"
    );
    dir
}

/// Runs a node script with imapflow on its module path and returns what it
/// printed; fails the test if the script fails.
pub fn imapflow(script: &str) -> String {
    let o = tool("node")
        .env("NODE_PATH", node_modules())
        .args(["-e", script])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "imapflow failed:\n{out}\n{}",
        stderr(&o)
    );
    out
}
