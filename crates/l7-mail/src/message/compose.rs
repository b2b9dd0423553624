//! Composing a message as a user agent does (RFC 5322 §3.6; MIME per
//! RFC 2045/2046 when there are attachments): From, To, Subject (RFC 2047
//! encoded when not ASCII), Date, Message-ID, a text body, and optional
//! attachments in a `multipart/mixed` with base64 parts.

use super::date::rfc5322_date;
use super::encoded_word::encode_header_text;
use super::mime::{base64_lines, boundary, crlf_lines, is_7bit};

/// A file attached to a composed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name offered to the recipient.
    pub filename: String,
    /// Its media type, e.g. `application/pdf`.
    pub content_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// A message to compose.
#[derive(Debug, Clone)]
pub struct Composition {
    /// The `From:` address (`alice@crepes.fr` or `Alice <alice@crepes.fr>`).
    pub from: String,
    /// The `To:` addresses.
    pub to: Vec<String>,
    /// The subject, any Unicode.
    pub subject: Option<String>,
    /// `Date:`, unix seconds.
    pub unix_time: i64,
    /// The `Message-ID:` with its angle brackets.
    pub message_id: String,
    /// The text body.
    pub text: String,
    /// Attachments (a multipart/mixed message when not empty).
    pub attachments: Vec<Attachment>,
}

/// Header fields of a text part: 7bit when possible, else UTF-8 in base64.
fn text_part(text: &str, forbidden: Option<&str>, out: &mut Vec<u8>) {
    let text = crlf_lines(text);
    if is_7bit(&text) && forbidden.is_none_or(|b| !text.contains(b)) {
        out.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        out.extend_from_slice(text.as_bytes());
    } else {
        out.extend_from_slice(
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
        base64_lines(text.as_bytes(), out);
    }
}

/// A file name safe inside a quoted MIME parameter.
fn quoted_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Composition {
    /// The complete message, CRLF line ends.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut field = |name: &str, value: &str| {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        };
        field("From", &self.from);
        field("To", &self.to.join(",\r\n "));
        if let Some(subject) = &self.subject {
            field("Subject", &encode_header_text(subject));
        }
        field("Date", &rfc5322_date(self.unix_time));
        field("Message-ID", &self.message_id);
        field("MIME-Version", "1.0");
        if self.attachments.is_empty() {
            text_part(&self.text, None, &mut out);
            return out;
        }
        let boundary = boundary(&self.message_id);
        out.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(b"This is a multi-part message in MIME format.\r\n");
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        text_part(&self.text, Some(&boundary), &mut out);
        for attachment in &self.attachments {
            let name = quoted_filename(&attachment.filename);
            out.extend_from_slice(
                format!(
                    "\r\n--{boundary}\r\nContent-Type: {}; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\
                     Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n",
                    attachment.content_type
                )
                .as_bytes(),
            );
            base64_lines(&attachment.data, &mut out);
        }
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        out
    }
}
