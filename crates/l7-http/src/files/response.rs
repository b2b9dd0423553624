//! What the file server answers: a status, fields and a [`Body`] that the
//! driver sends — file bodies are described by path (or open file), offset
//! and length, not read here, so a driver can stream them, or hand them to
//! the kernel with sendfile(2) ([`Body::zero_copy`]).

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::open_file::{OpenFile, ZERO_COPY_MIN};
use super::range::Multipart;
use crate::wire::{Headers, ResponseHead};

/// The body of a file-server response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// Bytes made here (listings, errors, on-the-fly gzip).
    Bytes(Vec<u8>),
    /// Bytes of a file kept in memory by the file server's cache, shared
    /// by every response that sends them.
    Cached(Bytes),
    /// `len` bytes of the file at `path` from `offset`.
    File {
        /// The canonical file path.
        path: PathBuf,
        /// First byte.
        offset: u64,
        /// Byte count.
        len: u64,
    },
    /// `len` bytes from `offset` of a file the file server holds open
    /// (and may keep in memory too): see [`Body::zero_copy`].
    Open {
        /// The open file.
        file: OpenFile,
        /// First byte.
        offset: u64,
        /// Byte count.
        len: u64,
    },
    /// A multipart/byteranges body over the file at `path`.
    Multipart {
        /// The canonical file path.
        path: PathBuf,
        /// The part headers and ranges.
        layout: Multipart,
    },
}

impl Body {
    /// The exact number of body bytes.
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::Cached(b) => b.len() as u64,
            Body::File { len, .. } | Body::Open { len, .. } => *len,
            Body::Multipart { layout, .. } => layout.content_length(),
        }
    }

    /// The open file and the range (offset, length) to send straight from
    /// it with sendfile(2), when the body is a range of an open file long
    /// enough ([`ZERO_COPY_MIN`]) for that to beat one write from memory.
    /// A driver that can (plain TCP, the body sent as it is) should; any
    /// other sends the body's bytes.
    pub fn zero_copy(&self) -> Option<(&std::fs::File, u64, u64)> {
        match self {
            Body::Open { file, offset, len } if *len >= ZERO_COPY_MIN => {
                Some((file.file(), *offset, *len))
            }
            _ => None,
        }
    }

    /// True when there are no body bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the whole body into memory (for small bodies and tests;
    /// drivers stream large files instead).
    pub fn read_to_vec(&self) -> io::Result<Vec<u8>> {
        match self {
            Body::Empty => Ok(Vec::new()),
            Body::Bytes(b) => Ok(b.clone()),
            Body::Cached(b) => Ok(b.to_vec()),
            Body::File { path, offset, len } => read_range(path, *offset, *len),
            Body::Open { file, offset, len } => file.read_at(*offset, *len),
            Body::Multipart { path, layout } => {
                let mut out = Vec::new();
                for part in &layout.parts {
                    out.extend_from_slice(&part.header);
                    out.extend(read_range(path, part.range.start, part.range.len)?);
                }
                out.extend_from_slice(&layout.closing);
                Ok(out)
            }
        }
    }
}

impl Body {
    /// Reads body bytes `offset..offset + len` (clamped to the body), for
    /// drivers that send a body in slices, such as HTTP/2 streams that
    /// take turns on one connection.
    pub fn read_at(&self, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        let end = self.len().min(offset.saturating_add(len));
        let mut out = Vec::with_capacity(end.saturating_sub(offset) as usize);
        match self {
            Body::Empty => {}
            Body::Bytes(b) => out.extend_from_slice(&b[offset.min(end) as usize..end as usize]),
            Body::Cached(b) => out.extend_from_slice(&b[offset.min(end) as usize..end as usize]),
            Body::File {
                path, offset: base, ..
            } => out = read_range(path, base + offset, end.saturating_sub(offset))?,
            Body::Open {
                file, offset: base, ..
            } => out = file.read_at(base + offset, end.saturating_sub(offset))?,
            Body::Multipart { path, layout } => {
                // Walk the pieces (part header, file range, ..., closing),
                // copying the overlap of each with the wanted window.
                let mut at = 0u64;
                let mut take = |piece_len: u64, read: &dyn Fn(u64, u64) -> io::Result<Vec<u8>>| {
                    let (lo, hi) = (offset.max(at), end.min(at + piece_len));
                    if lo < hi {
                        out.extend(read(lo - at, hi - lo)?);
                    }
                    at += piece_len;
                    Ok::<(), io::Error>(())
                };
                for part in &layout.parts {
                    let h = &part.header;
                    take(h.len() as u64, &|o, n| {
                        Ok(h[o as usize..(o + n) as usize].to_vec())
                    })?;
                    let r = part.range;
                    take(r.len, &|o, n| read_range(path, r.start + o, n))?;
                }
                let c = &layout.closing;
                take(c.len() as u64, &|o, n| {
                    Ok(c[o as usize..(o + n) as usize].to_vec())
                })?;
            }
        }
        Ok(out)
    }

