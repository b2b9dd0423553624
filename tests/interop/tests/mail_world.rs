//! The course's e-mail scenario in a running world: alice's user agent
//! (`l7 mail send`, which takes the server and her password from the state
//! file) submits to mail.crepes.fr; its queue looks up hamburger.edu's MX
//! through dns.nyu.edu and relays; the message lands in bob's Maildir.
//! swaks (a client we did not write) submits with STARTTLS + AUTH too.

use std::process::Command;
use std::time::{Duration, Instant};

use l7_interop::*;

#[test]
fn alice_mails_bob_across_the_world() {
    let dir = std::env::temp_dir().join(format!("l7-mail-world-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("world.json");
    let data = dir.join("data");
    let (mut up, st) = start_world(&dir);
    let accounts = st["mail_accounts"]
        .as_array()
        .expect("mail accounts in the state file");
    let alice = accounts
        .iter()
        .find(|a| a["address"] == "alice@crepes.fr")
        .unwrap_or_else(|| panic!("no account for alice in the state file: {st}"));
    let password = alice["password"].as_str().unwrap().to_string();
    let port = alice["submission_port"].as_u64().unwrap();

    let sent = Command::new(l7_bin())
        .env("L7_STATE", &state)
        .args([
            "--trace",
            "mail",
            "send",
            "--from",
            "alice@crepes.fr",
            "--to",
            "bob@hamburger.edu",
            "--subject",
            "ketchup",
            "--body",
            "Do you like ketchup?\nHow about pickles?",
        ])
        .output()
        .unwrap();
    let out = stdout(&sent);
    assert!(sent.status.success(), "{out}{}", stderr(&sent));
    assert!(
        out.contains("C: STARTTLS") && out.contains("S: 235"),
        "{out}"
    );
    assert!(out.contains("bob@hamburger.edu: accepted"), "{out}");

    // A real client submits too: swaks with STARTTLS and AUTH PLAIN.
    let swaks = tool("swaks")
        .args([
            "--server",
            &format!("127.0.20.1:{port}"),
            "--from",
            "alice@crepes.fr",
            "--to",
            "bob@hamburger.edu",
            "--tls",
            "--auth",
            "PLAIN",
            "--auth-user",
            "alice@crepes.fr",
            "--auth-password",
            &password,
            "--header",
            "Subject: via swaks",
        ])
        .output()
        .unwrap();
    let s = stdout(&swaks);
    assert!(
        s.contains("<~  250 2.0.0 Message accepted"),
        "{s}{}",
        stderr(&swaks)
    );

    let bob = data.join("hamburger.edu/maildirs/hamburger.edu/bob/new");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut texts = Vec::new();
    while Instant::now() < deadline {
        texts = std::fs::read_dir(&bob)
            .map(|d| {
                d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if texts.len() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(texts.len(), 2, "both messages reach bob's Maildir");
    let ours = texts
        .iter()
        .find(|t| t.contains("Subject: ketchup"))
        .expect("l7 mail send's message");
    // Two hops, each with its Received field: hamburger.edu got it from
    // mail.crepes.fr over TLS, which got it from alice authenticated.
    assert!(
        ours.starts_with("Received: from mail.crepes.fr")
            && ours.contains("by hamburger.edu with ESMTPS"),
        "{ours}"
    );
    assert!(ours.contains("by mail.crepes.fr with ESMTPSA"), "{ours}");
    assert!(
        ours.contains("Do you like ketchup?\r\nHow about pickles?"),
        "{ours}"
    );
    let code = up.terminate();
    assert!(code.success());
    let _ = std::fs::remove_dir_all(&dir);
}
