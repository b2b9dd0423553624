//! `l7 get`: fetch one URL the way curl does — the request built from the
//! flags, the `-v` transcript of both messages, the body to stdout or a
//! file with a progress bar on a terminal, cookies kept in a Netscape file,
//! and the private cache. `--page` is in [`super::get_page`].

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use l7_http::client::{Request, Url};
use l7_http::cookie::CookieJar;
use l7_http::wire::{RequestHead, ResponseHead, Version};
use l7_net::http::client::Response;
use l7_net::http::client_tls::client_config;
use l7_net::http::fetch::{FetchConfig, Fetcher, Observer, Resolver};

use l7_world::state::{WorldState, default_path};

use crate::addr;
use crate::cli::{GetArgs, Global, Persistence};

/// Bodies larger than this get a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 1 << 20;

pub async fn run(a: GetArgs, g: &Global) -> anyhow::Result<i32> {
    let request = build_request(&a)?;
    let jar = match &a.cookie_jar {
        Some(path) => Some(load_jar(path)?),
        None => None,
    };
    let mut fetcher = Fetcher::new(fetch_config(&a)?, resolver(), jar);
    if a.page {
        return super::get_page::run(&a, request, fetcher).await;
    }
    let out: Box<dyn Write + Send> = match &a.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout()),
    };
    let mut printer = Printer {
        verbose: g.verbose > 0 || g.trace,
        head_only: a.head,
        out,
        progress: None,
        to_terminal: a.output.is_none() && std::io::stdout().is_terminal(),
    };
    let fetched = super::get_cache::fetch(a.cache.as_deref(), &mut fetcher, request, &mut printer)
        .await
        .map_err(|e| anyhow!(e))?;
    printer.out.flush().context("cannot write the body")?;
    if let Some(p) = printer.progress.take() {
        p.finish_and_clear();
    }
    if let (Some(path), Some(jar)) = (&a.cookie_jar, &fetcher.jar) {
        save_jar(path, jar)?;
    }
    Ok(if fetched.response.head.status >= 400 {
        1
    } else {
        0
    })
}

/// The request the flags describe.
pub fn build_request(a: &GetArgs) -> anyhow::Result<Request> {
    let url = Url::parse(&a.url)?;
    let body = match a.data.as_deref() {
        Some(d) => match d.strip_prefix('@') {
            Some(path) => std::fs::read(path).with_context(|| format!("cannot read {path}"))?,
            None => d.as_bytes().to_vec(),
        },
        None => Vec::new(),
    };
    let method = match (&a.method, a.head, a.data.is_some()) {
        (Some(m), _, _) => m.clone(),
        (None, true, _) => "HEAD".to_string(),
        (None, false, true) => "POST".to_string(),
        (None, false, false) => "GET".to_string(),
    };
    let mut request = Request::new(&method, url);
    if a.http10 {
        request.version = Version::Http10;
    }
    if a.data.is_some() {
        request
            .headers
            .append("Content-Type", &b"application/x-www-form-urlencoded"[..]);
    }
    for field in &a.headers {
        let (name, value) = field
            .split_once(':')
            .with_context(|| format!("-H {field:?}: write the field as `Name: value`"))?;
        let (name, value) = (name.trim(), value.trim());
        if !l7_http::wire::is_valid_field(name, value.as_bytes()) {
            bail!("-H {field:?} is not a valid header field");
        }
        request
            .headers
            .set(name.to_string(), value.as_bytes().to_vec());
    }
    request.body = body;
    Ok(request)
}

/// The connection settings the flags describe.
pub fn fetch_config(a: &GetArgs) -> anyhow::Result<FetchConfig> {
    let alpn: &[&[u8]] = if a.http2 {
        &[b"h2", b"http/1.1"]
    } else {
        &[b"http/1.1"]
    };
    let proxy = match &a.proxy {
        Some(p) => {
            let url = Url::parse(p).with_context(|| format!("--proxy {p}"))?;
            if url.tls {
                bail!("--proxy {p}: only http:// proxies are supported");
            }
            Some(url)
        }
        None => None,
    };
    // The running world's CA is trusted too, so its https sites verify.
    let mut cas = a.cacert.clone();
    if let Some(ca) = WorldState::load_running(&default_path()).and_then(|w| w.ca_cert)
        && ca.exists()
    {
        cas.push(ca);
    }
    Ok(FetchConfig {
        proxy,
        tls: client_config(&cas, alpn).map_err(|e| anyhow!(e))?,
        http2: a.http2,
        persistent: a.connections == Persistence::Persistent && !a.http10,
        follow: a.follow,
        connect_timeout: a.timeout,
        read_timeout: a.timeout,
    })
}

