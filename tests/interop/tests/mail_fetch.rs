//! `l7 mail fetch` against a POP3 server we did not write (Dovecot, run in
//! the foreground with its own config over a scratch Maildir) and against
//! `l7 mail serve --pop3`: download-and-keep leaves the messages, the
//! default deletes them, and `-o` saves into a Maildir.

use std::net::SocketAddr;
use std::path::Path;

use l7_interop::*;
use l7_mail::accounts::{Accounts, SALT_LEN};
use l7_mail::store::{Maildir, UniqueName};

fn deliver_two(maildir: &Path) {
    let md = Maildir::create(maildir).unwrap();
    for (i, subject) in [(1, "ketchup"), (2, "pickles")] {
        md.deliver(
            &UniqueName::new(1_700_000_000 + i, 1, i as u64, "hamburger.edu"),
            format!(
                "From: alice@crepes.fr\r\nSubject: {subject}\r\n\r\n.leading dot\r\nbody {i}\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    }
}

fn count(maildir: &Path) -> usize {
    ["new", "cur"]
        .iter()
        .map(|d| std::fs::read_dir(maildir.join(d)).map_or(0, |e| e.count()))
        .sum()
}

fn fetch(server: SocketAddr, user: &str, extra: &[&str]) -> String {
    let server = server.to_string();
    let mut args = vec![
        "mail", "fetch", "--pop3", "--server", &server, "--user", user,
    ];
    args.extend_from_slice(extra);
    let o = l7_with_stdin(&args, b"");
    assert!(
        o.status.success(),
        "l7 mail fetch: {}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o) + &stderr(&o)
}

fn saved(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("new"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn fetch_from_dovecot_keep_then_delete() {
    let dir = Scratch::new("fetch-dovecot");
    let maildir = dir.join("mail");
    deliver_two(&maildir);
    let port = free_port();
    let conf = dir.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            "protocols = pop3\nlisten = 127.0.0.1\nbase_dir = {base}/run\nstate_dir = {base}/state\n\
             log_path = /dev/stderr\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain\n\
             passdb {{\n  driver = static\n  args = password=hungry\n}}\n\
             userdb {{\n  driver = static\n  args = uid=65534 gid=65534 home={base} mail=maildir:{mail}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    port = {port}\n  }}\n  inet_listener pop3s {{\n    port = 0\n  }}\n}}\n\
             first_valid_uid = 0\npop3_uidl_format = %f\n",
            base = dir.0.display(),
            mail = maildir.display(),
        ),
    )
    .unwrap();
    // Dovecot drops to the mail user (nobody) to read the Maildir.
    let o = tool("chown")
        .args(["-R", "65534:65534"])
        .arg(&dir.0)
        .output()
        .unwrap();
    assert!(o.status.success(), "chown: {}", stderr(&o));
    let mut dovecot = Server::command(
        tool("dovecot").arg("-F").arg("-c").arg(&conf),
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    let out_dir = dir.join("fetched");
    let out = out_dir.display().to_string();
    let log = fetch(
        dovecot.addr,
        "bob",
        &["--password", "hungry", "--keep", "-o", &out],
    );
    assert!(log.contains("fetched 2 messages"), "{log}");
    let got = saved(&out_dir);
    assert_eq!(got.len(), 2);
    assert!(
        got[0].contains("Subject: ketchup") && got[0].contains("\r\n.leading dot\r\n"),
        "{got:?}"
    );
    assert_eq!(count(&maildir), 2, "--keep leaves them on the server");
    let printed = fetch(dovecot.addr, "bob", &["--password", "hungry"]);
    assert!(
        printed.contains("Subject: pickles") && printed.contains("body 2"),
        "{printed}"
    );
    assert_eq!(count(&maildir), 0, "without --keep they are deleted");
    dovecot.terminate();
}

#[test]
fn fetch_from_l7_pop3() {
    let dir = Scratch::new("fetch-l7");
    let root = dir.join("maildirs");
    let maildir = root.join("hamburger.edu/bob");
    deliver_two(&maildir);
    let users = dir.join("users");
    let mut accounts = Accounts::new();
    accounts
        .add("bob@hamburger.edu", "hungry", &[3; SALT_LEN])
        .unwrap();
    accounts.save(&users).unwrap();
    let (smtp, pop3) = (free_port(), free_port());
    let (root_s, users_s) = (root.display().to_string(), users.display().to_string());
    let (smtp_s, pop3_s) = (format!("127.0.0.1:{smtp}"), format!("127.0.0.1:{pop3}"));
    let server = Server::l7(
        &[
            "mail",
            "serve",
            "--domain",
            "hamburger.edu",
            "--user",
            "bob@hamburger.edu",
            "--maildirs",
            &root_s,
            "--users-file",
            &users_s,
            "--listen",
            &smtp_s,
            "--pop3",
            &pop3_s,
        ],
        SocketAddr::from(([127, 0, 0, 1], pop3)),
        false,
    );
    let o = l7_with_stdin(
        &[
            "mail",
            "fetch",
            "--server",
            &pop3_s,
            "--user",
            "bob@hamburger.edu",
            "--keep",
        ],
        b"",
    );
    assert!(!o.status.success(), "no password given must fail");
    assert!(stderr(&o).contains("L7_MAIL_PASSWORD"), "{}", stderr(&o));
    let wrong = l7_with_stdin(
        &[
            "mail",
            "fetch",
            "--server",
            &pop3_s,
            "--user",
            "bob",
            "--password",
            "nope",
        ],
        b"",
    );
    assert!(stderr(&wrong).contains("-ERR [AUTH]"), "{}", stderr(&wrong));
    let kept = fetch(server.addr, "bob", &["--password", "hungry", "--keep"]);
    assert!(
        kept.contains("--- message 1 (UIDL 1700000001.1_1.hamburger.edu) ---"),
        "{kept}"
    );
    assert!(kept.contains("Subject: pickles"), "{kept}");
    assert_eq!(count(&maildir), 2);
    fetch(server.addr, "bob@hamburger.edu", &["--password", "hungry"]);
    assert_eq!(count(&maildir), 0);
}
