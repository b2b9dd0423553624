//! The IMAP side of `l7 mail fetch`: LOGIN, SELECT the folder, UID SEARCH
//! ALL, then UID FETCH each message's BODY.PEEK[] (read as a literal of
//! bounded size); unless keeping, flag them \Deleted and EXPUNGE; LOGOUT.

use l7_mail::imap::client::{Completion, completion, trailing_literal};

use super::{Conn, FetchError, FetchOptions, Fetched, failed};

/// Longest response line accepted (literals aside).
const MAX_LINE: usize = 64 * 1024;

impl Conn<'_> {
    fn trace_line(&self, line: &[u8]) {
        if self.opts.trace {
            eprintln!("S: {}", String::from_utf8_lossy(line.trim_ascii_end()));
        }
    }

    /// Runs a command; returns its untagged lines, each with the literal
    /// it announced (if any).
    async fn imap(
        &mut self,
        tag: &str,
        command: &str,
        limit: usize,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, FetchError> {
        let shown = if command.starts_with("LOGIN ") {
            "LOGIN ****".to_string()
        } else {
            command.to_string()
        };
        self.send(&format!("{tag} {command}"), &format!("{tag} {shown}"))
            .await?;
        let mut untagged = Vec::new();
        loop {
            let line = self.line(MAX_LINE).await?;
            self.trace_line(&line);
            match completion(&line, tag) {
                Some(Completion::Ok(_)) => return Ok(untagged),
                Some(Completion::Failed(why)) => {
                    let what = command.split(' ').next().unwrap_or(command);
                    return Err(failed(self.opts, format!("{what} failed: {why}")));
                }
                None => {}
            }
            let literal = match trailing_literal(&line) {
                Some(n) if n > limit => {
                    return Err(failed(
                        self.opts,
                        format!("a message of {n} octets is over the size limit"),
                    ));
                }
                Some(n) => {
                    let data = self.exact(n).await?;
                    // The rest of the response line after the literal.
                    let tail = self.line(MAX_LINE).await?;
                    self.trace_line(&tail);
                    Some(data)
                }
                None => None,
            };
            untagged.push((
                String::from_utf8_lossy(&line).trim_end().to_string(),
                literal,
            ));
        }
    }
}

/// Quotes a string for a command (RFC 3501 §4.3).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Fetches every message of `folder`, handing each to `on_message`;
/// returns how many were fetched.
pub async fn fetch_imap(
    opts: &FetchOptions,
    folder: &str,
    mut on_message: impl FnMut(Fetched) -> std::io::Result<()>,
) -> Result<usize, FetchError> {
    let mut c = Conn::connect(opts).await?;
    let greeting = c.line(MAX_LINE).await?;
    c.trace_line(&greeting);
    if !greeting.starts_with(b"* OK") && !greeting.starts_with(b"* PREAUTH") {
        return Err(failed(opts, "not an IMAP server (no * OK greeting)".into()));
    }
    let login = format!("LOGIN {} {}", quoted(&opts.user), quoted(&opts.password));
    c.imap("a1", &login, 0).await?;
    c.imap("a2", &format!("SELECT {}", quoted(folder)), 0)
        .await?;
    let found = c.imap("a3", "UID SEARCH ALL", 0).await?;
    let uids: Vec<u32> = found
        .iter()
        .filter_map(|(l, _)| l.strip_prefix("* SEARCH"))
        .flat_map(|rest| rest.split_whitespace().filter_map(|u| u.parse().ok()))
        .collect();
    for (i, uid) in uids.iter().enumerate() {
        let tag = format!("f{i}");
        let got = c
            .imap(
                &tag,
                &format!("UID FETCH {uid} BODY.PEEK[]"),
                opts.max_message,
            )
            .await?;
        let Some(bytes) = got.into_iter().find_map(|(_, literal)| literal) else {
            continue; // expunged meanwhile by another session
        };
        on_message(Fetched {
            number: i as u32 + 1,
            uid: uid.to_string(),
            bytes,
        })
        .map_err(|e| failed(opts, format!("saving message UID {uid}: {e}")))?;
        if !opts.keep {
            c.imap(
                &format!("d{i}"),
                &format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"),
                0,
            )
            .await?;
        }
    }
    if !opts.keep && !uids.is_empty() {
        c.imap("a4", "EXPUNGE", 0).await?;
    }
    c.imap("a5", "LOGOUT", 0).await?;
    Ok(uids.len())
}
