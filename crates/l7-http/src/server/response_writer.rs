//! Writing one response: choosing its framing (RFC 9112 §6.1–§6.3) from the
//! request and the length the application declares, setting the framing and
//! connection fields, and then writing body bytes within that framing.

use super::ApiError;
use crate::wire::chunked::{encode_chunk, encode_last_chunk};
use crate::wire::{Headers, ResponseHead, Version};

/// What the response being written still accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyWriter {
    /// Content-Length: this many bytes still to send.
    Length(u64),
    /// Chunked, until finished.
    Chunked,
    /// Delimited by closing the connection, until finished.
    UntilClose,
    /// Complete.
    Done,
}

/// The facts about the request that shape its response.
#[derive(Debug, Clone, Copy)]
pub(super) struct RequestFacts {
    pub is_head: bool,
    pub version: Version,
    /// The request allows the connection to persist.
    pub keep_alive: bool,
}

/// Completes `head` with framing and connection fields, appends it to
/// `out`, and returns the body writer and whether the connection must close
/// after this response. `force_close` is set when the request cannot be
/// followed by another (unread body, error).
pub(super) fn start_response(
    mut head: ResponseHead<'_>,
    body_len: Option<u64>,
    request: RequestFacts,
    force_close: bool,
    out: &mut Vec<u8>,
) -> (BodyWriter, bool) {
    let status = head.status;
    let headers = &mut head.headers;
    let app_close = headers.has_token("connection", "close");
    headers.remove("transfer-encoding");
    // RFC 9110 §8.6: no Content-Length in 1xx or 204; a 304 may carry the
    // length of the selected representation, which the app may set itself.
    let body_forbidden = status < 200 || status == 204 || status == 304;
    if status != 304 {
        headers.remove("content-length");
    }
    let (writer, length_unknown) = match body_len {
        _ if body_forbidden => (BodyWriter::Done, false),
        Some(n) => {
            set_length(headers, n);
            let writer = if request.is_head || n == 0 {
                BodyWriter::Done
            } else {
                BodyWriter::Length(n)
            };
            (writer, false)
        }
        None if request.is_head => (BodyWriter::Done, false),
        None if request.version == Version::Http11 => {
            headers.set("Transfer-Encoding", &b"chunked"[..]);
            (BodyWriter::Chunked, false)
        }
        None => (BodyWriter::UntilClose, true),
    };
    let close = force_close || app_close || !request.keep_alive || length_unknown;
    headers.remove("connection");
    if close {
        headers.append("Connection", &b"close"[..]);
    } else if request.version == Version::Http10 {
        headers.append("Connection", &b"keep-alive"[..]);
    }
    head.version = Version::Http11;
    head.emit(out);
    (writer, close)
}

fn set_length(headers: &mut Headers<'_>, n: u64) {
    headers.set("Content-Length", n.to_string().into_bytes());
}

impl BodyWriter {
    /// Appends `data` as body bytes in this response's framing.
    pub(super) fn write(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), ApiError> {
        match self {
            BodyWriter::Done => Err(ApiError::BodyOverrun),
            BodyWriter::Length(left) => {
                let n = data.len() as u64;
                if n > *left {
                    return Err(ApiError::BodyOverrun);
                }
                out.extend_from_slice(data);
                *left -= n;
                if *left == 0 {
                    *self = BodyWriter::Done;
                }
                Ok(())
            }
            BodyWriter::Chunked => {
                encode_chunk(data, out);
                Ok(())
            }
            BodyWriter::UntilClose => {
                out.extend_from_slice(data);
                Ok(())
            }
        }
    }

    /// Counts `n` body bytes the caller sends itself: only where the framing
    /// leaves body bytes unchanged (Content-Length, until close).
    pub(super) fn pass(&mut self, n: u64) -> Result<(), ApiError> {
        match self {
            BodyWriter::Done => Err(ApiError::BodyOverrun),
            BodyWriter::Chunked => Err(ApiError::ChunkedBody),
            BodyWriter::Length(left) => {
                *left = left.checked_sub(n).ok_or(ApiError::BodyOverrun)?;
                if *left == 0 {
                    *self = BodyWriter::Done;
                }
                Ok(())
            }
            BodyWriter::UntilClose => Ok(()),
        }
    }

    /// Ends the body; trailers are sent only with chunked framing.
    pub(super) fn finish(
        &mut self,
        trailers: &Headers<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), ApiError> {
        match self {
            BodyWriter::Length(_) => return Err(ApiError::BodyIncomplete),
            BodyWriter::Chunked => encode_last_chunk(trailers, out),
            BodyWriter::UntilClose | BodyWriter::Done => {}
        }
        *self = BodyWriter::Done;
        Ok(())
    }

    /// True once the whole body has been written.
    pub(super) fn is_done(&self) -> bool {
        *self == BodyWriter::Done
    }
}
