//! Bounces: delivery status notifications (RFC 3464) in a
//! `multipart/report; report-type=delivery-status` (RFC 6522): a human
//! explanation, the machine-readable per-recipient status, and the original
//! header section. The queue sends them with the null reverse-path `<>`
//! (RFC 5321 §4.5.5), so a bounce can never cause another bounce.

use super::date::rfc5322_date;
use super::header::Headers;
use super::mime::boundary;
use crate::smtp::reply::EnhancedStatus;

/// One recipient the message could not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRecipient {
    /// The recipient address.
    pub recipient: String,
    /// RFC 3463 status, e.g. `5.1.1` (or `4.4.7` for an expired message).
    pub status: EnhancedStatus,
    /// The remote server's reply or our reason, e.g. `smtp; 550 5.1.1 no such user`.
    pub diagnostic: String,
}

/// Everything a bounce says.
#[derive(Debug, Clone)]
pub struct Bounce<'a> {
    /// Our host name (Reporting-MTA, MAILER-DAEMON's domain).
    pub reporting_mta: &'a str,
    /// The original sender, the bounce's recipient.
    pub original_sender: &'a str,
    /// The original message (only its header section is returned).
    pub original_message: &'a [u8],
    /// The recipients that failed.
    pub failed: &'a [FailedRecipient],
    /// When the original message arrived, unix seconds.
    pub arrival_unix: i64,
    /// Now, unix seconds.
    pub unix_time: i64,
    /// The bounce's Message-ID, with angle brackets.
    pub message_id: &'a str,
}

impl Bounce<'_> {
    /// The complete bounce message, CRLF line ends.
    pub fn to_bytes(&self) -> Vec<u8> {
        let b = boundary(self.message_id);
        let mut out = format!(
            "From: Mail Delivery System <MAILER-DAEMON@{mta}>\r\nTo: <{to}>\r\n\
             Subject: Undelivered Mail Returned to Sender\r\nDate: {date}\r\nMessage-ID: {id}\r\n\
             Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"{b}\"\r\n\r\n\
             --{b}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
             This is the mail system at host {mta}.\r\n\r\n\
             Your message could not be delivered to one or more recipients:\r\n\r\n",
            mta = self.reporting_mta,
            to = self.original_sender,
            date = rfc5322_date(self.unix_time),
            id = self.message_id,
        );
        for f in self.failed {
            out.push_str(&format!("<{}>: {}\r\n", f.recipient, f.diagnostic));
        }
        // RFC 3464 §2.2: per-message fields, then a block per recipient.
        out.push_str(&format!(
            "\r\n--{b}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; {}\r\nArrival-Date: {}\r\n",
            self.reporting_mta,
            rfc5322_date(self.arrival_unix)
        ));
        for f in self.failed {
            // RFC 3464 §2.3.3: "failed", also for a 4.4.7 expiry (given up).
            out.push_str(&format!(
                "\r\nFinal-Recipient: rfc822; {}\r\nAction: failed\r\nStatus: {}\r\nDiagnostic-Code: {}\r\n",
                f.recipient, f.status, f.diagnostic
            ));
        }
        out.push_str(&format!(
            "\r\n--{b}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        ));
        let mut out = out.into_bytes();
        match Headers::parse(self.original_message) {
            Ok((headers, _)) => headers.emit(&mut out),
            Err(_) => out.extend_from_slice(b"X-Original-Headers: unreadable\r\n"),
        }
        out.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        out
    }
}
