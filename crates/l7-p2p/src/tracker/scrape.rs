//! Scrape (BEP 48): `GET /scrape?info_hash=...&info_hash=...` answered with
//! `d5:filesd<20-byte hash>d8:completei..e10:downloadedi..e10:incompletei..eeee`.
//! The scrape URL is the announce URL with its last `announce` replaced.

use super::{TrackerError, query};
use crate::bencode::{self, Value};
use crate::metainfo::InfoHash;

/// Most info-hashes in one scrape.
pub const MAX_SCRAPE_HASHES: usize = 64;

/// Swarm counters of one torrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScrapeStats {
    /// Seeders.
    pub complete: u32,
    /// Completed downloads ever reported.
    pub downloaded: u32,
    /// Leechers.
    pub incomplete: u32,
}

/// The info-hashes of a scrape query (none: scrape everything the tracker allows).
pub fn parse_scrape_query(q: &str) -> Result<Vec<InfoHash>, TrackerError> {
    let hashes: Vec<InfoHash> = query::pairs(q)?
        .into_iter()
        .filter(|(k, _)| k == "info_hash")
        .map(|(_, v)| {
            InfoHash::from_slice(&v)
                .ok_or_else(|| TrackerError::BadRequest("info_hash is not 20 bytes".into()))
        })
        .collect::<Result<_, _>>()?;
    if hashes.len() > MAX_SCRAPE_HASHES {
        return Err(TrackerError::BadRequest(format!(
            "more than {MAX_SCRAPE_HASHES} info_hash values"
        )));
    }
    Ok(hashes)
}

/// Encodes a scrape response.
pub fn encode_scrape(files: &[(InfoHash, ScrapeStats)]) -> Vec<u8> {
    let files = Value::dict(files.iter().map(|(h, s)| {
        (
            h.0,
            Value::dict([
                ("complete", Value::Int(i64::from(s.complete))),
                ("downloaded", Value::Int(i64::from(s.downloaded))),
                ("incomplete", Value::Int(i64::from(s.incomplete))),
            ]),
        )
    }));
    Value::dict([("files", files)]).to_bytes()
}

/// Parses a scrape response (client side).
pub fn parse_scrape_response(bytes: &[u8]) -> Result<Vec<(InfoHash, ScrapeStats)>, TrackerError> {
    let v = bencode::decode(bytes).map_err(|e| TrackerError::Malformed(e.to_string()))?;
    if let Some(reason) = v.get("failure reason").and_then(Value::as_str) {
        return Err(TrackerError::Failure(reason.to_string()));
    }
    let files = v
        .get("files")
        .and_then(Value::as_dict)
        .ok_or_else(|| TrackerError::Malformed("missing files".into()))?;
    let n = |s: &Value, k: &str| {
        s.get(k)
            .and_then(Value::as_int)
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(0)
    };
    files
        .iter()
        .map(|(h, s)| {
            let hash = InfoHash::from_slice(h)
                .ok_or_else(|| TrackerError::Malformed("key is not an info-hash".into()))?;
            Ok((
                hash,
                ScrapeStats {
                    complete: n(s, "complete"),
                    downloaded: n(s, "downloaded"),
                    incomplete: n(s, "incomplete"),
                },
            ))
        })
        .collect()
}

/// The scrape URL for an announce URL, if the convention applies (the last
/// path segment starts with `announce`).
pub fn scrape_url(announce: &str) -> Option<String> {
    let (path, query) = match announce.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (announce, None),
    };
    let slash = path.rfind('/')?;
    let last = &path[slash + 1..];
    let rest = last.strip_prefix("announce")?;
    let mut out = format!("{}scrape{rest}", &path[..=slash]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep48_round_trip() {
        let stats = ScrapeStats {
            complete: 5,
            downloaded: 50,
            incomplete: 10,
        };
        let bytes = encode_scrape(&[(InfoHash([b'a'; 20]), stats)]);
        let mut expected = b"d5:filesd20:".to_vec();
        expected.extend_from_slice(&[b'a'; 20]);
        expected.extend_from_slice(b"d8:completei5e10:downloadedi50e10:incompletei10eeee");
        assert_eq!(bytes, expected);
        assert_eq!(
            parse_scrape_response(&bytes).unwrap(),
            vec![(InfoHash([b'a'; 20]), stats)]
        );
        let q = format!(
            "info_hash={}&info_hash={}",
            InfoHash([1; 20]).to_percent_encoded(),
            InfoHash([2; 20]).to_percent_encoded()
        );
        assert_eq!(
            parse_scrape_query(&q).unwrap(),
            vec![InfoHash([1; 20]), InfoHash([2; 20])]
        );
        assert!(parse_scrape_query("info_hash=abc").is_err());
    }

    #[test]
    fn scrape_url_convention() {
        // BEP 48 examples.
        assert_eq!(
            scrape_url("http://example.com/announce").as_deref(),
            Some("http://example.com/scrape")
        );
        assert_eq!(
            scrape_url("http://example.com/x/announce?x2%0644").as_deref(),
            Some("http://example.com/x/scrape?x2%0644")
        );
        assert_eq!(
            scrape_url("http://example.com/announce.php").as_deref(),
            Some("http://example.com/scrape.php")
        );
        assert_eq!(scrape_url("http://example.com/a"), None);
        assert_eq!(scrape_url("http://example.com/announce/x"), None);
    }
}
