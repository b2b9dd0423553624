//! `l7 mail fetch`: the fetching user agent. Retrieves a mailbox over POP3
//! or IMAP (download-and-delete, or download-and-keep with `--keep`) and prints each
//! message, or saves it into a Maildir with `-o`.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use l7_mail::store::{Maildir, UniqueName};
use l7_net::mail::fetch::imap::fetch_imap;
use l7_net::mail::fetch::pop3::fetch_pop3;
use l7_net::mail::fetch::{FetchOptions, Fetched};
use l7_world::state::{WorldState, default_path};

use crate::addr;
use crate::cli::{Global, MailFetchArgs};

pub async fn run(a: MailFetchArgs, g: &Global) -> anyhow::Result<i32> {
    // In a running world the user's server and password are in the state file.
    let world = WorldState::load_running(&default_path());
    let account = world.as_ref().and_then(|w| {
        w.mail_accounts
            .iter()
            .find(|acc| acc.address.eq_ignore_ascii_case(&a.user))
    });
    let password = match (&a.password, account, std::env::var("L7_MAIL_PASSWORD")) {
        (Some(p), _, _) => p.clone(),
        (None, Some(acc), _) => acc.password.clone(),
        (None, None, Ok(p)) => p,
        (None, None, Err(_)) => bail!(
            "no password for {}: pass --password or set L7_MAIL_PASSWORD (in a running world, use an account it made)",
            a.user
        ),
    };
    let port = if a.imap { 143 } else { 110 };
    let target = match (&a.server, account, &world) {
        (Some(s), _, _) => s.clone(),
        (None, Some(acc), Some(w)) => format!("{}:{}", acc.server, w.ports.port(port)),
        _ => format!("127.0.0.1:{port}"),
    };
    let server = addr::resolve(&target).await?;
    let opts = FetchOptions {
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
                    "uid": m.uid,
                    "message": String::from_utf8_lossy(&m.bytes),
                }));
                Ok(())
            }
            None => {
                let mut out = std::io::stdout().lock();
                let id = if a.imap { "UID" } else { "UIDL" };
                writeln!(out, "--- message {} ({id} {}) ---", m.number, m.uid)?;
                out.write_all(&m.bytes)?;
                out.flush()
            }
        }
    };
    let count = if a.imap {
        fetch_imap(&opts, &a.folder, save).await?
    } else {
        fetch_pop3(&opts, save).await?
    };
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
