//! `l7 mail serve --imap` read by mail user agents: mutt (driven by pushed
//! key commands under a pseudo-terminal from `script`) reads a message and
//! deletes it; Python's imaplib fetches numbered MIME sections
//! (`BODY[1]`, `BODY[2.MIME]`, `BODY[3.HEADER]`, `BODY[3.1]<0.5>`) of a
//! nested message and asks NAMESPACE, ENABLE and ID; imapflow reads the
//! structure of the attachment and downloads it part by part.

use l7_interop::*;

#[path = "mail_access_common/imap_server.rs"]
mod imap_server;
mod mail_access_common;
use imap_server::{imap, imapflow, python};

/// A message with a text part, a base64 attachment, a forwarded message
/// (itself multipart/alternative) — the shapes RFC 3501 §6.4.5 numbers.
const NESTED: &str = "From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: photos\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached.\r\n--outer\r\nContent-Type: application/octet-stream; name=\"crepe.bin\"\r\nContent-Disposition: attachment; filename=\"crepe.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nQ3LDqnBlIQ==\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: carol@x.org\r\nSubject: recipe\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nflour, eggs, milk\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>flour</p>\r\n--inner--\r\n\r\n--outer--\r\n";

#[test]
fn imaplib_fetches_numbered_mime_sections() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let out = python(&format!(
        r#"
import imaplib
m = imaplib.IMAP4("127.0.0.1", {port}, timeout=30)
m.login("bob", "hungry")
print("NAMESPACE", m.namespace())
print("ENABLE", m.enable("CONDSTORE"))
print("ID", m.xatom("ID", "NIL"), m.untagged_responses.pop("ID", None))
m.append("INBOX", None, None, {message:?}.encode())
m.select("INBOX")
for spec in ["BODY.PEEK[1]", "BODY.PEEK[1.MIME]", "BODY.PEEK[2]", "BODY.PEEK[3.HEADER.FIELDS (SUBJECT)]",
             "BODY.PEEK[3.1]", "BODY.PEEK[3.2]<3.5>", "BODY.PEEK[3.2.MIME]", "BODY.PEEK[9]"]:
    typ, data = m.fetch("3", "(" + spec + ")")
    print("PART", spec, repr(data[0][1]))
print("STRUCT", m.fetch("3", "(BODYSTRUCTURE)")[1])
print("FLAGS", m.fetch("3", "(FLAGS)")[1])
m.logout()
"#,
        message = NESTED
    ));
    let has = |needle: &str| assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    has(r#"NAMESPACE ('OK', [b'(("" ".")) NIL NIL'])"#);
    has("ENABLE ('OK'");
    has(r#"[b'("name" "l7")']"#);
    has("PART BODY.PEEK[1] b'See attached.'");
    has("PART BODY.PEEK[1.MIME] b'Content-Type: text/plain; charset=us-ascii\\r\\n\\r\\n'");
    has("PART BODY.PEEK[2] b'Q3LDqnBlIQ=='");
    has("PART BODY.PEEK[3.HEADER.FIELDS (SUBJECT)] b'Subject: recipe\\r\\n\\r\\n'");
    has("PART BODY.PEEK[3.1] b'flour, eggs, milk'");
    has("PART BODY.PEEK[3.2]<3.5> b'flour'");
    has("PART BODY.PEEK[3.2.MIME] b'Content-Type: text/html\\r\\n\\r\\n'");
    has("PART BODY.PEEK[9] b''");
    has(r#"("ATTACHMENT" ("FILENAME" "crepe.bin"))"#);
    has(r#"("MESSAGE" "RFC822" NIL NIL NIL "7BIT""#);
    // BODY.PEEK leaves the message unseen.
    has("FLAGS [b'3 (FLAGS ())']");
}

#[test]
fn imapflow_downloads_an_attachment_by_part_number() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let script = format!(
        r#"
const {{ ImapFlow }} = require('imapflow');
(async () => {{
  const c = new ImapFlow({{ host: '127.0.0.1', port: {port}, secure: false, doSTARTTLS: false,
    auth: {{ user: 'bob', pass: 'hungry' }}, logger: false }});
  await c.connect();
  await c.append('INBOX', {message:?});
  const lock = await c.getMailboxLock('INBOX');
  const out = {{}};
  try {{
    const m = await c.fetchOne('3', {{ bodyStructure: true }});
    out.parts = m.bodyStructure.childNodes.map(n => [n.part, n.type, n.disposition || null]);
    out.inner = m.bodyStructure.childNodes[2].childNodes[0].childNodes.map(n => [n.part, n.type]);
    const read = async (part) => {{
      const {{ content }} = await c.download('3', part);
      const chunks = [];
      for await (const ch of content) chunks.push(ch);
      return Buffer.concat(chunks).toString('utf8');
    }};
    out.attachment = await read('2');
    out.recipe = await read('3.1');
    const parts = await c.downloadMany('3', ['1', '3.2']);
    out.many = [parts['1'].content.toString(), parts['3.2'].content.toString()];
  }} finally {{ lock.release(); }}
  await c.logout();
  console.log(JSON.stringify(out));
}})().catch(e => {{ console.error(e); process.exit(1); }});
"#,
        message = NESTED
    );
    let out = imapflow(&script);
    let has = |needle: &str| assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    has(
        r#""parts":[["1","text/plain",null],["2","application/octet-stream","attachment"],["3","message/rfc822",null]]"#,
    );
    has(r#""inner":[["3.1","text/plain"],["3.2","text/html"]]"#);
    // The base64 attachment comes back decoded.
    has(r#""attachment":"Crêpe!""#);
    has(r#""recipe":"flour, eggs, milk""#);
    has(r#""many":["See attached.","<p>flour</p>"]"#);
}

#[test]
fn mutt_reads_and_deletes_over_imap() {
    let s = imap("127.0.0.1", false, None);
    let port = s.server.addr.port();
    let dir = Scratch::new(&format!("mutt-{port}"));
    let saved = dir.join("saved.txt");
    // The pushed keys pipe the first message to a file, delete it, sync
    // the mailbox and quit.
    let keys = format!(
        "<pipe-message>cat > {}<enter><delete-message><sync-mailbox><quit>",
        saved.display()
    );
    let folder = format!("imap://127.0.0.1:{port}/INBOX");
    let o = mutt(&dir.0, "bob", "hungry", &folder, &keys);
    assert!(o.status.success(), "mutt failed:\n{}", stderr(&o));
    let text = std::fs::read_to_string(&saved).unwrap_or_default();
    assert!(
        text.contains("Subject: one") && text.contains("Do you like ketchup?"),
        "mutt saved:\n{text}\nits screen:\n{}",
        String::from_utf8_lossy(&o.stdout)
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect::<String>()
    );
    // Message 1 is gone from the Maildir; message 2 stays.
    let names: Vec<String> = ["cur", "new"]
        .iter()
        .flat_map(|d| std::fs::read_dir(s.maildir.join(d)).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("1700000002."), "{names:?}");
}
