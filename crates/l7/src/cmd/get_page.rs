//! `l7 get --page`: the course's experiment with persistent and
//! non-persistent connections — fetch an HTML page, then every object it
//! references, over a new connection per object or one kept open, N at a
//! time, and report each object's time and the total.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use l7_http::client::page::references;
use l7_http::client::{Request, Url};
use l7_net::http::fetch::{Fetcher, Observer};

use super::get::{fetch_config, resolver};
use crate::cli::{GetArgs, Persistence};
use crate::output::ms;

/// Collects a body in memory up to a bound (the page) or only counts it.
struct Collect {
    keep: bool,
    bytes: Vec<u8>,
    count: u64,
}

/// Pages larger than this are not scanned past the bound.
const MAX_PAGE_BYTES: usize = 8 << 20;

impl Observer for Collect {
    fn body(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.count += b.len() as u64;
        if self.keep && self.bytes.len() < MAX_PAGE_BYTES {
            self.bytes.extend_from_slice(b);
        }
        Ok(())
    }
}

/// One fetched object, for the report.
struct Row {
    url: Url,
    status: Result<u16, String>,
    bytes: u64,
    time: Duration,
}

pub async fn run(a: &GetArgs, page: Request, mut fetcher: Fetcher) -> anyhow::Result<i32> {
    let started = Instant::now();
    let mut sink = Collect {
        keep: true,
        bytes: Vec::new(),
        count: 0,
    };
    let fetched = fetcher
        .fetch(page.clone(), &mut sink)
        .await
        .map_err(|e| anyhow!(e))?;
    let page_time = started.elapsed();
    let base = fetched.request.url.clone();
    let html = String::from_utf8_lossy(&sink.bytes);
    let objects: VecDeque<(usize, Url)> = references(&html)
        .iter()
        .filter_map(|r| base.join(r).ok())
        .enumerate()
        .collect();
    let count = objects.len();
    println!(
        "page    {}  {}  {} B  {} ms",
        base,
        fetched.response.head.status,
        sink.count,
        ms(page_time)
    );
    let queue = Arc::new(Mutex::new(objects));
    let mut workers = tokio::task::JoinSet::new();
    let mut opened = 0;
    // The first worker keeps the page's connection (persistent case).
    let mut fetchers = vec![fetcher];
    for _ in 1..a.parallel.min(count.max(1) as u16) {
        fetchers.push(Fetcher::new(fetch_config(a)?, resolver(), None));
    }
    // Each worker starts with an object of its own, so all `--parallel`
    // connections open at once, as a browser's do; after that, whichever is
    // free takes the next. The first objects are handed out before any worker
    // runs: a worker already running could drain the queue before a later
    // one got its own.
    let firsts: Vec<_> = fetchers
        .into_iter()
        .map(|f| (f, queue.lock().ok().and_then(|mut q| q.pop_front())))
        .collect();
    for (mut f, mut first) in firsts {
        let queue = queue.clone();
        let template = page.clone();
        workers.spawn(async move {
            let mut rows = Vec::new();
            loop {
                let next = first
                    .take()
                    .or_else(|| queue.lock().ok().and_then(|mut q| q.pop_front()));
                let Some((i, url)) = next else { break };
                let mut request = template.clone();
                request.method = "GET".into();
                request.body.clear();
                request.url = url.clone();
                let t = Instant::now();
                let mut sink = Collect {
                    keep: false,
                    bytes: Vec::new(),
                    count: 0,
                };
                let status = f
                    .fetch(request, &mut sink)
                    .await
                    .map(|r| r.response.head.status)
                    .map_err(|e| e.to_string());
                rows.push((
                    i,
                    Row {
                        url,
                        status,
                        bytes: sink.count,
                        time: t.elapsed(),
                    },
                ));
            }
            (rows, f.connections_opened)
        });
    }
    let mut rows = Vec::new();
    let mut failed = false;
    while let Some(done) = workers.join_next().await {
        // Each fetcher counts its own connections (the first, the page's too).
        let (r, o) = done.map_err(|e| anyhow!("a fetch task failed: {e}"))?;
        rows.extend(r);
        opened += o;
    }
    rows.sort_by_key(|(i, _)| *i);
    let mut total_bytes = sink.count;
    for (i, row) in &rows {
        let status = match &row.status {
            Ok(s) => {
                failed |= *s >= 400;
                s.to_string()
            }
            Err(e) => {
                failed = true;
                format!("error: {e}")
            }
        };
        total_bytes += row.bytes;
        println!(
            "{:>6}  {}  {status}  {} B  {} ms",
            i + 1,
            row.url,
            row.bytes,
            ms(row.time)
        );
    }
    let mode = match a.connections {
        Persistence::Persistent => "persistent",
        Persistence::NonPersistent => "non-persistent",
    };
    println!(
        "total   {} objects, {total_bytes} B in {} ms over {opened} connections ({mode}, parallel {})",
        count + 1,
        ms(started.elapsed()),
        a.parallel
    );
    Ok(i32::from(failed))
}
