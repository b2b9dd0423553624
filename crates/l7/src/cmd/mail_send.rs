//! `l7 mail send`: the user agent. Composes an RFC 5322 message (MIME
//! multipart when there are attachments) and submits it to the sender's
//! mail server (STARTTLS + AUTH PLAIN on 587, or implicit TLS with
//! `--tls`), printing each recipient's fate. In a running world the server
//! and the password come from the state file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use l7_mail::message::{Attachment, Composition, message_id};
use l7_mail::smtp::address::{Mailbox, ReversePath};
use l7_mail::smtp::client::{ClientConfig, DeliveryStatus, OutgoingMessage, TlsPolicy};
use l7_net::mail::conn::Conn;
use l7_net::mail::inbound::unix_now;
use l7_net::mail::outbound;
use l7_world::state::{MailAccount, WorldState, default_path};
use tokio::net::TcpStream;

use crate::addr;
use crate::cli::{Global, MailSendArgs};

fn mailbox(flag: &str, s: &str) -> anyhow::Result<Mailbox> {
    Mailbox::parse(s).map_err(|e| anyhow::anyhow!("--{flag} {s}: {e} (write user@domain)"))
}

fn attachment(path: &Path) -> anyhow::Result<Attachment> {
    Ok(Attachment {
        filename: path
            .file_name()
            .map_or_else(|| "attachment".into(), |n| n.to_string_lossy().into_owned()),
        content_type: l7_http::files::mime::content_type(path).to_string(),
        data: std::fs::read(path)
            .with_context(|| format!("reading --attach {}", path.display()))?,
    })
}

/// The running world's account for `address` (if there is one) and the
/// world CA's certificate.
fn world_account(address: &str) -> (Option<MailAccount>, Option<PathBuf>) {
    let Some(world) = WorldState::load_running(&default_path()) else {
        return (None, None);
    };
    let account = world
        .mail_accounts
        .into_iter()
        .find(|a| a.address.eq_ignore_ascii_case(address));
    (account, world.ca_cert)
}

pub async fn run(a: MailSendArgs, g: &Global) -> anyhow::Result<i32> {
    let from = mailbox("from", &a.from)?;
    let to =
        a.to.iter()
            .map(|t| mailbox("to", t))
            .collect::<anyhow::Result<Vec<_>>>()?;
    let user = a.user.clone().unwrap_or_else(|| a.from.clone());
    let (account, world_ca) = world_account(&user);
    let server = match (&a.server, &account) {
        (Some(s), _) => s.clone(),
        (None, Some(acc)) => format!("{}:{}", acc.server, acc.submission_port),
        (None, None) => bail!(
            "where do we submit? pass --server HOST:PORT (e.g. --server mail.crepes.fr:587), or start a world with `l7 up`"
        ),
    };
    let password = a
        .password
        .clone()
        .or_else(|| account.map(|acc| acc.password))
        .or_else(|| std::env::var("L7_MAIL_PASSWORD").ok());
    let text = match (&a.body, &a.file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => {
            std::fs::read_to_string(f).with_context(|| format!("reading --file {}", f.display()))?
        }
        (None, None) => String::new(),
    };
    let unix = unix_now();
    let composed = Composition {
        from: a.from.clone(),
        to: a.to.clone(),
        subject: a.subject.clone(),
        unix_time: unix,
        message_id: message_id(
            &format!("{unix:X}.{:X}", rand::random::<u64>()),
            from.domain(),
        ),
        text,
        attachments: a
            .attach
            .iter()
            .map(|p| attachment(p))
            .collect::<anyhow::Result<_>>()?,
    }
    .to_bytes();
    let at = addr::resolve(&server).await?;
    let host = server
        .rsplit_once(':')
        .map_or(server.as_str(), |(h, _)| h)
        .to_string();
    let tcp = TcpStream::connect(at).await.with_context(|| {
        format!("cannot connect to {server} ({at}): is the mail server running?")
    })?;
    // Verify the server against --ca, else (for the world's own server) the
    // world's CA; any other server is only encrypted to, not authenticated.
    let world_ca = world_ca.filter(|_| a.server.is_none());
    let tls = match a.ca.as_ref().or(world_ca.as_ref()) {
        Some(ca) => l7_net::tls_client::with_roots(ca).map_err(anyhow::Error::msg)?,
        None => l7_net::tls_client::unauthenticated(),
    };
    let implicit = a.tls || at.port() % 1000 == 465;
    let conn = if implicit {
        Conn::Plain(tcp)
            .connect_tls(tls.clone(), &host)
            .await
            .map_err(anyhow::Error::msg)?
    } else {
        Conn::Plain(tcp)
    };
    let config = ClientConfig {
        hostname: "localhost".into(),
        tls: if password.is_some() {
            TlsPolicy::Required
        } else {
            TlsPolicy::Opportunistic
        },
        tls_active: implicit,
        credentials: password.map(|p| (user, p)),
        trace: g.trace,
    };
    let message = OutgoingMessage::for_body(ReversePath::Mailbox(from), to, &composed);
    let results = outbound::deliver(conn, &host, config, message, composed.as_slice(), tls).await;
    let mut ok = !results.is_empty();
    for r in &results {
        let accepted = r.status == DeliveryStatus::Delivered;
        ok &= accepted;
        if g.json {
            crate::output::json_line(&serde_json::json!({
                "recipient": r.recipient.to_string(),
                "accepted": accepted,
                "reply": r.reply.to_string(),
            }));
        } else {
            let verdict = if accepted { "accepted" } else { "refused" };
            println!("{}: {verdict} by {server} ({})", r.recipient, r.reply);
        }
    }
    Ok(if ok { 0 } else { 1 })
}
