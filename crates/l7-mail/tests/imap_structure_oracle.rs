//! Differential tests of IMAP's MIME walk (BODY[n] sections and
//! BODYSTRUCTURE) against mail-parser 0.11, the oracle: over a corpus of
//! MIME shapes (multipart/alternative, attachments, nested multiparts,
//! forwarded message/rfc822 parts, encoded words, a malformed header, our
//! own composed messages and bounces), every leaf part mail-parser finds
//! has the same body bytes as our `BODY[part]`, the same MIME header as our
//! `BODY[part.MIME]`, and BODYSTRUCTURE lists the same leaf types in the
//! same order.

use l7_mail::imap::bodystructure::bodystructure;
use l7_mail::imap::section::{SectionSpec, section_bytes};
use l7_mail::message::{Attachment, Composition};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// One leaf: its IMAP part number, body and MIME header bytes, and type.
struct Leaf {
    number: Vec<u32>,
    body: Vec<u8>,
    header: Vec<u8>,
    ctype: String,
}

/// The leaves of mail-parser's tree under part `id` of `m`, numbered as
/// RFC 3501 §6.4.5 numbers them.
fn leaves(m: &Message<'_>, id: u32, number: Vec<u32>, out: &mut Vec<Leaf>) {
    let part = &m.parts[id as usize];
    let raw = m.raw_message.as_ref();
    let ctype = part.content_type().map_or("text/plain".to_string(), |c| {
        format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase()
    });
    match &part.body {
        PartType::Multipart(children) => {
            for (i, &child) in children.iter().enumerate() {
                let mut n = number.clone();
                n.push(i as u32 + 1);
                leaves(m, child, n, out);
            }
        }
        PartType::Message(inner) => {
            // The parts of a message/rfc822 part are those of the message
            // inside; a single-part message inside has part 1.
            let root = &inner.parts[0];
            if matches!(root.body, PartType::Multipart(_)) {
                leaves(inner, 0, number, out);
            } else {
                let mut n = number;
                n.push(1);
                leaves(inner, 0, n, out);
            }
        }
        _ => {
            let number = if number.is_empty() { vec![1] } else { number };
            out.push(Leaf {
                number,
                body: raw[part.offset_body as usize..part.offset_end as usize].to_vec(),
                header: raw[part.offset_header as usize..part.offset_body as usize].to_vec(),
                ctype,
            });
        }
    }
}

fn ours(message: &[u8], number: &[u32], suffix: &str) -> Vec<u8> {
    let numbers: Vec<String> = number.iter().map(u32::to_string).collect();
    let spec = SectionSpec::parse(&format!("{}{suffix}", numbers.join("."))).unwrap();
    section_bytes(message, &spec)
}

/// Trailing CRLFs differ by convention (whether the line break before a
/// boundary belongs to the part); the content must not.
fn trim(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &b[..end]
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut c: Vec<(String, Vec<u8>)> = vec![
        ("plain".into(), b"From: a@b\r\nSubject: hi\r\n\r\nhello\r\nworld\r\n".to_vec()),
        (
            "alternative".into(),
            b"Subject: =?utf-8?q?cr=C3=AApe?=\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--b1\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--b1--\r\nepilogue\r\n".to_vec(),
        ),
        (
            "mixed-nested".into(),
            b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nplain\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--i--\r\n--o\r\nContent-Type: image/png; name=a.png\r\nContent-Disposition: attachment; filename=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--o--\r\n".to_vec(),
        ),
        (
            "forwarded".into(),
            b"Subject: fwd\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\ninner plain\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>inner</p>\r\n--inner--\r\n\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: single\r\n\r\njust text\r\n--outer--\r\n".to_vec(),
        ),
        (
            "malformed-header".into(),
            b"From a@b without colon\r\nSubject: x\r\n continued\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\nno part header\r\n--z\r\nContent-Type: text/csv\r\n\r\na,b\r\n--z--\r\n".to_vec(),
        ),
    ];
    let composed = Composition {
        from: "alice@crepes.fr".into(),
        to: vec!["bob@hamburger.edu".into()],
        subject: Some("Crêpes — déjà vu?".into()),
        unix_time: 1_700_000_000,
        message_id: "<m1@crepes.fr>".into(),
        text: "Do you like ketchup?\n".into(),
        attachments: vec![
            Attachment {
                filename: "menu.pdf".into(),
                content_type: "application/pdf".into(),
                data: (0..=255u8).cycle().take(700).collect(),
            },
            Attachment {
                filename: "notes.txt".into(),
                content_type: "text/plain".into(),
                data: b"pickles".to_vec(),
            },
        ],
    };
    c.push(("composed".into(), composed.to_bytes()));
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/mail_imap_bodystructure"
    );
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        c.push((
            entry.file_name().to_string_lossy().into_owned(),
            std::fs::read(entry.path()).unwrap(),
        ));
    }
    c
}

#[test]
fn sections_and_structure_agree_with_mail_parser() {
    for (name, raw) in corpus() {
        let m = MessageParser::default().parse(&raw).unwrap();
        let mut found = Vec::new();
        leaves(&m, 0, Vec::new(), &mut found);
        assert!(!found.is_empty(), "{name}: no leaves");
        let mut structure = Vec::new();
        bodystructure(&mut structure, &raw);
        let structure = String::from_utf8_lossy(&structure).to_ascii_lowercase();
        let mut at = 0;
        for leaf in &found {
            let label = format!("{name} part {:?}", leaf.number);
            let body = ours(&raw, &leaf.number, "");
            let expected_body = if leaf.ctype == "message/rfc822" {
                // Only reached for an empty or unparsable encapsulation.
                continue;
            } else {
                &leaf.body
            };
            assert_eq!(
                String::from_utf8_lossy(trim(&body)),
                String::from_utf8_lossy(trim(expected_body)),
                "{label}: BODY[part]"
            );
            if leaf.number.len() > 1 || !leaf.header.is_empty() {
                let header = ours(&raw, &leaf.number, ".MIME");
                assert_eq!(
                    String::from_utf8_lossy(trim(&header)),
                    String::from_utf8_lossy(trim(&leaf.header)),
                    "{label}: BODY[part.MIME]"
                );
            }
            // The leaves appear in BODYSTRUCTURE in the same order.
            // A multipart without parts is described as text/plain.
            let ctype = if leaf.ctype.starts_with("multipart/") {
                "text/plain"
            } else {
                &leaf.ctype
            };
            let (t, s) = ctype.split_once('/').unwrap();
            let needle = format!("(\"{t}\" \"{s}\"");
            let pos = structure[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("{label}: {needle} missing after {at} in {structure}"));
            at += pos + needle.len();
        }
    }
}
