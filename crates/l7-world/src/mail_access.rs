//! A world mail host's mail access: POP3 (110, STLS) and IMAP (143,
//! STARTTLS) over the Maildirs its SMTP server delivers into, with the same
//! accounts and the world CA's certificate. The world lives on loopback, so
//! passwords may also travel before TLS, as in the course's telnet sessions.

use std::net::SocketAddr;
use std::sync::Arc;

use l7_mail::accounts::Accounts;
use l7_net::Shutdown;
use l7_net::mail::access::MailAccess;
use l7_net::mail::imap::{self, ImapServer};
use l7_net::mail::pop3::{self, Pop3Server};
use l7_net::tcp::{ConnLimits, bind_tcp};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::mail::{MailHost, server_tls};

/// Starts POP3 and IMAP for `host`'s users.
pub async fn start(
    host: &MailHost<'_>,
    at: SocketAddr,
    domains: &[String],
    accounts: Accounts,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<(), String> {
    let access = Arc::new(MailAccess {
        accounts: Arc::new(accounts),
        root: host.data.join("maildirs"),
        default_domain: domains.first().cloned(),
        tls: Some(TlsAcceptor::from(server_tls(host.name, host.data)?)),
        plaintext_auth: at.ip().is_loopback(),
        trace: false,
    });
    let pop3_at = SocketAddr::from((at.ip(), host.plan.port(110)));
    let imap_at = SocketAddr::from((at.ip(), host.plan.port(143)));
    let pop3_listener = bind_tcp(pop3_at).await.map_err(|e| e.to_string())?;
    let imap_listener = bind_tcp(imap_at).await.map_err(|e| e.to_string())?;
    let pop3_server = Arc::new(Pop3Server::new(access.clone(), host.name.to_string()));
    let imap_server = Arc::new(ImapServer {
        access,
        hostname: host.name.to_string(),
    });
    let limits = ConnLimits::default();
    tasks.spawn(pop3::serve(
        pop3_listener,
        pop3_server,
        false,
        limits,
        shutdown.clone(),
    ));
    tasks.spawn(imap::serve(
        imap_listener,
        imap_server,
        false,
        limits,
        shutdown.clone(),
    ));
    Ok(())
}
