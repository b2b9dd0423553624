//! Helpers the POP3 and IMAP interop tests share: bob's account file,
//! a self-signed certificate for 127.0.0.1, and two messages from alice.

use std::path::Path;

use l7_interop::*;
use l7_mail::accounts::{Accounts, SALT_LEN};
use l7_mail::store::{Maildir, UniqueName};

/// Writes an accounts file with bob@hamburger.edu, password "hungry".
pub fn write_accounts(path: &Path) {
    let mut accounts = Accounts::new();
    accounts
        .add("bob@hamburger.edu", "hungry", &[5; SALT_LEN])
        .unwrap();
    accounts.save(path).unwrap();
}

/// A self-signed certificate for 127.0.0.1 and localhost (openssl).
pub fn make_cert(dir: &Scratch) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let o = tool("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=hamburger.edu"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl: {}", stderr(&o));
    (cert.display().to_string(), key.display().to_string())
}

/// Delivers two messages from alice into `maildir` (one with a line
/// that starts with a dot).
pub fn deliver_two(maildir: &Path) {
    let md = Maildir::create(maildir).unwrap();
    md.deliver(
        &UniqueName::new(1_700_000_001, 1, 1, "hamburger.edu"),
        b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: one\r\n\r\nDo you like ketchup?\r\n.How about pickles?\r\n",
    )
    .unwrap();
    md.deliver(
        &UniqueName::new(1_700_000_002, 1, 2, "hamburger.edu"),
        b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: two\r\n\r\nSecond message\r\n",
    )
    .unwrap();
}
