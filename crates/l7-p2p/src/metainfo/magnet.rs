//! Magnet links (BEP 9 §magnet URI format):
//! `magnet:?xt=urn:btih:<hex info-hash>&dn=<name>&tr=<tracker>...`.

use super::Metainfo;
use crate::percent;

/// The magnet link of a torrent, with its name and trackers.
pub fn magnet_link(m: &Metainfo) -> String {
    let mut out = format!(
        "magnet:?xt=urn:btih:{}&dn={}",
        m.info_hash.to_hex(),
        percent::encode(m.info.name.as_bytes())
    );
    for tr in m.trackers() {
        out.push_str("&tr=");
        out.push_str(&percent::encode(tr.as_bytes()));
    }
    out
}