/// Names resolve through the running world (whose ports below 1024 may
/// have moved by its offset), then the system.
pub fn resolver() -> Resolver {
    Arc::new(|host: String, port: u16| {
        Box::pin(async move {
            if let Some(world) = WorldState::load_running(&default_path())
                && let Some(ip) = world.address_of(&host)
            {
                return Ok(SocketAddr::from((ip, world.ports.port(port))));
            }
            let target = if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            addr::resolve(&target).await.map_err(|e| format!("{e:#}"))
        })
    })
}

fn load_jar(path: &Path) -> anyhow::Result<CookieJar> {
    match std::fs::read_to_string(path) {
        Ok(text) => CookieJar::load_netscape(&text, unix_now())
            .map_err(|e| anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CookieJar::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read the cookie jar {}", path.display())),
    }
}

fn save_jar(path: &Path, jar: &CookieJar) -> anyhow::Result<()> {
    std::fs::write(path, jar.save_netscape())
        .with_context(|| format!("cannot write the cookie jar {}", path.display()))
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Prints what `l7 get` shows: the transcript (stderr), the body or head.
pub struct Printer {
    /// Print both messages and connection lines.
    pub verbose: bool,
    /// Print only the response head (to `out`).
    pub head_only: bool,
    /// Where the body goes.
    pub out: Box<dyn Write + Send>,
    progress: Option<ProgressBar>,
    to_terminal: bool,
}

impl Printer {
    fn start_progress(&mut self, head: &ResponseHead<'_>) {
        let length = l7_http::wire::framing::content_length(&head.headers)
            .ok()
            .flatten();
        if self.to_terminal || !std::io::stderr().is_terminal() || self.head_only {
            return;
        }
        if length.is_some_and(|n| n < PROGRESS_FROM) {
            return;
        }
        let bar = match length {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        self.progress = Some(bar);
    }
}

impl Observer for Printer {
    fn connected(&mut self, peer: SocketAddr, url: &Url, protocol: &str) {
        if self.verbose {
            eprintln!("* connected to {} ({peer}) over {protocol}", url.host);
        }
    }

    fn request(&mut self, head: &RequestHead<'_>, http2: bool) {
        if self.verbose {
            let version = if http2 {
                "HTTP/2".to_string()
            } else {
                head.version.to_string()
            };
            eprintln!("> {} {} {version}", head.method, head.target);
            for (name, value) in head.headers.iter() {
                eprintln!("> {name}: {}", String::from_utf8_lossy(value));
            }
            eprintln!(">");
        }
    }

    fn response(&mut self, response: &Response) {
        let lines = head_lines(response);
        if self.verbose {
            for line in &lines {
                eprintln!("< {line}");
            }
            eprintln!("<");
        }
        if self.head_only {
            for line in &lines {
                let _ = write!(self.out, "{line}\r\n");
            }
            let _ = write!(self.out, "\r\n");
        } else {
            self.start_progress(&response.head);
        }
    }

    fn note(&mut self, text: &str) {
        if self.verbose {
            eprintln!("* {text}");
        }
    }

    fn body(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(p) = &self.progress {
            p.inc(bytes.len() as u64);
        }
        if self.head_only {
            return Ok(());
        }
        self.out.write_all(bytes)
    }
}

/// A response head as lines: every interim response, then the final one.
pub fn head_lines(response: &Response) -> Vec<String> {
    let mut lines = Vec::new();
    for head in response.interim.iter().chain([&response.head]) {
        let version = if response.http2 {
            "HTTP/2".to_string()
        } else {
            head.version.to_string()
        };
        lines.push(
            format!("{version} {} {}", head.status, head.reason)
                .trim_end()
                .to_string(),
        );
        for (name, value) in head.headers.iter() {
            lines.push(format!("{name}: {}", String::from_utf8_lossy(value)));
        }
    }
    lines
}
