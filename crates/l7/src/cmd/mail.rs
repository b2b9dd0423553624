//! `l7 mail serve`: the SMTP receiving server (and the POP3/IMAP servers
//! of [`super::mail_access`] over the same Maildirs).

use std::sync::Arc;

use anyhow::bail;
use l7_mail::smtp::server::ServerConfig;
use l7_mail::store::Directory;
use l7_net::mail::inbound::{self, Inbound, Mailboxes};
use l7_net::tcp::{ConnLimits, bind_tcp};

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{Global, MailServeArgs};

pub async fn serve(a: MailServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let mailboxes = match (&a.maildir, a.catch_all) {
        (Some(dir), true) => Mailboxes::CatchAll(dir.clone()),
        _ => {
            if a.domains.is_empty() {
                bail!(
                    "which mail do we receive? name local domains with --domain (and users with --user), or use --catch-all --maildir DIR"
                );
            }
            let mut directory = Directory::new();
            for d in &a.domains {
                directory.add_domain(d);
            }
            for u in &a.users {
                if !u.contains('@') {
                    bail!(
                        "--user {u}: write the whole address, e.g. bob@{}",
                        a.domains[0]
                    );
                }
                directory.add_user(u);
            }
            Mailboxes::Local {
                directory: Arc::new(directory),
                root: a.maildirs.clone(),
            }
        }
    };
    let mut config = ServerConfig::new(a.hostname.clone());
    config.max_message_size = a.max_size;
    let what = match &mailboxes {
        Mailboxes::CatchAll(dir) => format!("SMTP catch-all into {}", dir.display()),
        Mailboxes::Local { root, .. } => {
            format!("SMTP for {} into {}", a.domains.join(", "), root.display())
        }
    };
    let server = Arc::new(Inbound::new(config, mailboxes, g.trace));
    let shutdown = shutdown_on_signals()?;
    let listener = bind_tcp(at).await?;
    let mut listening = vec![format!("smtp {at}")];
    listening.extend(super::mail_access::start(&a, g, &shutdown).await?);
    ready(&what, &listening, g);
    inbound::serve(listener, server, ConnLimits::default(), shutdown).await;
    Ok(0)
}
