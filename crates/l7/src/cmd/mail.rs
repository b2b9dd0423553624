//! `l7 mail serve`: a mail server — inbound MX, submission (587 with
//! STARTTLS, 465 with implicit TLS), the durable queue and its delivery
//! workers — described by flags or a TOML file (see `mail_config`), and the
//! POP3/IMAP servers of [`super::mail_access`] over the same Maildirs.

use l7_net::mail::service::{Mailboxes, Role};
use l7_net::mail::setup;
use tokio::task::JoinSet;

use super::mail_config;
use super::{ready, shutdown_on_signals};
use crate::cli::{Global, MailServeArgs};

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Mx => "smtp",
        Role::Submission => "submission",
        Role::Submissions => "submissions",
    }
}

pub async fn serve(a: MailServeArgs, g: &Global) -> anyhow::Result<i32> {
    let spec = match &a.config {
        Some(path) => mail_config::from_file(path, g.trace)?,
        None => mail_config::from_flags(&a, g.trace)?,
    };
    let what = match &spec.mailboxes {
        Mailboxes::CatchAll(dir) => format!("SMTP catch-all into {}", dir.display()),
        Mailboxes::Local { root, .. } => format!(
            "mail server {} (Maildirs in {}, queue in {})",
            spec.hostname,
            root.display(),
            spec.queue_dir.display()
        ),
    };
    let mut listening: Vec<String> = spec
        .listeners
        .iter()
        .map(|(role, at)| format!("{} {at}", role_name(*role)))
        .collect();
    let shutdown = shutdown_on_signals()?;
    let mut tasks = JoinSet::new();
    setup::start(spec, &shutdown, &mut tasks)
        .await
        .map_err(anyhow::Error::msg)?;
    listening.extend(super::mail_access::start(&a, g, &shutdown).await?);
    ready(&what, &listening, g);
    while tasks.join_next().await.is_some() {}
    Ok(0)
}
