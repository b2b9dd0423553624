//! The mail access side of `l7 mail serve`: binds the POP3 (and POP3S)
//! listeners over the same Maildirs SMTP delivers into, with the accounts
//! file for logins, and runs them until the shared shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use l7_mail::accounts::Accounts;
use l7_net::Shutdown;
use l7_net::mail::access::MailAccess;
use l7_net::mail::pop3::{self, Pop3Server};
use l7_net::tcp::{ConnLimits, bind_tcp};
use l7_net::tls;
use tokio_rustls::TlsAcceptor;

use crate::addr;
use crate::cli::{Global, MailServeArgs};

/// Binds and starts every requested mail access listener; returns their
/// `proto addr` labels for the ready line.
pub async fn start(
    a: &MailServeArgs,
    g: &Global,
    shutdown: &Shutdown,
) -> anyhow::Result<Vec<String>> {
    let wanted: Vec<(&str, SocketAddr)> = [("pop3", &a.pop3), ("pop3s", &a.pop3s)]
        .into_iter()
        .filter_map(|(proto, at)| at.as_deref().map(|at| (proto, at)))
        .map(|(proto, at)| addr::listen(at).map(|at| (proto, at)))
        .collect::<anyhow::Result<_>>()?;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let Some(accounts_file) = &a.users_file else {
        bail!(
            "POP3/IMAP need users to log in: pass --users-file FILE (accounts made with `l7 mail user add`)"
        );
    };
    let accounts = Accounts::load(accounts_file)
        .with_context(|| format!("cannot read the accounts file {}", accounts_file.display()))?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(TlsAcceptor::from(
            tls::server_config(cert, key, &[]).map_err(|e| anyhow!(e))?,
        )),
        _ => None,
    };
    let access = Arc::new(MailAccess {
        accounts: Arc::new(accounts),
        root: a.maildirs.clone(),
        default_domain: a.domains.first().cloned(),
        tls,
        // RFC 2595 §2.1: passwords in the clear only where nobody can listen.
        plaintext_auth: wanted.iter().all(|(_, at)| at.ip().is_loopback()),
        trace: g.trace,
    });
    let mut labels = Vec::new();
    for (proto, at) in wanted {
        let listener = bind_tcp(at).await?;
        let server = Arc::new(Pop3Server::new(access.clone(), a.hostname.clone()));
        tokio::spawn(pop3::serve(
            listener,
            server,
            proto == "pop3s",
            ConnLimits::default(),
            shutdown.clone(),
        ));
        labels.push(format!("{proto} {at}"));
    }
    Ok(labels)
}
