//! `l7 mail queue` (list the outbound queue, `--flush` to retry now) and
//! `l7 mail user add` (accounts with argon2id password hashes).

use std::io::BufRead;

use anyhow::{Context, bail};
use l7_mail::accounts::{Accounts, SALT_LEN};
use l7_mail::queue::{Queue, RecipientState, RetryPolicy};
use l7_net::mail::inbound::unix_now;

use crate::cli::{Global, MailQueueArgs, MailUserAddArgs};

pub fn queue(a: MailQueueArgs, g: &Global) -> anyhow::Result<i32> {
    if !a.queue.join("env").is_dir() {
        bail!(
            "{} is not a mail queue: pass --queue DIR as given to `l7 mail serve --queue`",
            a.queue.display()
        );
    }
    let q = Queue::open(
        &a.queue,
        "localhost",
        std::process::id(),
        RetryPolicy::default(),
    )
    .with_context(|| format!("opening the queue in {}", a.queue.display()))?;
    let now = unix_now();
    if a.flush {
        let n = q.flush(now)?;
        println!("{n} message(s) due now; a running server retries them within seconds");
    }
    let list = q.list()?;
    for m in &list {
        let pending: Vec<String> = m
            .envelope
            .recipients
            .iter()
            .filter(|r| r.state == RecipientState::Pending)
            .map(|r| r.address.to_string())
            .collect();
        if g.json {
            crate::output::json_line(&serde_json::json!({
                "id": m.id.to_string(),
                "sender": m.envelope.sender.to_string(),
                "pending": pending,
                "size": m.size,
                "attempts": m.envelope.attempts,
                "next_attempt_in_s": (m.envelope.next_attempt - now).max(0),
                "last_error": m.envelope.last_error,
            }));
        } else {
            println!(
                "{}  {} bytes  from {}  to {}  attempts {}  next in {}s{}",
                m.id,
                m.size,
                m.envelope.sender,
                pending.join(", "),
                m.envelope.attempts,
                (m.envelope.next_attempt - now).max(0),
                m.envelope
                    .last_error
                    .as_deref()
                    .map(|e| format!("  last error: {e}"))
                    .unwrap_or_default()
            );
        }
    }
    if !g.json {
        println!("{} message(s) queued", list.len());
    }
    Ok(0)
}

pub fn user_add(a: MailUserAddArgs, _g: &Global) -> anyhow::Result<i32> {
    let password = match a.password {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.is_empty() {
        bail!("no password: pass --password or write it on stdin");
    }
    let mut accounts = Accounts::load(&a.users_file)
        .with_context(|| format!("reading {}", a.users_file.display()))?;
    let salt: [u8; SALT_LEN] = rand::random();
    accounts.add(&a.address, &password, &salt)?;
    accounts
        .save(&a.users_file)
        .with_context(|| format!("writing {}", a.users_file.display()))?;
    println!(
        "{} can now log in (argon2id hash in {})",
        a.address,
        a.users_file.display()
    );
    Ok(0)
}
