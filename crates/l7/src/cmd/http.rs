//! `l7 http serve`: the origin server for a document root.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use l7_http::files::redirects::Redirects;
use l7_http::files::{FileServer, FilesConfig};
use l7_http::server::ServerConfig;
use l7_net::http::access_log::AccessLog;
use l7_net::http::server::{self, Origin};
use l7_net::http::shop::DemoShop;
use l7_net::tcp::{ConnLimits, bind_tcp};
use l7_net::tls;
use tokio_rustls::TlsAcceptor;

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{Global, HttpServeArgs};

pub async fn serve(a: HttpServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let redirects = match &a.redirects {
        Some(p) => Redirects::parse(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .map_err(|e| anyhow!("{}: {e}", p.display()))?,
        None => Redirects::default(),
    };
    let config = FilesConfig {
        listings: !a.no_listing,
        allow_upload: a.allow_upload,
        redirects,
        ..FilesConfig::default()
    };
    let files = FileServer::new(&a.root, config).with_context(|| {
        format!(
            "cannot serve {}: the document root must be an existing directory",
            a.root.display()
        )
    })?;
    let log = access_log(&a.access_log)?;
    let config = ServerConfig {
        header_timeout: a.header_timeout,
        idle_timeout: a.idle_timeout,
        ..ServerConfig::default()
    };
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(TlsAcceptor::from(
            tls::server_config(cert, key, &[b"h2", b"http/1.1"]).map_err(|e| anyhow!(e))?,
        )),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let shutdown = shutdown_on_signals()?;
    let listener = bind_tcp(at).await?;
    let mut urls = vec![format!("{scheme}://{at}/")];
    let shop = match a.demo_shop {
        true => Some(DemoShop::open(files.clone(), &a.shop_db).map_err(|e| anyhow!(e))?),
        false => None,
    };
    if shop.is_some() {
        urls.push(format!("{scheme}://{at}/shop (the cookie demo shop)"));
    }
    ready(&format!("HTTP server for {}", a.root.display()), &urls, g);
    let limits = ConnLimits::default();
    match shop {
        Some(handler) => {
            let origin = Arc::new(Origin {
                handler,
                config,
                log,
            });
            server::serve(listener, origin, tls, limits, shutdown).await
        }
        None => {
            let origin = Arc::new(Origin {
                handler: files,
                config,
                log,
            });
            server::serve(listener, origin, tls, limits, shutdown).await
        }
    }
    Ok(0)
}

/// The access log a `--access-log` value names: a file, `-` (stdout) or `off`.
pub(super) fn access_log(spec: &str) -> anyhow::Result<AccessLog> {
    Ok(match spec {
        "off" => AccessLog::off(),
        "-" => AccessLog::to(Box::new(std::io::stdout())),
        path => AccessLog::to(Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the access log {path}"))?,
        )),
    })
}
