//! A fetch through an HTTP cache, driven by l7-http's RFC 9111 core and
//! shared by `l7 get --cache` (a private cache) and `l7 proxy` (a shared
//! one): a fresh stored response is served without the network, a stale
//! one is revalidated (If-None-Match / If-Modified-Since) and a 304
//! freshens it, a storable new response is stored, and an unsafe method
//! invalidates what it changed (§4.4). Concurrent misses of one key make
//! one origin request (the others wait for it, bounded, and are answered
//! from the store), and a proxy answers within a stale-while-revalidate
//! window at once while one background fetch revalidates (RFC 5861). The
//! store is locked only between awaits, never across one.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use super::client::{GetError, Response};
use super::fetch::{FetchConfig, Fetched, Fetcher, Observer, Resolver, unix_now};
use l7_http::cache::decide::{
    Reuse, freshen, invalidated, request_control, reuse, stale_if_error, validates,
};
use l7_http::cache::{
    CacheKind, DiskStore, Entry, Exchange, Times, current_age, secondary_key, storable,
};
use l7_http::client::{Request, Url};
use l7_http::wire::{Headers, RequestHead, ResponseHead};
use tokio::sync::watch;

/// Bodies larger than this pass through without being stored.
const MAX_STORED_BODY: usize = 32 << 20;
/// The longest a request waits for the same key's fetch in flight before
/// it goes to the origin itself.
const COALESCE_WAIT: Duration = Duration::from_secs(30);
/// How a cached fetch was answered (the proxy's X-Cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// From the store, fresh.
    Hit,
    /// From the origin.
    Miss,
    /// From the store, after the origin answered 304.
    Revalidated,
    /// From the store, stale, because the origin failed (stale-if-error).
    Stale,
}

impl Outcome {
    /// The X-Cache field value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Hit => "HIT",
            Outcome::Miss => "MISS",
            Outcome::Revalidated => "REVALIDATED",
            Outcome::Stale => "STALE",
        }
    }
}

/// The store's key for a URL.
pub fn key(url: &Url) -> String {
    format!("GET {url}")
}

/// How background revalidations reach origins.
pub struct Background {
    /// Connection settings of the background fetches.
    pub fetch: FetchConfig,
    /// How their names are resolved.
    pub resolver: Resolver,
}

/// A cache shared by the fetches of one process: the store and the
/// origin fetches in flight, one per key.
pub struct Cache {
    store: Mutex<DiskStore>,
    kind: CacheKind,
    background: Option<Background>,
    flights: Mutex<HashMap<String, watch::Receiver<()>>>,
}

/// A claimed origin fetch of one key; waiters wake when it is dropped.
struct Flight {
    cache: Arc<Cache>,
    key: String,
    _done: watch::Sender<()>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        lock(&self.cache.flights).remove(&self.key);
    }
}

