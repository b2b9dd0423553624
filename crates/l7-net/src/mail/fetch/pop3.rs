//! The POP3 side of `l7 mail fetch`: log in with USER/PASS, list with
//! UIDL, RETR every message, DELE it unless keeping, and QUIT so the
//! server's UPDATE state applies the deletions.

use l7_mail::pop3::client::{MAX_STATUS_LINE, Multiline, Status};

use super::{Conn, FetchError, FetchOptions, Fetched, failed};

impl Conn<'_> {
    async fn pop_status(&mut self) -> Result<String, FetchError> {
        let line = self.line(MAX_STATUS_LINE).await?;
        if self.opts.trace {
            eprintln!("S: {}", String::from_utf8_lossy(line.trim_ascii_end()));
        }
        match Status::parse(&line) {
            Some(Status::Ok(text)) => Ok(text),
            Some(Status::Err(text)) => Err(failed(
                self.opts,
                format!("the server said -ERR {text} (check the user name and password)"),
            )),
            None => Err(failed(self.opts, "not a POP3 server (no +OK/-ERR)".into())),
        }
    }

    async fn pop_command(&mut self, line: &str) -> Result<String, FetchError> {
        let shown = if line.starts_with("PASS ") {
            "PASS ****"
        } else {
            line
        };
        self.send(line, shown).await?;
        self.pop_status().await
    }

    async fn pop_body(&mut self, limit: usize) -> Result<Vec<u8>, FetchError> {
        let mut m = Multiline::new(limit);
        loop {
            let line = self.line(limit.max(MAX_STATUS_LINE)).await?;
            match m.push_line(&line) {
                Ok(Some(body)) => return Ok(body),
                Ok(None) => {}
                Err(e) => return Err(failed(self.opts, e.to_string())),
            }
        }
    }
}

/// Fetches every message, handing each to `on_message` as it arrives;
/// returns how many were fetched.
pub async fn fetch_pop3(
    opts: &FetchOptions,
    mut on_message: impl FnMut(Fetched) -> std::io::Result<()>,
) -> Result<usize, FetchError> {
    let mut c = Conn::connect(opts).await?;
    c.pop_status().await?;
    c.pop_command(&format!("USER {}", opts.user)).await?;
    c.pop_command(&format!("PASS {}", opts.password)).await?;
    c.pop_command("UIDL").await?;
    let listing = c.pop_body(64 * 1024 * 1024).await?;
    let mut messages = Vec::new();
    for line in String::from_utf8_lossy(&listing).lines() {
        if let Some((n, uid)) = line.split_once(' ')
            && let Ok(n) = n.parse::<u32>()
        {
            messages.push((n, uid.to_string()));
        }
    }
    for (number, uid) in &messages {
        c.pop_command(&format!("RETR {number}")).await?;
        let bytes = c.pop_body(opts.max_message).await?;
        on_message(Fetched {
            number: *number,
            uid: uid.clone(),
            bytes,
        })
        .map_err(|e| failed(opts, format!("saving message {number}: {e}")))?;
        if !opts.keep {
            c.pop_command(&format!("DELE {number}")).await?;
        }
    }
    // RFC 1939 §6: deletions happen only now, in the UPDATE state.
    c.pop_command("QUIT").await?;
    Ok(messages.len())
}
