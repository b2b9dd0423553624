//! `l7 mail serve --imap` driven by Python's imaplib and npm imapflow: login,
//! LIST with special-use folders, SELECT, SEARCH, FETCH (BODY.PEEK,
//! ENVELOPE, BODYSTRUCTURE, flags),
//! STORE and EXPUNGE, APPEND with a literal, COPY/MOVE with UIDPLUS codes,
//! IDLE seeing a delivery, STARTTLS, and UIDs that survive a restart; and
//! mbsync (isync) syncing a mailbox both ways, after which a further sync
//! changes nothing.

use std::net::SocketAddr;
use std::path::Path;

use l7_interop::*;

#[path = "mail_access_common/imap_server.rs"]
mod imap_server;
mod mail_access_common;
use imap_server::{Imap, imap, imapflow, python};
use mail_access_common::{deliver_two, write_accounts};

#[test]
fn imaplib_reads_flags_and_deletes() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let out = python(&format!(
        r#"
import imaplib
m = imaplib.IMAP4("127.0.0.1", {port}, timeout=30)
print("CAPS", sorted(m.capabilities))
print("LOGIN", m.login("bob", "hungry"))
print("CREATE", m.create("Archive"))
print("LIST", m.list())
typ, data = m.select("INBOX"); print("SELECT", typ, data)
print("UIDVALIDITY", m.response("UIDVALIDITY"))
print("SEARCH", m.search(None, "ALL"), m.search(None, "UNSEEN"), m.search(None, 'FROM', '"alice"', 'SUBJECT', 'two'))
typ, data = m.fetch("1", "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"); print("PEEK", data)
typ, data = m.fetch("1", "(ENVELOPE)"); print("ENV", data)
typ, data = m.fetch("1", "(BODY[])"); print("BODY", data[0][0], repr(data[0][1]))
print("SEEN", m.fetch("1", "(FLAGS)"), m.search(None, "SEEN"))
typ, data = m.uid("FETCH", "1:*", "(FLAGS)"); print("UIDFETCH", data)
print("APPEND", m.append("INBOX", r"(\Flagged)", None, b"From: carol@x.org\r\nSubject: three\r\n\r\nappended\r\n"))
print("NOOP", m.noop())
print("COPY", m.copy("2", "Archive"))
print("MOVE", m.uid("MOVE", "3", "Archive"))
print("STORE", m.store("1", "+FLAGS", r"(\Deleted)"))
print("EXPUNGE", m.expunge())
print("STATUS", m.status("Archive", "(MESSAGES UIDNEXT UNSEEN)"))
print("CLOSE", m.close())
print("LOGOUT", m.logout())
"#
    ));
    let has = |needle: &str| assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    has("'IMAP4REV1'");
    has("'IDLE'");
    has("'UIDPLUS'");
    has("LOGIN ('OK', [b'[CAPABILITY");
    has("CREATE ('OK'");
    has(r#"b'(\\HasNoChildren \\Sent) "." "Sent"'"#);
    has(r#"b'(\\HasNoChildren) "." "Archive"'"#);
    has("SELECT OK [b'2']");
    has("SEARCH ('OK', [b'1 2']) ('OK', [b'1 2']) ('OK', [b'2'])");
    has(
        "b'1 (UID 1 FLAGS () RFC822.SIZE 105 BODY[HEADER.FIELDS (SUBJECT)] {16}', b'Subject: one\\r\\n\\r\\n'",
    );
    has(r#"ENVELOPE (NIL "one" ((NIL NIL "alice" "crepes.fr"))"#);
    has("b'1 (BODY[] {105}' b'From: alice@crepes.fr");
    has("\\r\\n.How about pickles?\\r\\n'");
    has(r"SEEN ('OK', [b'1 (FLAGS (\\Seen))']) ('OK', [b'1'])");
    has(r"UIDFETCH [b'1 (UID 1 FLAGS (\\Seen))', b'2 (UID 2 FLAGS ())']");
    has("APPEND ('OK', [b'[APPENDUID");
    has("COPY ('OK', [b'[COPYUID");
    has("MOVE ('OK'");
    // MOVE's own EXPUNGE of message 3 comes first (RFC 6851 §3.3).
    has("EXPUNGE ('OK', [b'3', b'1'])");
    has("STATUS ('OK', [b'\"Archive\" (MESSAGES 2 UIDNEXT 3 UNSEEN 2)'])");
    has("LOGOUT ('BYE'");
    // Flags are kept in standard Maildir names; the expunged file is gone.
    let cur: Vec<String> = std::fs::read_dir(s.maildir.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let news = std::fs::read_dir(s.maildir.join("new")).unwrap().count();
    assert_eq!(cur.len() + news, 1, "{cur:?}");
    assert!(s.maildir.join(".Archive/cur").is_dir());
}

#[test]
fn uids_survive_a_restart_and_idle_sees_new_mail() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let first = python(&format!(
        r#"
import imaplib
m = imaplib.IMAP4("127.0.0.1", {port}, timeout=30)
m.login("bob@hamburger.edu", "hungry"); m.select("INBOX")
print("V", m.response("UIDVALIDITY")[1][0].decode())
print("U", m.uid("SEARCH", None, "ALL")[1][0].decode())
m.logout()
"#
    ));
    let Imap {
        _dir: dir,
        server,
        maildir,
        ..
    } = s;
    drop(server);
    let s = imap("127.0.0.1", false, Some(dir));
    let port = s.server.addr.port();
    let script = format!(
        r#"
import imaplib, socket, threading, time, os
m = imaplib.IMAP4("127.0.0.1", {port}, timeout=30)
m.login("bob", "hungry"); m.select("INBOX")
print("V", m.response("UIDVALIDITY")[1][0].decode())
print("U", m.uid("SEARCH", None, "ALL")[1][0].decode())
tag = m._new_tag().decode()
m.send(f"{{tag}} IDLE\r\n".encode())
print("IDLE", m.readline().decode().strip())
def deliver():
    time.sleep(1)
    p = os.path.join("{maildir}", "new", "1800000000.9_9.hamburger.edu")
    open(p + ".tmp", "wb").write(b"Subject: late\r\n\r\nhi\r\n"); os.rename(p + ".tmp", p)
threading.Thread(target=deliver).start()
print("PUSH", m.readline().decode().strip())
m.send(b"DONE\r\n")
print("DONE", m.readline().decode().strip())
m.logout()
"#,
        maildir = maildir.display()
    );
    let second = python(&script);
    let line = |s: &str, p: &str| s.lines().find(|l| l.starts_with(p)).unwrap().to_string();
    assert_eq!(
        line(&first, "V "),
        line(&second, "V "),
        "UIDVALIDITY kept:\n{first}\n{second}"
    );
    assert_eq!(line(&first, "U "), "U 1 2");
    assert_eq!(line(&second, "U "), "U 1 2");
    assert!(second.contains("IDLE + idling"), "{second}");
    assert!(second.contains("PUSH * 3 EXISTS"), "{second}");
    assert!(second.contains("OK IDLE terminated"), "{second}");
}

#[test]
fn login_needs_starttls_off_loopback() {
    let s = imap("0.0.0.0", true, None);
    let port = s.server.addr.port();
    let cert = s.cert.clone().unwrap();
    let out = python(&format!(
        r#"
import imaplib, ssl
m = imaplib.IMAP4("127.0.0.1", {port}, timeout=30)
print("CAPS", sorted(m.capabilities))
try:
    m.login("bob", "hungry"); print("LOGIN in the clear")
except imaplib.IMAP4.error as e:
    print("refused", e)
m.starttls(ssl.create_default_context(cafile="{cert}"))
print("AFTER", sorted(m.capabilities))
try:
    m.login("bob", "wrong")
except imaplib.IMAP4.error as e:
    print("bad password", e)
print(m.login("bob", "hungry")[0]); m.logout()
"#
    ));
    assert!(
        out.contains("'LOGINDISABLED'") && out.contains("'STARTTLS'"),
        "{out}"
    );
    assert!(
        out.contains("refused") && !out.contains("LOGIN in the clear"),
        "{out}"
    );
    assert!(out.contains("'AUTH=PLAIN'"), "{out}");
    assert!(
        out.contains("bad password b'[AUTHENTICATIONFAILED]"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("OK"), "{out}");
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = ["new", "cur"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).into_iter().flatten())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mbsync(conf: &Path) -> String {
    let o = tool("mbsync")
        .args(["-V", "-c"])
        .arg(conf)
        .arg("-a")
        .output()
        .unwrap();
    let text = stdout(&o) + &stderr(&o);
    assert!(o.status.success(), "mbsync failed:\n{text}");
    text
}

#[test]
fn mbsync_both_ways_then_nothing_changes() {
    let dir = Scratch::new("imap-mbsync");
    let root = dir.join("maildirs");
    let remote = root.join("hamburger.edu/bob");
    deliver_two(&remote);
    let accounts = dir.join("users");
    write_accounts(&accounts);
    let (smtp, port) = (free_port(), free_port());
    let (root_s, users_s) = (root.display().to_string(), accounts.display().to_string());
    let (smtp_s, imap_s) = (format!("127.0.0.1:{smtp}"), format!("127.0.0.1:{port}"));
    let _server = Server::l7(
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
            "--imap",
            &imap_s,
        ],
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    let local = dir.join("local");
    std::fs::create_dir_all(&local).unwrap();
    let conf = dir.join("mbsyncrc");
    std::fs::write(
        &conf,
        format!(
            "IMAPAccount l7\nHost 127.0.0.1\nPort {port}\nUser bob\nPass hungry\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount l7\n\n\
             MaildirStore local\nPath {local}/\nInbox {local}/INBOX\nSubFolders Verbatim\n\n\
             Channel sync\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\nSyncState *\nSync All\n",
            local = local.display()
        ),
    )
    .unwrap();
    let first = mbsync(&conf);
    let inbox = local.join("INBOX");
    let pulled = files(&inbox);
    assert_eq!(pulled.len(), 2, "{pulled:?}\n{first}");
    assert!(local.join("Sent").is_dir(), "folders come along:\n{first}");
    // Locally: mark the first message seen, and write a new message.
    let first_file = ["new", "cur"]
        .iter()
        .flat_map(|d| std::fs::read_dir(inbox.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let name = first_file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let base = name.split(":2,").next().unwrap().to_string();
    let flags = name
        .split_once(":2,")
        .map_or(String::new(), |(_, f)| f.to_string());
    std::fs::rename(
        &first_file,
        inbox.join("cur").join(format!("{base}:2,{flags}S")),
    )
    .unwrap();
    std::fs::write(
        inbox.join("new/1800000000.local_1.laptop"),
        b"From: bob@hamburger.edu\r\nSubject: written offline\r\n\r\nhi\r\n",
    )
    .unwrap();
    let second = mbsync(&conf);
    let on_server = files(&remote);
    assert_eq!(
        on_server.len(),
        3,
        "the local message went up: {on_server:?}\n{second}"
    );
    assert_eq!(
        on_server.iter().filter(|n| n.ends_with(":2,S")).count(),
        1,
        "the \\Seen flag went up: {on_server:?}\n{second}"
    );
    let before = (files(&remote), files(&inbox));
    let third = mbsync(&conf);
    assert_eq!(
        (files(&remote), files(&inbox)),
        before,
        "a third sync changes nothing:\n{third}"
    );
}

#[test]
fn two_sessions_see_each_others_changes() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let out = python(&format!(
        r#"
import imaplib
a = imaplib.IMAP4("127.0.0.1", {port}, timeout=30); a.login("bob", "hungry"); a.select("INBOX")
b = imaplib.IMAP4("127.0.0.1", {port}, timeout=30); b.login("bob", "hungry"); b.select("INBOX")
a.store("2", "+FLAGS", r"(\Flagged)")
a.store("1", "+FLAGS", r"(\Deleted)"); a.expunge()
typ, data = b.noop()
print("B-FETCH", b.untagged_responses.get("FETCH"))
print("B-EXPUNGE", b.untagged_responses.get("EXPUNGE"))
print("B-EXISTS", b.untagged_responses.get("EXISTS"))
print("B-NOW", b.fetch("1", "(UID FLAGS)")[1])
a.logout(); b.logout()
"#
    ));
    // RFC 3501 §7.4.1: the EXPUNGE of 1 comes first, so the flag change
    // of the old message 2 is reported under its new number, 1.
    assert!(out.contains("B-EXPUNGE [b'1']"), "{out}");
    assert!(out.contains(r"B-FETCH [b'1 (FLAGS (\\Flagged))']"), "{out}");
    assert!(out.contains("B-EXISTS [b'2', b'1']"), "{out}");
    assert!(out.contains(r"b'1 (UID 2 FLAGS (\\Flagged))']"), "{out}");
}

#[test]
fn imapflow_fetch_search_append_move_and_idle() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let script = format!(
        r#"
const {{ ImapFlow }} = require('imapflow');
const fs = require('fs');
(async () => {{
  const c = new ImapFlow({{ host: '127.0.0.1', port: {port}, secure: false, doSTARTTLS: false,
    auth: {{ user: 'bob', pass: 'hungry' }}, logger: false }});
  await c.connect();
  const out = {{ msgs: [] }};
  out.folders = (await c.list()).map(f => f.path + ':' + (f.specialUse || '')).sort();
  const lock = await c.getMailboxLock('INBOX');
  try {{
    for await (const m of c.fetch('1:*', {{ uid: true, flags: true, envelope: true, source: true, bodyStructure: true }})) {{
      out.msgs.push([m.uid, m.envelope.subject, m.envelope.from[0].address, m.source.length, m.bodyStructure.type, m.bodyStructure.size]);
    }}
    out.unseen = await c.search({{ seen: false }}, {{ uid: true }});
    out.append = (await c.append('INBOX', 'From: carol@x.org\r\nSubject: up\r\n\r\nhi\r\n', ['\\Seen'])).uid;
    out.seen = await c.search({{ seen: true }}, {{ uid: true }});
    out.move = [...(await c.messageMove('1', 'Trash', {{ uid: true }})).uidMap];
    const exists = new Promise(resolve => c.on('exists', d => resolve(d.count)));
    setTimeout(() => {{
      const p = '{maildir}/new/1900000000.9_9.hamburger.edu';
      fs.writeFileSync(p + '.tmp', 'Subject: late\r\n\r\nhi\r\n'); fs.renameSync(p + '.tmp', p);
    }}, 1000);
    c.idle();
    out.idle_exists = await exists;
  }} finally {{ lock.release(); }}
  await c.logout();
  console.log(JSON.stringify(out));
}})().catch(e => {{ console.error(e); process.exit(1); }});
"#,
        maildir = s.maildir.display()
    );
    let out = imapflow(&script);
    let has = |needle: &str| assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    has(r#""Sent:\\Sent""#);
    has(r#""Trash:\\Trash""#);
    has(r#"[1,"one","alice@crepes.fr",105,"text/plain",43]"#);
    has(r#"[2,"two","alice@crepes.fr",78,"text/plain",16]"#);
    has(r#""unseen":[1,2]"#);
    has(r#""append":3"#);
    has(r#""seen":[3]"#);
    has(r#""move":[[1,1]]"#);
    has(r#""idle_exists":3"#);
}