impl Cache {
    /// A cache of `kind` over `store`; with `background`, stale responses
    /// within a stale-while-revalidate window are answered at once and
    /// revalidated by a spawned task (a long-running proxy), otherwise
    /// revalidated before answering.
    pub fn new(store: DiskStore, kind: CacheKind, background: Option<Background>) -> Cache {
        Cache {
            store: Mutex::new(store),
            kind,
            background,
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// The store, even if another task panicked while holding it (the
    /// store's files are always whole, so its state stays usable).
    pub fn store(&self) -> std::sync::MutexGuard<'_, DiskStore> {
        lock(&self.store)
    }

    /// Claims the origin fetch of `key`, or returns the in-flight one's
    /// completion signal.
    fn claim(self: &Arc<Self>, key: &str) -> Result<Flight, watch::Receiver<()>> {
        let mut flights = lock(&self.flights);
        if let Some(rx) = flights.get(key) {
            return Err(rx.clone());
        }
        let (tx, rx) = watch::channel(());
        flights.insert(key.to_string(), rx);
        Ok(Flight {
            cache: self.clone(),
            key: key.to_string(),
            _done: tx,
        })
    }

    /// RFC 5861 §3: one background revalidation of `entry` at a time.
    fn revalidate_in_background(
        self: &Arc<Self>,
        entry: Arc<Entry>,
        request: Request,
        conditions: Headers<'static>,
    ) {
        let Some(bg) = &self.background else { return };
        let Ok(flight) = self.claim(&entry.key) else {
            return;
        };
        let mut fetcher = Fetcher::new(bg.fetch.clone(), bg.resolver.clone(), None);
        let cache = self.clone();
        tokio::spawn(async move {
            let _flight = flight;
            let fields = request.head(false).headers;
            let _ = forward(
                &cache,
                &mut fetcher,
                request,
                &fields,
                Some((entry, conditions)),
                &mut Discard,
            )
            .await;
        });
    }
}

/// Fetches `request` through `cache`.
pub async fn fetch(
    cache: &Arc<Cache>,
    fetcher: &mut Fetcher,
    request: Request,
    obs: &mut dyn Observer,
) -> Result<(Fetched, Outcome), GetError> {
    let key = key(&request.url);
    let sent_fields = request.head(false).headers;
    let control = request_control(&sent_fields);
    let coalesce = request.method == "GET" && !control.no_cache && !control.no_store;
    let mut waited = false;
    loop {
        let now = unix_now();
        let stored = cache.store().get(&key, &sent_fields);
        let decision = stored
            .as_ref()
            .and_then(|e| reuse(e, &request.method, &sent_fields, cache.kind, now));
        let revalidate = match (stored, decision) {
            (Some(entry), Some(Reuse::Fresh { age })) => {
                obs.note(&format!("served from the cache (fresh, age {age}s)"));
                return Ok((serve(&entry, age, request, obs), Outcome::Hit));
            }
            (Some(entry), Some(Reuse::StaleWhileRevalidate { age, conditions }))
                if cache.background.is_some() =>
            {
                obs.note(
                    "stale within stale-while-revalidate: served, revalidating in the background",
                );
                let fetched = serve(&entry, age, request.clone(), obs);
                cache.revalidate_in_background(entry, request, conditions);
                return Ok((fetched, Outcome::Stale));
            }
            // §5.2.1.7: only-if-cached never goes to the origin.
            _ if control.only_if_cached => {
                obs.note("only-if-cached and nothing fresh stored: 504");
                return Ok((gateway_timeout(request, obs), Outcome::Miss));
            }
            (Some(entry), Some(Reuse::Revalidate(conditions)))
            | (Some(entry), Some(Reuse::StaleWhileRevalidate { conditions, .. })) => {
                Some((entry, conditions))
            }
            _ => None,
        };
        // One origin fetch per key at a time: the others wait for it once.
        let _flight = if coalesce && !waited {
            match cache.claim(&key) {
                Ok(flight) => Some(flight),
                Err(mut done) => {
                    obs.note("the same fetch is in flight: waiting for it");
                    let _ = tokio::time::timeout(COALESCE_WAIT, done.changed()).await;
                    waited = true;
                    continue;
                }
            }
        } else {
            None
        };
        return forward(cache, fetcher, request, &sent_fields, revalidate, obs).await;
    }
}

/// The 504 of an only-if-cached request that the store cannot answer.
fn gateway_timeout(request: Request, obs: &mut dyn Observer) -> Fetched {
    let mut head = ResponseHead::new(504);
    head.headers.append("Content-Length", &b"0"[..]);
    local(head, &Bytes::new(), request, obs)
}

/// Sends `request` to the origin (conditional on the stored entry being
/// revalidated, if any) and stores, freshens or invalidates by the answer.
async fn forward(
    cache: &Cache,
    fetcher: &mut Fetcher,
    mut request: Request,
    sent_fields: &Headers<'static>,
    revalidate: Option<(Arc<Entry>, Headers<'static>)>,
    obs: &mut dyn Observer,
) -> Result<(Fetched, Outcome), GetError> {
    let key = key(&request.url);
    let kind = cache.kind;
    // The client's own conditions, if any, go to the origin instead of ours.
    let ours = !["if-none-match", "if-modified-since"]
        .iter()
        .any(|n| request.headers.contains(n));
    let stored = match revalidate {
        Some((entry, conditions)) => {
            obs.note("stored response is stale: revalidating");
            for (name, value) in conditions.iter() {
                if !request.headers.contains(name) {
                    request.headers.append(name.to_string(), value.to_vec());
                }
            }
            Some(entry)
        }
        None => None,
    };
    let mut tee = Tee {
        inner: obs,
        revalidating: stored.is_some(),
        held: None,
        body: Some(Vec::new()),
    };
    let request_time = unix_now();
    let result = fetcher.fetch(request.clone(), &mut tee).await;
    let response_time = unix_now();
    let failed = match &result {
        Err(_) => true,
        Ok(f) => f.response.head.status >= 500,
    };
    if let Some(entry) = &stored
        && failed
        && stale_if_error(entry, sent_fields, kind, response_time)
    {
        let age = current_age(&entry.head.headers, entry.times, response_time);
        tee.inner
            .note("the origin failed: serving the stale stored response (stale-if-error)");
        return Ok((serve(entry, age, request, tee.inner), Outcome::Stale));
    }
    let fetched = result?;
    let Tee {
        inner: obs,
        held,
        body,
        ..
    } = tee;
    let head = &fetched.response.head;
    if let Some(refs) = invalidated(&request.method, head.status, &head.headers) {
        invalidate(&mut cache.store(), &request.url, &refs);
        return Ok((fetched, Outcome::Miss));
    }
    if let Some(h) = held.as_ref().filter(|h| h.head.status >= 500) {
        obs.response(h);
        if let Some(b) = &body {
            let _ = obs.body(b);
        }
        return Ok((fetched, Outcome::Miss));
    }
    if let (Some(entry), Some(_)) = (stored, held) {
        // §4.3.4: the 304 selects the stored response when its validator
        // agrees, or when it answers the validators we sent for that very
        // response (its own ETag then does not replace the stored one).
        if ours || validates(&entry, head) {
            let mut entry = Entry::clone(&entry);
            freshen(&mut entry, head, request_time, response_time);
            let _ = cache.store().put(&entry);
            obs.note("not modified: serving the stored response");
            return Ok((serve(&entry, 0, request, obs), Outcome::Revalidated));
        }
        let _ = cache.store().remove(&key);
        return Ok((fetched, Outcome::Miss));
    }
    let exchange = Exchange {
        method: &request.method,
        request: sent_fields,
        status: head.status,
        response: &head.headers,
    };
    // Only what was asked for is stored, not the target of a redirect.
    if request.method == "GET"
        && fetched.request.url == request.url
        && storable(&exchange, kind)
        && let Some(body) = body
    {
        let entry = Entry {
            key,
            vary: secondary_key(&head.headers, sent_fields),
            times: Times {
                request_time,
                response_time,
            },
            head: head.clone(),
            body: body.into(),
        };
        if cache.store().put(&entry).is_ok() {
            obs.note("stored in the cache");
        }
    }
    Ok((fetched, Outcome::Miss))
}

/// A lock, even if another task panicked while holding it.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Watches nothing: a background revalidation has no client.
struct Discard;

impl Observer for Discard {}

/// Answers from a stored entry with its current Age.
fn serve(entry: &Entry, age: u64, request: Request, obs: &mut dyn Observer) -> Fetched {
    let mut head = entry.head.clone();
    head.headers.set("Age", age.to_string().into_bytes());
    local(head, &entry.body, request, obs)
}

/// Answers without the origin: `head` and `body` go to the observer.
fn local(
    head: ResponseHead<'static>,
    body: &Bytes,
    request: Request,
    obs: &mut dyn Observer,
) -> Fetched {
    let response = Response {
        interim: Vec::new(),
        head,
        http2: false,
        reusable: true,
    };
    obs.response(&response);
    if request.method != "HEAD" && !body.is_empty() {
        let _ = obs.stored_body(body);
    }
    Fetched {
        request,
        response,
        body_bytes: body.len() as u64,
    }
}

/// §4.4: the target and the same-origin Location / Content-Location.
fn invalidate(store: &mut DiskStore, target: &Url, refs: &[String]) {
    store.remove(&key(target));
    for r in refs {
        if let Ok(u) = target.join(r)
            && u.host == target.host
            && u.port == target.port
            && u.tls == target.tls
        {
            store.remove(&key(&u));
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
        if self.revalidating && response.head.status >= 500 {
            // Held until stale-if-error is decided; passed on after.
            self.held = Some(response.clone());
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
