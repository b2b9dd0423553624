//! The end of the course's e-mail scenario in a running world: bob reads
//! alice's message from hamburger.edu with `l7 mail fetch --imap` and
//! `--pop3` (server and password from the state file, no flags), and with
//! Python's imaplib and mutt using the password `l7 up` made.

use std::process::Command;

use l7_interop::*;
use l7_mail::store::{Maildir, UniqueName};

#[test]
fn bob_reads_alices_message_over_imap_and_pop3() {
    let dir = std::env::temp_dir().join(format!("l7-mail-access-world-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("world.json");
    let data = dir.join("data");
    let (mut up, st) = start_world(&dir);
    let bob = st["mail_accounts"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["address"] == "bob@hamburger.edu"))
        .unwrap_or_else(|| panic!("no account for bob in the state file: {st}"))
        .clone();
    let password = bob["password"].as_str().unwrap().to_string();
    // alice's message, as SMTP delivers it into bob's Maildir.
    Maildir::create(data.join("hamburger.edu/maildirs/hamburger.edu/bob"))
        .unwrap()
        .deliver(
            &UniqueName::new(1_800_000_000, 1, 1, "hamburger.edu"),
            b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: ketchup\r\n\r\nDo you like ketchup?\r\nHow about pickles?\r\n",
        )
        .unwrap();
    let fetch = |protocol: &str| {
        let o = Command::new(l7_bin())
            .env("L7_STATE", &state)
            .args([
                "mail",
                "fetch",
                protocol,
                "--user",
                "bob@hamburger.edu",
                "--keep",
            ])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{protocol}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    };
    for protocol in ["--imap", "--pop3"] {
        let out = fetch(protocol);
        assert!(
            out.contains("Subject: ketchup") && out.contains("How about pickles?"),
            "{protocol}: {out}"
        );
    }
    // A client we did not write: imaplib, on hamburger.edu's IMAP port.
    // Port 143, or 10143 when the world runs without root (the port plan).
    let imap_port = if std::net::TcpStream::connect("127.0.20.2:143").is_ok() {
        143
    } else {
        10143
    };
    let o = tool("python3")
        .args([
            "-c",
            &format!(
                r#"
import imaplib
m = imaplib.IMAP4("127.0.20.2", {imap_port}, timeout=30)
m.login("bob@hamburger.edu", "{password}"); m.select("INBOX")
print(m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1].decode().strip())
m.logout()
"#
            ),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o).trim(), "Subject: ketchup");
    // And mutt, the textbook's user agent, reads it too (and keeps it).
    let saved = dir.join("mutt-saved.txt");
    let keys = format!("<pipe-message>cat > {}<enter><quit>", saved.display());
    let folder = format!("imap://127.0.20.2:{imap_port}/INBOX");
    let o = mutt(&dir, "bob@hamburger.edu", &password, &folder, &keys);
    assert!(o.status.success(), "mutt: {}", stderr(&o));
    let text = std::fs::read_to_string(&saved).unwrap_or_default();
    assert!(text.contains("Do you like ketchup?"), "mutt saved: {text}");
    assert!(up.terminate().success());
    let _ = std::fs::remove_dir_all(&dir);
}
