//! Fields an MTA adds: the `Received:` trace field (RFC 5321 §4.4, with the
//! protocol names of RFC 3848), and the `Message-ID`/`Date` a submission
//! server supplies when the user agent left them out (RFC 6409 §8.2, §8.3).

use super::date::rfc5322_date;
use super::header::Headers;

/// What a `Received:` field records about one hop.
#[derive(Debug, Clone)]
pub struct ReceivedInfo<'a> {
    /// The client's EHLO/HELO name.
    pub helo: &'a str,
    /// The client's IP address as text (`127.0.20.1` or `::1`).
    pub peer_ip: &'a str,
    /// Our host name.
    pub by: &'a str,
    /// The client said EHLO.
    pub esmtp: bool,
    /// Over TLS.
    pub tls: bool,
    /// The client authenticated.
    pub authenticated: bool,
    /// Our queue id.
    pub id: &'a str,
    /// The recipient, when there is exactly one (§4.4 `for`).
    pub for_recipient: Option<&'a str>,
    /// Arrival time, unix seconds.
    pub unix_time: i64,
}

/// RFC 3848 §2-4: SMTP, ESMTP, ESMTPS (TLS), ESMTPA (AUTH), ESMTPSA (both).
fn protocol(info: &ReceivedInfo<'_>) -> &'static str {
    match (info.esmtp, info.tls, info.authenticated) {
        (false, _, _) => "SMTP",
        (true, false, false) => "ESMTP",
        (true, true, false) => "ESMTPS",
        (true, false, true) => "ESMTPA",
        (true, true, true) => "ESMTPSA",
    }
}

/// The `Received:` field, folded, ending in CRLF:
/// `Received: from helo ([ip])` / `by host with ESMTP id ID` / `for <rcpt>; date`.
/// The address is an RFC 5321 §4.1.3 literal (`[IPv6:...]` for IPv6).
pub fn received_field(info: &ReceivedInfo<'_>) -> String {
    let tag = if info.peer_ip.contains(':') {
        "IPv6:"
    } else {
        ""
    };
    let mut field = format!(
        "Received: from {} ([{tag}{}])\r\n\tby {} with {} id {}",
        info.helo,
        info.peer_ip,
        info.by,
        protocol(info),
        info.id
    );
    if let Some(rcpt) = info.for_recipient {
        field.push_str(&format!("\r\n\tfor <{rcpt}>"));
    }
    field.push_str(&format!(";\r\n\t{}\r\n", rfc5322_date(info.unix_time)));
    field
}

/// A Message-ID (RFC 5322 §3.6.4) from a caller-supplied unique token.
pub fn message_id(unique: &str, host: &str) -> String {
    format!("<{unique}@{host}>")
}

/// Prepares a submitted message: prepends `Message-ID` and `Date` when
/// missing. A message whose header section cannot be parsed is returned
/// unchanged (the MTA does not rewrite what it cannot read).
pub fn complete_submission(raw: &[u8], unix_time: i64, unique: &str, host: &str) -> Vec<u8> {
    let Ok((headers, _)) = Headers::parse(raw) else {
        return raw.to_vec();
    };
    let mut out = Vec::with_capacity(raw.len() + 100);
    if headers.get("Message-ID").is_none() {
        out.extend_from_slice(format!("Message-ID: {}\r\n", message_id(unique, host)).as_bytes());
    }
    if headers.get("Date").is_none() {
        out.extend_from_slice(format!("Date: {}\r\n", rfc5322_date(unix_time)).as_bytes());
    }
    out.extend_from_slice(raw);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_field_follows_rfc5321_4_4() {
        let info = ReceivedInfo {
            helo: "crepes.fr",
            peer_ip: "127.0.20.1",
            by: "hamburger.edu",
            esmtp: true,
            tls: true,
            authenticated: false,
            id: "Q1",
            for_recipient: Some("bob@hamburger.edu"),
            unix_time: 0,
        };
        let v6 = ReceivedInfo {
            peer_ip: "::1",
            esmtp: false,
            for_recipient: None,
            ..info.clone()
        };
        assert!(received_field(&v6).starts_with(
            "Received: from crepes.fr ([IPv6:::1])\r\n\tby hamburger.edu with SMTP id Q1;"
        ));
        assert_eq!(
            received_field(&info),
            "Received: from crepes.fr ([127.0.20.1])\r\n\tby hamburger.edu with ESMTPS id Q1\r\n\
             \tfor <bob@hamburger.edu>;\r\n\tThu, 01 Jan 1970 00:00:00 +0000\r\n"
        );
    }

    #[test]
    fn submission_gets_missing_fields_only() {
        let done = complete_submission(b"Subject: hi\r\n\r\nbody", 0, "abc", "crepes.fr");
        assert_eq!(
            done,
            b"Message-ID: <abc@crepes.fr>\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\nSubject: hi\r\n\r\nbody"
        );
        let full = b"Date: x\r\nMessage-Id: <m@x>\r\n\r\n";
        assert_eq!(complete_submission(full, 0, "abc", "crepes.fr"), full);
        assert_eq!(
            complete_submission(b"garbage\r\n", 0, "a", "h"),
            b"garbage\r\n"
        );
    }
}
