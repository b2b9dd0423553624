//! `l7 get --cache DIR`: the private browser cache around a fetch (the
//! logic is l7-net's [`l7_net::http::cached`], shared with the proxy).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use l7_http::cache::{CacheKind, DiskStore};
use l7_http::client::Request;
use l7_net::http::cached::{self, Cache};
use l7_net::http::fetch::{Fetched, Fetcher, Observer};

/// The most a private cache holds on disk.
const CACHE_BYTES: u64 = 256 << 20;

/// Fetches `request`, through the cache in `dir` when one is given.
pub async fn fetch(
    dir: Option<&Path>,
    fetcher: &mut Fetcher,
    request: Request,
    obs: &mut dyn Observer,
) -> anyhow::Result<Fetched> {
    let Some(dir) = dir else {
        return Ok(fetcher.fetch(request, obs).await?);
    };
    let store = DiskStore::open(dir, CACHE_BYTES)
        .with_context(|| format!("cannot open the cache in {}", dir.display()))?;
    let cache = Arc::new(Cache::new(store, CacheKind::Private, None));
    let (fetched, _) = cached::fetch(&cache, fetcher, request, obs).await?;
    Ok(fetched)
}
