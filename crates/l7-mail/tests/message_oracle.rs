//! Differential tests of the message module against mail-parser 0.11 (the
//! oracle): header fields as we split and unfold them vs. as it does, and
//! our composed messages and bounces as it reads them.

use l7_mail::message::{
    Attachment, Bounce, Composition, FailedRecipient, Message, complete_submission,
};
use l7_mail::smtp::reply::EnhancedStatus;
use mail_parser::{MessageParser, MimeHeaders};
use proptest::prelude::*;

/// Unfolds and trims a raw value the way RFC 5322 §2.2.3 does.
fn unfold(raw: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(raw)
        .chars()
        .filter(|&c| c != '\r' && c != '\n')
        .collect();
    s.trim_matches([' ', '\t']).to_string()
}

fn field() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        "X-[A-Za-z0-9-]{1,12}",
        proptest::collection::vec(
            "[A-Za-z0-9<>@.,;()=/+-]{1,12}( [A-Za-z0-9]{1,8}){0,2}",
            1..4,
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn header_fields_agree_with_mail_parser(
        fields in proptest::collection::vec(field(), 1..8),
        body in "[a-z \r\n]{0,40}",
    ) {
        let mut raw = String::new();
        for (name, parts) in &fields {
            // Folded over several lines when the value has several parts.
            raw.push_str(&format!("{name}: {}\r\n", parts.join("\r\n ")));
        }
        raw.push_str("\r\n");
        raw.push_str(&body);
        let ours = Message::parse(raw.as_bytes()).unwrap();
        let oracle = MessageParser::default().parse(raw.as_bytes()).unwrap();
        let theirs: Vec<(String, String)> = oracle
            .headers()
            .iter()
            .map(|h| (h.name().to_ascii_lowercase(), unfold(&raw.as_bytes()[h.offset_start() as usize..h.offset_end() as usize])))
            .collect();
        let mine: Vec<(String, String)> =
            ours.headers.fields().iter().map(|f| (f.name().to_ascii_lowercase(), f.value())).collect();
        prop_assert_eq!(mine, theirs);
        prop_assert_eq!(ours.body, &raw.as_bytes()[oracle.root_part().offset_body as usize..]);
    }
}

#[test]
fn the_textbook_message_and_subject_decoding() {
    let raw = b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: Searching for\r\n the meaning of life.\r\n\r\nDo you like ketchup?\r\n";
    let ours = Message::parse(raw).unwrap();
    let oracle = MessageParser::default().parse(raw).unwrap();
    assert_eq!(ours.headers.value("Subject").as_deref(), oracle.subject());
    assert_eq!(ours.body, b"Do you like ketchup?\r\n");
}

fn composition(subject: &str, attachments: Vec<Attachment>) -> Composition {
    Composition {
        from: "alice@crepes.fr".into(),
        to: vec!["bob@hamburger.edu".into(), "carol@hamburger.edu".into()],
        subject: Some(subject.into()),
        unix_time: 1_700_000_000,
        message_id: "<m1@crepes.fr>".into(),
        text: "Do you like ketchup?\nHow about pickles?\n".into(),
        attachments,
    }
}

#[test]
fn composed_messages_read_back_through_mail_parser() {
    let plain = composition("Ketchup", vec![]).to_bytes();
    let m = MessageParser::default().parse(&plain).unwrap();
    assert_eq!(m.subject(), Some("Ketchup"));
    assert_eq!(m.date().unwrap().to_timestamp(), 1_700_000_000);
    assert_eq!(m.message_id(), Some("m1@crepes.fr"));
    assert_eq!(m.to().unwrap().iter().count(), 2);
    assert_eq!(
        m.body_text(0).unwrap(),
        "Do you like ketchup?\r\nHow about pickles?\r\n"
    );

    let pdf: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let subject = "Crêpes et ketchup — déjà vu? 🍔 une très longue ligne de sujet pour forcer plusieurs mots encodés";
    let mime = composition(
        subject,
        vec![
            Attachment {
                filename: "menu.pdf".into(),
                content_type: "application/pdf".into(),
                data: pdf.clone(),
            },
            Attachment {
                filename: "notes.txt".into(),
                content_type: "text/plain".into(),
                data: b"pickles".to_vec(),
            },
        ],
    )
    .to_bytes();
    let m = MessageParser::default().parse(&mime).unwrap();
    assert_eq!(
        m.subject(),
        Some(subject),
        "RFC 2047 words decode to the original"
    );
    assert_eq!(m.attachment_count(), 2);
    assert_eq!(m.attachment(0).unwrap().attachment_name(), Some("menu.pdf"));
    assert_eq!(m.attachment(0).unwrap().contents(), pdf.as_slice());
    assert_eq!(m.attachment(1).unwrap().contents(), b"pickles");
    assert_eq!(
        m.body_text(0).unwrap(),
        "Do you like ketchup?\r\nHow about pickles?\r\n"
    );
    // Every line within RFC 5322 §2.1.1's limit.
    assert!(mime.split(|&b| b == b'\n').all(|l| l.len() <= 78));
}

#[test]
fn bounces_are_multipart_reports() {
    let original = b"From: alice@crepes.fr\r\nSubject: hello\r\n\r\nsecret body\r\n";
    let failed = [FailedRecipient {
        recipient: "nobody@hamburger.edu".into(),
        status: EnhancedStatus::new(5, 1, 1),
        diagnostic: "smtp; 550 5.1.1 User unknown".into(),
    }];
    let dsn = Bounce {
        reporting_mta: "mail.crepes.fr",
        original_sender: "alice@crepes.fr",
        original_message: original,
        failed: &failed,
        arrival_unix: 0,
        unix_time: 60,
        message_id: "<b1@mail.crepes.fr>",
    }
    .to_bytes();
    let m = MessageParser::default().parse(&dsn).unwrap();
    let ct = m.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
    assert_eq!(ct.attribute("report-type"), Some("delivery-status"));
    let text = String::from_utf8_lossy(&dsn);
    assert!(text.contains(
        "Final-Recipient: rfc822; nobody@hamburger.edu\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    ));
    assert!(text.contains("Subject: hello\r\n") && !text.contains("secret body"));
}

#[test]
fn submission_fields_parse_in_mail_parser() {
    let done = complete_submission(
        b"From: alice@crepes.fr\r\n\r\nhi\r\n",
        1_700_000_000,
        "u1",
        "crepes.fr",
    );
    let m = MessageParser::default().parse(&done).unwrap();
    assert_eq!(m.message_id(), Some("u1@crepes.fr"));
    assert_eq!(m.date().unwrap().to_timestamp(), 1_700_000_000);
}
