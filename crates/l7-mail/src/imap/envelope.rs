//! The ENVELOPE fetch item (RFC 3501 §7.4.2): date, subject, from, sender,
//! reply-to, to, cc, bcc, in-reply-to and message-id from the header, with
//! address lists split into (name adl mailbox host). Sender and reply-to
//! default to from. Values are sent as quoted strings, or literals when
//! they hold bytes a quoted string cannot carry.

use super::part_header::PartHeader;

/// Appends an nstring: NIL, a quoted string or a literal.
pub fn nstring(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.extend_from_slice(b"NIL"),
        Some(v) if v.bytes().all(|b| (0x20..0x7f).contains(&b)) && v.len() < 1024 => {
            out.push(b'"');
            for b in v.bytes() {
                if b == b'"' || b == b'\\' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.push(b'"');
        }
        Some(v) => super::fetch::literal(out, v.as_bytes()),
    }
}

/// Splits an address list at commas outside quotes, comments and `<>`.
fn split_addresses(list: &str) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut depth, mut angle) =
        (Vec::new(), 0, false, 0u32, false);
    for (i, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && depth == 0 && !angle => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// One address as (name NIL mailbox host).
fn address(out: &mut Vec<u8>, text: &str) {
    let (name, spec) = match (text.find('<'), text.rfind('>')) {
        (Some(a), Some(b)) if a < b => {
            let name = text[..a].trim().trim_matches('"').trim();
            (Some(name).filter(|n| !n.is_empty()), &text[a + 1..b])
        }
        _ => (None, text),
    };
    let (mailbox, host) = match spec.trim().rsplit_once('@') {
        Some((m, h)) => (m, Some(h)),
        None => (spec.trim(), None),
    };
    out.push(b'(');
    nstring(out, name);
    out.extend_from_slice(b" NIL ");
    nstring(out, Some(mailbox));
    out.push(b' ');
    nstring(out, host);
    out.push(b')');
}

fn address_list(out: &mut Vec<u8>, value: Option<&str>) {
    let addresses = value.map(split_addresses).unwrap_or_default();
    if addresses.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for a in addresses {
        address(out, a);
    }
    out.push(b')');
}

/// Appends the ENVELOPE of a message.
pub fn envelope(out: &mut Vec<u8>, message: &[u8]) {
    let headers = PartHeader(message);
    let get = |name: &str| headers.value(name).map(|v| v.trim().to_string());
    let from = get("From");
    out.push(b'(');
    nstring(out, get("Date").as_deref());
    out.push(b' ');
    nstring(out, get("Subject").as_deref());
    for (i, field) in ["From", "Sender", "Reply-To", "To", "Cc", "Bcc"]
        .iter()
        .enumerate()
    {
        out.push(b' ');
        let value = get(field).or_else(|| {
            if (1..=2).contains(&i) {
                from.clone()
            } else {
                None
            }
        });
        address_list(out, value.as_deref());
    }
    out.push(b' ');
    nstring(out, get("In-Reply-To").as_deref());
    out.push(b' ');
    nstring(out, get("Message-ID").as_deref());
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_style_envelope() {
        let mut out = Vec::new();
        envelope(
            &mut out,
            b"Date: Wed, 17 Jul 1996 02:23:25 -0700\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\nSubject: IMAP4rev1 WG mtg summary\r\nTo: imap@cac.washington.edu, \"A, B\" <ab@x.org>\r\nMessage-ID: <B27397-0100000@cac.washington.edu>\r\n\r\nbody\r\n",
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700\" \"IMAP4rev1 WG mtg summary\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")(\"A, B\" NIL \"ab\" \"x.org\")) NIL NIL NIL \"<B27397-0100000@cac.washington.edu>\")"
        );
    }
}
