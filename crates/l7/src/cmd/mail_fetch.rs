//! `l7 mail fetch`: the fetching user agent. Retrieves a mailbox over POP3
//! (download-and-delete, or download-and-keep with `--keep`) and prints each
//! message, or saves it into a Maildir with `-o`.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use l7_mail::store::{Maildir, UniqueName};
use l7_net::mail::fetch::{FetchPop3, Fetched, fetch_pop3};

use crate::addr;
use crate::cli::{Global, MailFetchArgs};

pub async fn run(a: MailFetchArgs, g: &Global) -> anyhow::Result<i32> {
    let password = match a.password.clone() {
        Some(p) => p,
        None => match std::env::var("L7_MAIL_PASSWORD") {
            Ok(p) => p,
            Err(_) => bail!(
                "no password for {}: pass --password or set L7_MAIL_PASSWORD",
                a.user
            ),
        },
    };
    let server = addr::resolve(&a.server).await?;
    let opts = FetchPop3 {
        server,
        user: a.user.clone(),
        password,
        keep: a.keep,
        trace: g.trace,
        max_message: usize::try_from(a.max_size).unwrap_or(usize::MAX),
        timeout: a.timeout,
    };
    let maildir = match &a.output {
        Some(dir) => Some(
            Maildir::create(dir)
                .with_context(|| format!("cannot create the Maildir {}", dir.display()))?,
        ),
        None => None,
    };
    let seq = AtomicU64::new(0);
    let json = g.json;
    let save = |m: Fetched| -> std::io::Result<()> {
        match &maildir {
            Some(md) => {
                let unix = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let n = seq.fetch_add(1, Ordering::Relaxed);
                md.deliver(
                    &UniqueName::new(unix, std::process::id(), n, "l7-fetch"),
                    &m.bytes,
                )?;
                Ok(())
            }
            None if json => {
                crate::output::json_line(&serde_json::json!({
                    "number": m.number,
                    "uidl": m.uid,
                    "message": String::from_utf8_lossy(&m.bytes),
                }));
                Ok(())
            }
            None => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "--- message {} (UIDL {}) ---", m.number, m.uid)?;
                out.write_all(&m.bytes)?;
                out.flush()
            }
        }
    };
    let count = fetch_pop3(&opts, save).await?;
    let what = if a.keep {
        "kept on the server"
    } else {
        "deleted from the server"
    };
    if !json {
        match &a.output {
            Some(dir) => eprintln!("fetched {count} messages into {} ({what})", dir.display()),
            None => eprintln!("fetched {count} messages ({what})"),
        }
    }
    Ok(0)
}
