//! `l7 get --cache DIR`: the private browser cache around a fetch, driven
//! by l7-http's RFC 9111 core — a fresh stored response is served without
//! the network, a stale one is revalidated (If-None-Match /
//! If-Modified-Since) and a 304 freshens it, a storable new response is
//! stored, and an unsafe method invalidates what it changed (§4.4).

use std::net::SocketAddr;
use std::path::Path;

use l7_http::cache::decide::{Reuse, freshen, invalidated, reuse, validates};
use l7_http::cache::{CacheKind, DiskStore, Entry, Exchange, Times, secondary_key, storable};
use l7_http::client::{Request, Url};
use l7_http::wire::RequestHead;
use l7_net::NetError;
use l7_net::http::client::{GetError, Response};
use l7_net::http::fetch::{Fetched, Fetcher, Observer};

use super::get::unix_now;

/// The most a private cache holds on disk.
const CACHE_BYTES: u64 = 256 << 20;
/// Bodies larger than this pass through without being stored.
const MAX_STORED_BODY: usize = 32 << 20;

/// Fetches `request`, through the cache in `dir` when one is given.
pub async fn fetch(
    dir: Option<&Path>,
    fetcher: &mut Fetcher,
    request: Request,
    obs: &mut dyn Observer,
) -> Result<Fetched, GetError> {
    let Some(dir) = dir else {
        return fetcher.fetch(request, obs).await;
    };
    let mut store = DiskStore::open(dir, CACHE_BYTES).map_err(|e| NetError::Io {
        what: format!("opening the cache in {}", dir.display()),
        source: e,
    })?;
    let key = format!("GET {}", request.url);
    let sent_fields = request.head(false).headers;
    let now = unix_now();
    let stored = store.get(&key, &sent_fields);
    let decision = stored
        .as_ref()
        .and_then(|e| reuse(e, &request.method, &sent_fields, CacheKind::Private, now));
    let mut request = request;
    match (&stored, decision) {
        (Some(entry), Some(Reuse::Fresh { age })) => {
            obs.note(&format!("served from the cache (fresh, age {age}s)"));
            return Ok(serve(entry, age, &request, obs));
        }
        (Some(_), Some(Reuse::Revalidate(conditions))) => {
            obs.note("stored response is stale: revalidating");
            for (name, value) in conditions.iter() {
                if !request.headers.contains(name) {
                    request.headers.append(name.to_string(), value.to_vec());
                }
            }
        }
        _ => {}
    }
    let mut tee = Tee {
        inner: obs,
        revalidating: stored.is_some(),
        held: None,
        body: Some(Vec::new()),
    };
    let request_time = unix_now();
    let fetched = fetcher.fetch(request.clone(), &mut tee).await?;
    let response_time = unix_now();
    let Tee {
        inner: obs,
        held,
        body,
        ..
    } = tee;
    let head = &fetched.response.head;
    if let Some(refs) = invalidated(&request.method, head.status, &head.headers) {
        invalidate(&mut store, &request.url, &refs);
        return Ok(fetched);
    }
    if let (Some(mut entry), Some(_)) = (stored, held) {
        if validates(&entry, head) {
            freshen(&mut entry, head, request_time, response_time);
            let _ = store.put(&entry);
            obs.note("not modified: serving the stored response");
            return Ok(serve(&entry, 0, &request, obs));
        }
        let _ = store.remove(&key);
        return Ok(fetched);
    }
    let exchange = Exchange {
        method: &request.method,
        request: &sent_fields,
        status: head.status,
        response: &head.headers,
    };
    // Only what was asked for is stored, not the target of a redirect.
    if request.method == "GET"
        && fetched.request.url == request.url
        && storable(&exchange, CacheKind::Private)
        && let Some(body) = body
    {
        let entry = Entry {
            key,
            vary: secondary_key(&head.headers, &sent_fields),
            times: Times {
                request_time,
                response_time,
            },
            head: head.clone(),
            body,
        };
        if store.put(&entry).is_ok() {
            obs.note("stored in the cache");
        }
    }
    Ok(fetched)
}

/// Answers from a stored entry with its current Age.
fn serve(entry: &Entry, age: u64, request: &Request, obs: &mut dyn Observer) -> Fetched {
    let mut head = entry.head.clone();
    head.headers.set("Age", age.to_string().into_bytes());
    let response = Response {
        interim: Vec::new(),
        head,
        http2: false,
        reusable: true,
    };
    obs.response(&response);
    if request.method != "HEAD" {
        let _ = obs.body(&entry.body);
    }
    Fetched {
        request: request.clone(),
        response,
        body_bytes: entry.body.len() as u64,
    }
}

/// §4.4: the target and the same-origin Location / Content-Location.
fn invalidate(store: &mut DiskStore, target: &Url, refs: &[String]) {
    store.remove(&format!("GET {target}"));
    for r in refs {
        if let Ok(u) = target.join(r)
            && u.host == target.host
            && u.port == target.port
            && u.tls == target.tls
        {
            store.remove(&format!("GET {u}"));
        }
    }
}

/// Passes a fetch through to the user's observer while keeping a copy of
/// the body for the store; holds back a 304 that answers a revalidation.
struct Tee<'a> {
    inner: &'a mut dyn Observer,
    revalidating: bool,
    held: Option<Response>,
    body: Option<Vec<u8>>,
}

impl Observer for Tee<'_> {
    fn connected(&mut self, peer: SocketAddr, url: &Url, protocol: &str) {
        self.inner.connected(peer, url, protocol);
    }
    fn request(&mut self, head: &RequestHead<'_>, http2: bool) {
        self.inner.request(head, http2);
    }
    fn response(&mut self, response: &Response) {
        if self.revalidating && response.head.status == 304 {
            self.held = Some(response.clone());
            self.inner.note("origin answered 304 Not Modified");
            return;
        }
        self.inner.response(response);
    }
    fn body(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(b) = &mut self.body {
            if b.len() + bytes.len() > MAX_STORED_BODY {
                self.body = None;
            } else {
                b.extend_from_slice(bytes);
            }
        }
        if self.held.is_some() {
            return Ok(());
        }
        self.inner.body(bytes)
    }
    fn note(&mut self, text: &str) {
        self.inner.note(text);
    }
}
