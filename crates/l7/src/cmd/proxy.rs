//! `l7 proxy`: the caching forward (or reverse) proxy — flags to a
//! [`ProxyConfig`], the store opened, the listener bound (over TLS with
//! `--tls-cert`).

use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use l7_http::cache::DiskStore;
use l7_http::client::Url;
use l7_http::server::ServerConfig;
use l7_net::http::client_tls::client_config;
use l7_net::http::fetch::FetchConfig;
use l7_net::http::proxy::{self, Proxy, ProxyConfig};
use l7_net::prefix::Prefix;
use l7_net::tcp::{ConnLimits, bind_tcp};
use l7_net::tls;
use tokio_rustls::TlsAcceptor;

use super::get::resolver;
use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{Global, ProxyArgs};

pub async fn run(a: ProxyArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let origin = match &a.origin {
        Some(o) => {
            let url = Url::parse(o).with_context(|| format!("--origin {o}"))?;
            if url.tls {
                bail!("--origin {o}: only http:// origins are supported");
            }
            Some(url)
        }
        None => None,
    };
    let prefixes = |list: &[String]| -> anyhow::Result<Vec<Prefix>> {
        if list.is_empty() {
            return Ok(vec![
                Prefix::parse("127.0.0.0/8").map_err(|e| anyhow!(e))?,
                Prefix::parse("::1/128").map_err(|e| anyhow!(e))?,
            ]);
        }
        list.iter()
            .map(|p| Prefix::parse(p).map_err(|e| anyhow!("{p}: {e}")))
            .collect()
    };
    let store = DiskStore::open(&a.cache_dir, a.max_size).with_context(|| {
        format!(
            "cannot open the cache in {}: pass --cache-dir with a writable directory",
            a.cache_dir.display()
        )
    })?;
    let config = ProxyConfig {
        origin,
        allow: prefixes(&a.allow)?,
        purge_from: prefixes(&a.purge_from)?,
        connect_ports: a.connect_ports.clone(),
        fetch: FetchConfig {
            proxy: None,
            tls: client_config(&[], &[b"http/1.1"]).map_err(|e| anyhow!(e))?,
            http2: false,
            persistent: true,
            follow: false,
            connect_timeout: a.timeout,
            read_timeout: a.timeout,
        },
        resolver: resolver(),
        server: ServerConfig::default(),
    };
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(TlsAcceptor::from(
            tls::server_config(cert, key, &[b"h2", b"http/1.1"]).map_err(|e| anyhow!(e))?,
        )),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let link = a
        .shape
        .as_deref()
        .map(super::dash::shape_link)
        .transpose()?;
    let proxy = Arc::new(Proxy::new(config, store));
    let shutdown = shutdown_on_signals()?;
    let listener = bind_tcp(at).await?;
    ready(
        &format!("caching proxy (cache in {})", a.cache_dir.display()),
        &[format!(
            "{scheme}://{at}/ (status at {})",
            proxy::STATUS_PATH
        )],
        g,
    );
    proxy::serve_with(listener, proxy, tls, link, ConnLimits::default(), shutdown).await;
    Ok(0)
}
