//! The announce request (BEP 3 §trackers): parsed from an HTTP query string
//! by the tracker server, rendered into one by the client. UDP announces
//! (BEP 15) convert into the same type.

use super::{TrackerError, query};
use crate::metainfo::InfoHash;
use crate::percent;

/// Most peers a client may ask for; larger `numwant` values are capped.
pub const MAX_NUMWANT: u32 = 200;

/// BEP 3 `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Event {
    /// A regular, periodic announce.
    #[default]
    None,
    /// The first announce of a download.
    Started,
    /// The client is leaving.
    Stopped,
    /// The download finished (not sent if the client started as a seed).
    Completed,
}

impl Event {
    fn as_str(self) -> Option<&'static str> {
        match self {
            Event::None => None,
            Event::Started => Some("started"),
            Event::Stopped => Some("stopped"),
            Event::Completed => Some("completed"),
        }
    }
}

/// One announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceRequest {
    /// Which torrent.
    pub info_hash: InfoHash,
    /// The client's id.
    pub peer_id: [u8; 20],
    /// The client's listening port.
    pub port: u16,
    /// Bytes uploaded since `started`.
    pub uploaded: u64,
    /// Bytes downloaded since `started`.
    pub downloaded: u64,
    /// Bytes still missing (0: a seed).
    pub left: u64,
    /// Lifecycle event.
    pub event: Event,
    /// BEP 23: the client accepts compact peer lists.
    pub compact: bool,
    /// How many peers the client wants (`None`: the tracker's default); capped at [`MAX_NUMWANT`].
    pub numwant: Option<u32>,
    /// Opaque key identifying the client across address changes.
    pub key: Option<Vec<u8>>,
}

fn twenty(v: &[u8], what: &str) -> Result<[u8; 20], TrackerError> {
    v.try_into()
        .map_err(|_| TrackerError::BadRequest(format!("{what} is {} bytes, not 20", v.len())))
}

fn number<T: std::str::FromStr>(v: &[u8], what: &str) -> Result<T, TrackerError> {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TrackerError::BadRequest(format!("{what} is not a number")))
}

impl AnnounceRequest {
    /// Parses the query string of `GET /announce?...`. A claimed `ip=` is
    /// ignored: the tracker uses the packet's source address.
    pub fn parse_query(q: &str) -> Result<Self, TrackerError> {
        let mut info_hash = None;
        let mut peer_id = None;
        let mut port = None;
        let mut left = None;
        let mut req = AnnounceRequest {
            info_hash: InfoHash::default(),
            peer_id: [0; 20],
            port: 0,
            uploaded: 0,
            downloaded: 0,
            left: 0,
            event: Event::None,
            compact: false,
            numwant: None,
            key: None,
        };
        for (k, v) in query::pairs(q)? {
            match k.as_str() {
                "info_hash" => info_hash = Some(InfoHash(twenty(&v, "info_hash")?)),
                "peer_id" => peer_id = Some(twenty(&v, "peer_id")?),
                "port" => port = Some(number::<u16>(&v, "port")?),
                "uploaded" => req.uploaded = number(&v, "uploaded")?,
                "downloaded" => req.downloaded = number(&v, "downloaded")?,
                "left" => left = Some(number(&v, "left")?),
                "compact" => req.compact = v == b"1",
                "numwant" => req.numwant = Some(number::<u32>(&v, "numwant")?.min(MAX_NUMWANT)),
                "key" => req.key = Some(v),
                "event" => {
                    req.event = match &v[..] {
                        b"started" => Event::Started,
                        b"stopped" => Event::Stopped,
                        b"completed" => Event::Completed,
                        // BEP 21 "paused" and the empty string are regular announces.
                        b"" | b"empty" | b"paused" => Event::None,
                        _ => return Err(TrackerError::BadRequest("unknown event".into())),
                    }
                }
                _ => {}
            }
        }
        req.info_hash =
            info_hash.ok_or_else(|| TrackerError::BadRequest("missing info_hash".into()))?;
        req.peer_id = peer_id.ok_or_else(|| TrackerError::BadRequest("missing peer_id".into()))?;
        req.port = port
            .filter(|&p| p != 0)
            .ok_or_else(|| TrackerError::BadRequest("missing or zero port".into()))?;
        req.left = left.ok_or_else(|| TrackerError::BadRequest("missing left".into()))?;
        Ok(req)
    }

    /// The query string a client sends (without the leading `?`).
    pub fn to_query(&self) -> String {
        let mut q = format!(
            "info_hash={}&peer_id={}&port={}&uploaded={}&downloaded={}&left={}&compact={}",
            self.info_hash.to_percent_encoded(),
            percent::encode(&self.peer_id),
            self.port,
            self.uploaded,
            self.downloaded,
            self.left,
            u8::from(self.compact)
        );
        if let Some(e) = self.event.as_str() {
            q.push_str("&event=");
            q.push_str(e);
        }
        if let Some(n) = self.numwant {
            q.push_str(&format!("&numwant={n}"));
        }
        if let Some(k) = &self.key {
            q.push_str("&key=");
            q.push_str(&percent::encode(k));
        }
        q
    }
}

/// The full announce URL for `base` (which may already carry a query, BEP 3).
pub fn announce_url(base: &str, req: &AnnounceRequest) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", req.to_query())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AnnounceRequest {
        AnnounceRequest {
            info_hash: InfoHash([0x12; 20]),
            peer_id: *b"-L70001-abcdefghij\x00\xff",
            port: 6881,
            uploaded: 1,
            downloaded: 2,
            left: 3,
            event: Event::Started,
            compact: true,
            numwant: Some(30),
            key: Some(b"k ey".to_vec()),
        }
    }

    #[test]
    fn query_round_trip_and_url() {
        let r = sample();
        assert_eq!(AnnounceRequest::parse_query(&r.to_query()).unwrap(), r);
        let url = announce_url("http://t/announce?passkey=x", &r);
        assert!(
            url.starts_with("http://t/announce?passkey=x&info_hash=%12%12"),
            "{url}"
        );
        assert!(url.contains("&peer_id=-L70001-abcdefghij%00%FF&"), "{url}");
    }

    #[test]
    fn server_side_validation() {
        let ok = "info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A&peer_id=ABCDEFGHIJKLMNOPQRST&port=6881&left=0&numwant=100000&ip=6.6.6.6&event=completed";
        let r = AnnounceRequest::parse_query(ok).unwrap();
        assert_eq!(
            r.info_hash.to_hex(),
            "123456789abcdef123456789abcdef123456789a"
        );
        assert_eq!(r.numwant, Some(MAX_NUMWANT));
        assert_eq!(r.event, Event::Completed);
        assert!(!r.compact);
        for bad in [
            ok.replace("port=6881", "port=0"),
            ok.replace("port=6881", "port=70000"),
            ok.replace("%9A&peer", "&peer"),
            ok.replace("left=0", "left=-1"),
            ok.replace("event=completed", "event=bogus"),
            ok.replace("&left=0", ""),
            ok.replace("%12", "%1"),
        ] {
            assert!(
                matches!(
                    AnnounceRequest::parse_query(&bad),
                    Err(TrackerError::BadRequest(_))
                ),
                "{bad}"
            );
        }
    }
}