    /// Like [`Self::read_at`], as [`Bytes`]: a body kept in memory is
    /// sliced, not copied.
    pub fn bytes_at(&self, offset: u64, len: u64) -> io::Result<Bytes> {
        match self {
            Body::Cached(b) => {
                let end = b.len().min(offset.saturating_add(len) as usize);
                Ok(b.slice((offset as usize).min(end)..end))
            }
            Body::Open {
                file,
                offset: base,
                len: whole,
            } if offset <= *whole => {
                let n = len.min(whole - offset);
                match file.bytes(base + offset, n) {
                    Some(b) => Ok(b),
                    None => file.read_at(base + offset, n).map(Bytes::from),
                }
            }
            _ => self.read_at(offset, len).map(Bytes::from),
        }
    }
}

/// Reads `len` bytes at `offset` of the file at `path`.
pub fn read_range(path: &Path, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut out = Vec::new();
    file.take(len).read_to_end(&mut out)?;
    if out.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "file shrank while serving",
        ));
    }
    Ok(out)
}

/// A complete answer: status, fields (without Content-Length, which the
/// connection sets from the body) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResponse {
    /// The status code.
    pub status: u16,
    /// Header fields.
    pub headers: Headers<'static>,
    /// The body.
    pub body: Body,
}

impl FileResponse {
    pub(super) fn new(status: u16) -> Self {
        FileResponse {
            status,
            headers: Headers::new(),
            body: Body::Empty,
        }
    }

    pub(super) fn text(status: u16, text: &str) -> Self {
        let mut r = FileResponse::new(status);
        r.headers
            .append("Content-Type", &b"text/plain; charset=utf-8"[..]);
        r.body = Body::Bytes(text.as_bytes().to_vec());
        r
    }

    pub(super) fn error(status: u16) -> Self {
        Self::text(
            status,
            &format!("{status} {}\n", crate::wire::reason_phrase(status)),
        )
    }

    pub(super) fn redirect(status: u16, location: &str) -> Self {
        let mut r = Self::text(status, &format!("Moved to {location}\n"));
        r.headers.append("Location", location.as_bytes().to_vec());
        r
    }

    /// The response head to hand to the connection.
    pub fn head(&self) -> ResponseHead<'static> {
        let mut head = ResponseHead::new(self.status);
        head.headers = self.headers.clone();
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::range::ByteRange;

    #[test]
    fn read_at_windows_concatenate_to_the_whole_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..200u8).collect();
        std::fs::write(&path, &data).unwrap();
        let ranges = [
            ByteRange { start: 3, len: 10 },
            ByteRange { start: 50, len: 90 },
        ];
        let bodies = [
            Body::Empty,
            Body::Bytes(data.clone()),
            Body::Cached(Bytes::from(data.clone())),
            Body::File {
                path: path.clone(),
                offset: 7,
                len: 150,
            },
            Body::Open {
                file: OpenFile::new(std::fs::File::open(&path).unwrap(), 200, None),
                offset: 7,
                len: 150,
            },
            Body::Open {
                file: OpenFile::new(
                    std::fs::File::open(&path).unwrap(),
                    200,
                    Some(Bytes::from(data.clone())),
                ),
                offset: 20,
                len: 180,
            },
            Body::Multipart {
                path,
                layout: Multipart::new("B", "text/plain", &ranges, 200),
            },
        ];
        for body in &bodies {
            let whole = body.read_to_vec().unwrap();
            for step in [1, 7, 64, 1000] {
                let mut joined = Vec::new();
                let mut at = 0;
                while at < body.len() {
                    let slice = body.read_at(at, step).unwrap();
                    assert_eq!(body.bytes_at(at, step).unwrap(), slice);
                    joined.extend(slice);
                    at += step;
                }
                assert_eq!(joined, whole, "step {step} of {body:?}");
            }
            assert!(body.read_at(body.len() + 5, 10).unwrap().is_empty());
        }
    }
}
