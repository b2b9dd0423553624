//! Splitting a URL query string into percent-decoded (key, value) byte pairs,
//! bounded in size and count.

use super::TrackerError;
use crate::percent;

/// Longest query string accepted.
pub const MAX_QUERY_LEN: usize = 8192;
/// Most parameters accepted.
pub const MAX_PARAMS: usize = 128;

/// Decodes `a=1&b=%20` into pairs, in order.
pub fn pairs(query: &str) -> Result<Vec<(String, Vec<u8>)>, TrackerError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() > MAX_QUERY_LEN {
        return Err(TrackerError::BadRequest("query string too long".into()));
    }
    let mut out = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        if out.len() == MAX_PARAMS {
            return Err(TrackerError::BadRequest("too many parameters".into()));
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let bad = || TrackerError::BadRequest(format!("bad percent-encoding in {part:?}"));
        let k = String::from_utf8(percent::decode(k).ok_or_else(bad)?).map_err(|_| bad())?;
        out.push((k, percent::decode(v).ok_or_else(bad)?));
    }
    Ok(out)
}
