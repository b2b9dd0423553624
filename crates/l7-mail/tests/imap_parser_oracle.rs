//! Differential test of the IMAP command parser against imap-codec (the
//! oracle, a dev-dependency): on a corpus of RFC 3501 commands — literals,
//! LITERAL+, sections and partials, nested lists, UID forms — and broken
//! ones, whatever imap-codec accepts we frame to the same length and parse
//! to the same tag and command, and whatever we refuse as bad syntax it
//! refuses too.

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use l7_mail::imap::parser::{self, Frame};

const VALID: &[&str] = &[
    "a1 CAPABILITY\r\n",
    "a2 NOOP\r\n",
    "a3 LOGOUT\r\n",
    "a4 STARTTLS\r\n",
    "a5 LOGIN bob hungry\r\n",
    "a6 LOGIN \"bob@hamburger.edu\" \"hun gry\\\"\"\r\n",
    "a7 LOGIN {3}\r\nbob {6}\r\nhungry\r\n",
    "a8 LOGIN {3+}\r\nbob {6+}\r\nhungry\r\n",
    "a9 AUTHENTICATE PLAIN\r\n",
    "b1 SELECT INBOX\r\n",
    "b2 EXAMINE \"Sent\"\r\n",
    "b3 CREATE Archive.2024\r\n",
    "b4 DELETE Archive.2024\r\n",
    "b5 RENAME Archive Old\r\n",
    "b6 SUBSCRIBE Sent\r\n",
    "b7 UNSUBSCRIBE Sent\r\n",
    "b8 LIST \"\" *\r\n",
    "b9 LIST \"\" \"%\"\r\n",
    "c1 LSUB \"\" \"*\"\r\n",
    "c2 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)\r\n",
    "c3 APPEND INBOX {5}\r\nhello\r\n",
    "c4 APPEND Sent (\\Seen \\Draft) {5+}\r\nhello\r\n",
    "c5 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {3}\r\nabc\r\n",
    "c6 CHECK\r\n",
    "c7 CLOSE\r\n",
    "c8 EXPUNGE\r\n",
    "c9 UNSELECT\r\n",
    "d1 SEARCH ALL\r\n",
    "d2 SEARCH UNSEEN FROM \"alice\" SINCE 1-Feb-1994\r\n",
    "d3 SEARCH OR SEEN FLAGGED NOT DELETED\r\n",
    "d4 SEARCH (FROM alice SUBJECT ketchup) LARGER 100\r\n",
    "d5 UID SEARCH UID 1:*\r\n",
    "d6 SEARCH CHARSET UTF-8 TEXT {5}\r\nhello\r\n",
    "e1 FETCH 1 (FLAGS)\r\n",
    "e2 FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)\r\n",
    "e3 FETCH 2:4 BODY[]\r\n",
    "e4 FETCH 1 BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]\r\n",
    "e5 FETCH 1 (BODY.PEEK[TEXT]<0.100> RFC822.HEADER)\r\n",
    "e6 FETCH 1,3,5:7 ALL\r\n",
    "e7 UID FETCH 10:* (FLAGS BODY.PEEK[])\r\n",
    "e8 FETCH * FAST\r\n",
    "e9 FETCH 1 BODY[HEADER.FIELDS.NOT (X-SPAM)]\r\n",
    "f1 STORE 1 +FLAGS (\\Deleted)\r\n",
    "f2 STORE 1:3 -FLAGS.SILENT (\\Seen \\Flagged)\r\n",
    "f3 UID STORE 5 FLAGS (\\Answered)\r\n",
    "f4 COPY 1:2 Archive\r\n",
    "f5 UID COPY 3 \"Trash\"\r\n",
    "f6 MOVE 1 Trash\r\n",
    "f7 UID MOVE 1:3 Junk\r\n",
    "f8 IDLE\r\n",
];

const INVALID: &[&str] = &[
    "\r\n",
    "a1\r\n",
    " NOOP\r\n",
    "a1 LOGIN \"bob\r\n",
    "a1 STATUS INBOX (MESSAGES\r\n",
    "a1 LOGIN {5}\r\nbob\r\n",
    "a1 SELECT \"bad\\escape\"\r\n",
];

fn theirs(input: &[u8]) -> Option<(usize, String, String)> {
    let (rest, command) = CommandCodec::default().decode(input).ok()?;
    let debug = format!("{:?}", command.body);
    let uid = debug.contains("uid: true");
    let name = if uid {
        format!("UID {}", command.name())
    } else {
        command.name().to_string()
    };
    Some((
        input.len() - rest.len(),
        command.tag.inner().to_string(),
        name,
    ))
}

fn ours(input: &[u8]) -> Result<(usize, String, String), String> {
    let n = match parser::frame(input) {
        Ok(Frame::Complete(n)) => n,
        other => return Err(format!("frame: {other:?}")),
    };
    let c = parser::parse(&input[..n]).map_err(|e| e.to_string())?;
    let name = if c.name == "UID" {
        let sub = c.args.first().and_then(|v| v.text()).unwrap_or_default();
        format!("UID {}", sub.to_ascii_uppercase())
    } else {
        c.name
    };
    Ok((n, c.tag, name))
}

#[test]
fn valid_commands_agree_with_imap_codec() {
    for command in VALID {
        // A following command must be left alone by both.
        let input = format!("{command}z9 NOOP\r\n");
        let oracle = theirs(input.as_bytes())
            .unwrap_or_else(|| panic!("imap-codec refuses {command:?}: fix the corpus"));
        let mine = ours(input.as_bytes()).unwrap_or_else(|e| panic!("{command:?}: {e}"));
        assert_eq!(mine, oracle, "{command:?}");
    }
}

#[test]
fn invalid_commands_are_refused_by_both() {
    for command in INVALID {
        assert!(
            theirs(command.as_bytes()).is_none(),
            "imap-codec accepts {command:?}"
        );
        assert!(ours(command.as_bytes()).is_err(), "we accept {command:?}");
    }
}
