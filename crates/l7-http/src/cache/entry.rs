//! [`Entry`]: one stored response with what the cache needs to reuse it —
//! the request fields its Vary names (the secondary key, RFC 9111 §4.1),
//! the request and response times (§4.2.3) — and its file format: a
//! header line, the Vary request fields, the response head as HTTP, the body.

use bytes::Bytes;

use super::{CacheControl, Times};
use crate::wire::{Headers, HttpError, ResponseHead};

/// One stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The primary key (method and URL).
    pub key: String,
    /// The values (or absence) of the request fields Vary names.
    pub vary: Vec<(String, Option<Vec<u8>>)>,
    /// When it was requested and received.
    pub times: Times,
    /// The response head as stored (updated by 304s).
    pub head: ResponseHead<'static>,
    /// The body, shared: a hit hands it to the driver without a copy.
    pub body: Bytes,
}

/// Field names in the Vary of `response`, lowercase (`*` included as is).
pub fn vary_names(response: &Headers<'_>) -> Vec<String> {
    response
        .list("vary")
        .filter_map(|n| std::str::from_utf8(n).ok())
        .map(str::to_ascii_lowercase)
        .take(32)
        .collect()
}

/// The request values a response varies on, normalised (whitespace
/// around commas removed) so that equivalent requests match.
pub fn secondary_key(
    response: &Headers<'_>,
    request: &Headers<'_>,
) -> Vec<(String, Option<Vec<u8>>)> {
    vary_names(response)
        .into_iter()
        .map(|name| {
            let values: Vec<Vec<u8>> = request.list(&name).map(<[u8]>::to_vec).collect();
            let value = (!values.is_empty()).then(|| values.join(&b","[..]));
            (name, value)
        })
        .collect()
}

impl Entry {
    /// §4.1: the stored response matches a new request's Vary fields
    /// (`Vary: *` never matches).
    pub fn matches(&self, request: &Headers<'_>) -> bool {
        if self.vary.iter().any(|(n, _)| n == "*") {
            return false;
        }
        let now = secondary_key(&self.head.headers, request);
        now == self.vary
    }

    /// The response's Cache-Control directives.
    pub fn control(&self) -> CacheControl {
        CacheControl::parse(&self.head.headers)
    }

    /// How many bytes this entry takes on disk, about.
    pub fn size(&self) -> u64 {
        let mut head = Vec::new();
        self.head.emit(&mut head);
        (head.len() + self.body.len() + self.key.len() + 64) as u64
    }

    /// The file form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!(
            "L7CACHE1 {} {} {}\n",
            self.times.request_time,
            self.times.response_time,
            self.body.len()
        )
        .into_bytes();
        out.extend_from_slice(self.key.as_bytes());
        out.push(b'\n');
        let mut vary = Headers::new();
        for (name, value) in &self.vary {
            let v = match value {
                Some(v) => [&b"="[..], v].concat(),
                None => b"-".to_vec(),
            };
            vary.append(name.clone(), v);
        }
        vary.emit(&mut out);
        out.extend_from_slice(b"\r\n");
        self.head.emit(&mut out);
        out.extend_from_slice(&self.body);
        out
    }

    /// Reads the file form; anything damaged is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Entry, HttpError> {
        Entry::decode_shared(Bytes::copy_from_slice(bytes))
    }

    /// Reads the file form held in `bytes`; the body stays a slice of
    /// them (no copy of a large body read from disk).
    pub fn decode_shared(bytes: Bytes) -> Result<Entry, HttpError> {
        let body_start = Entry::head_len(&bytes, bytes.len() as u64)?;
        let mut entry = Entry::decode_head(&bytes[..body_start])?;
        entry.body = bytes.slice(body_start..);
        Ok(entry)
    }

    /// How many bytes of a file of `file_len` bytes come before the body,
    /// from the file's first bytes (its first line is enough).
    pub fn head_len(start: &[u8], file_len: u64) -> Result<usize, HttpError> {
        let (_, _, body_len) = first_line(start)?.1;
        file_len
            .checked_sub(body_len)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(DAMAGED)
    }

    /// Reads the file form's head (the bytes [`Entry::head_len`] counts):
    /// all but the body, which is left empty. The store indexes its
    /// files this way without reading their bodies.
    pub fn decode_head(head: &[u8]) -> Result<Entry, HttpError> {
        let (line_end, (request_time, response_time, _)) = first_line(head)?;
        let rest = &head[line_end + 1..];
        let key_end = rest.iter().position(|&b| b == b'\n').ok_or(DAMAGED)?;
        let key = std::str::from_utf8(&rest[..key_end])
            .map_err(|_| DAMAGED)?
            .to_string();
        // The Vary fields are stored like a header section after a fake
        // status line; the response head follows and ends at the body.
        let mut fake = b"HTTP/1.1 200 \r\n".to_vec();
        fake.extend_from_slice(&rest[key_end + 1..]);
        let (vary_head, used) = ResponseHead::parse(&fake).map_err(|_| DAMAGED)?;
        let vary = vary_head
            .headers
            .iter()
            .map(|(n, v)| {
                let value = v.strip_prefix(b"=").map(<[u8]>::to_vec);
                (n.to_ascii_lowercase(), value)
            })
            .collect();
        let rest = &fake[used..];
        let (head, used) = ResponseHead::parse(rest).map_err(|_| DAMAGED)?;
        if used != rest.len() {
            return Err(DAMAGED);
        }
        Ok(Entry {
            key,
            vary,
            times: Times {
                request_time,
                response_time,
            },
            head: head.into_owned(),
            body: Bytes::new(),
        })
    }
}

const DAMAGED: HttpError = HttpError::Malformed("damaged cache entry");

/// The file form's first line, `L7CACHE1 <request time> <response time>
/// <body length>`: where it ends, and its three numbers.
fn first_line(bytes: &[u8]) -> Result<(usize, (u64, u64, u64)), HttpError> {
    let line_end = bytes.iter().position(|&b| b == b'\n').ok_or(DAMAGED)?;
    let line = std::str::from_utf8(&bytes[..line_end]).map_err(|_| DAMAGED)?;
    let mut parts = line.split(' ');
    if parts.next() != Some("L7CACHE1") {
        return Err(DAMAGED);
    }
    let mut num = || {
        parts
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or(DAMAGED)
    };
    let numbers = (num()?, num()?, num()?);
    if parts.next().is_some() {
        return Err(DAMAGED);
    }
    Ok((line_end, numbers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_matches_vary() {
        let mut head = ResponseHead::new(200);
        head.headers
            .append("Vary", &b"Accept-Encoding, Accept-Language"[..]);
        head.headers.append("ETag", &b"\"x\""[..]);
        let mut req = Headers::new();
        req.append("Accept-Encoding", &b"gzip"[..]);
        let entry = Entry {
            key: "GET http://a/".into(),
            vary: secondary_key(&head.headers, &req),
            times: Times {
                request_time: 5,
                response_time: 6,
            },
            head,
            body: Bytes::from_static(b"hello"),
        };
        let bytes = entry.encode();
        assert_eq!(Entry::decode(&bytes).unwrap(), entry);
        assert!(entry.matches(&req));
        let mut other = req.clone();
        other.append("Accept-Language", &b"fr"[..]);
        assert!(!entry.matches(&other));
        for cut in 0..bytes.len() {
            assert!(Entry::decode(&bytes[..cut]).is_err());
        }
    }
}
