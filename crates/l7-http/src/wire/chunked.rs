//! The chunked transfer coding (RFC 9112 §7.1): a streaming decoder that
//! never buffers chunk data (it hands out slices of the input), tolerates
//! bounded chunk extensions and parses trailer fields; and the encoder.

use std::io::Write;

use super::headers::parse_fields;
use super::limits::{MAX_CHUNK_EXT_BYTES, MAX_CHUNK_SIZE_DIGITS, MAX_TRAILER_BYTES};
use super::syntax::is_field_byte;
use super::{Headers, HttpError};

/// One step of decoded output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// Body bytes, borrowed from the input.
    Data(&'a [u8]),
    /// The last chunk and its trailer fields: the body is complete.
    End(Headers<'static>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of chunk-size.
    Size { digits: usize, size: u64 },
    /// Reading chunk extensions (`;name=value`), ignored but bounded.
    Extension { size: u64, len: usize },
    /// Expecting the LF of the chunk-size line.
    SizeLf { size: u64 },
    /// Inside chunk-data with this many bytes left.
    Data { left: u64 },
    /// Expecting the CR after chunk-data.
    DataCr,
    /// Expecting the LF after chunk-data.
    DataLf,
    /// Reading the trailer section into the buffer.
    Trailer,
    /// The last chunk and trailers have been read.
    Done,
}

/// A streaming decoder for one chunked body.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    trailer: Vec<u8>,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        ChunkedDecoder {
            state: State::Size { digits: 0, size: 0 },
            trailer: Vec::new(),
        }
    }

    /// True once the last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from the start of `input`. Returns how many bytes were
    /// consumed and the next piece of output; `None` means every byte was
    /// consumed and more input is needed. Call again with the unconsumed rest
    /// until it returns `None` or [`Chunk::End`]. Line endings must be CRLF:
    /// a bare LF inside chunked framing is rejected, since framing that two
    /// parsers could read differently is how requests are smuggled.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Option<Chunk<'a>>), HttpError> {
        let mut pos = 0;
        while pos < input.len() {
            let b = input[pos];
            match self.state {
                State::Size { digits, size } => {
                    if let Some(v) = hex_value(b) {
                        if digits == MAX_CHUNK_SIZE_DIGITS {
                            return Err(HttpError::Malformed("chunk size too long"));
                        }
                        let size = size
                            .checked_mul(16)
                            .map(|s| s + u64::from(v))
                            .ok_or(HttpError::Malformed("chunk size overflows"))?;
                        self.state = State::Size {
                            digits: digits + 1,
                            size,
                        };
                    } else if digits == 0 {
                        return Err(HttpError::Malformed("chunk size missing"));
                    } else if b == b'\r' {
                        self.state = State::SizeLf { size };
                    } else if matches!(b, b';' | b' ' | b'\t') {
                        // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS ext-name ... )
                        self.state = State::Extension { size, len: 1 };
                    } else {
                        return Err(HttpError::Malformed("invalid chunk size"));
                    }
                }
                State::Extension { size, len } => {
                    if b == b'\r' {
                        self.state = State::SizeLf { size };
                    } else if !is_field_byte(b) {
                        return Err(HttpError::Malformed("invalid chunk extension"));
                    } else if len == MAX_CHUNK_EXT_BYTES {
                        return Err(HttpError::Malformed("chunk extensions too long"));
                    } else {
                        self.state = State::Extension { size, len: len + 1 };
                    }
                }
                State::SizeLf { size } => {
                    if b != b'\n' {
                        return Err(HttpError::Malformed("chunk size line not ended by CRLF"));
                    }
                    self.state = if size == 0 {
                        State::Trailer
                    } else {
                        State::Data { left: size }
                    };
                }
                State::Data { left } => {
                    let available = (input.len() - pos) as u64;
                    let take = left.min(available) as usize;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataCr
                    } else {
                        State::Data { left }
                    };
                    return Ok((pos + take, Some(Chunk::Data(&input[pos..pos + take]))));
                }
                State::DataCr => {
                    if b != b'\r' {
                        return Err(HttpError::Malformed("chunk data not followed by CRLF"));
                    }
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if b != b'\n' {
                        return Err(HttpError::Malformed("chunk data not followed by CRLF"));
                    }
                    self.state = State::Size { digits: 0, size: 0 };
                }
                State::Trailer => {
                    if self.trailer.len() == MAX_TRAILER_BYTES {
                        return Err(HttpError::HeaderTooLarge);
                    }
                    self.trailer.push(b);
                    if b == b'\n' && self.trailer_ended()? {
                        let mut headers = Headers::new();
                        parse_fields(&self.trailer, 0, &mut headers)?;
                        let trailers = headers.into_owned();
                        self.trailer = Vec::new();
                        self.state = State::Done;
                        return Ok((pos + 1, Some(Chunk::End(trailers))));
                    }
                }
                State::Done => return Ok((pos, None)),
            }
            pos += 1;
        }
        Ok((pos, None))
    }

    /// After an LF in the trailer section: true when that LF ended an empty
    /// line (the end of the section). Every LF must follow a CR.
    fn trailer_ended(&self) -> Result<bool, HttpError> {
        let t = &self.trailer;
        if t.len() < 2 || t[t.len() - 2] != b'\r' {
            return Err(HttpError::Malformed("trailer line not ended by CRLF"));
        }
        Ok(t.len() == 2 || t[..t.len() - 2].ends_with(b"\n"))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends one chunk holding `data`. Nothing is written for empty data, since
/// an empty chunk would end the body.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    encode_chunk_header(data.len() as u64, out);
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the size line of a chunk of `len` (> 0) bytes, for writers that
/// send the data themselves and then `\r\n`.
pub fn encode_chunk_header(len: u64, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{len:x}\r\n");
}

/// Appends the last chunk, the trailer fields and the final CRLF.
pub fn encode_last_chunk(trailers: &Headers<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n");
    trailers.emit(out);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns the body and trailers.
    pub(crate) fn decode_all(
        input: &[u8],
        step: usize,
    ) -> Result<(Vec<u8>, Headers<'static>), HttpError> {
        let mut d = ChunkedDecoder::new();
        let mut body = Vec::new();
        let mut pending: Vec<u8> = Vec::new();
        for piece in input.chunks(step.max(1)) {
            pending.extend_from_slice(piece);
            let mut at = 0;
            loop {
                let (used, out) = d.decode(&pending[at..])?;
                at += used;
                match out {
                    Some(Chunk::Data(data)) => body.extend_from_slice(data),
                    Some(Chunk::End(t)) => return Ok((body, t)),
                    None => break,
                }
            }
            pending.drain(..at);
        }
        Err(HttpError::Incomplete)
    }

    #[test]
    fn rfc9112_example_with_extensions_and_trailers() {
        let wire = b"4;name=\"va;l\"\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";
        for step in [1, 2, 7, wire.len()] {
            let (body, trailers) = decode_all(wire, step).unwrap();
            assert_eq!(body, b"Wikipedia in\r\n\r\nchunks.");
            assert_eq!(trailers.get("expires"), Some(&b"never"[..]));
        }
    }

    #[test]
    fn rejects_bad_framing() {
        for bad in [
            &b"x\r\n"[..],
            b"\r\n",
            b"4\nWiki\r\n0\r\n\r\n",
            b"4\r\nWikiX\r\n",
            b"4\r\nWiki\n0\r\n\r\n",
            b"11111111111111111\r\n",
            b"ffffffffffffffff0\r\n",
            b"0\r\nA: b\n\r\n",
            b"0\r\n A: b\r\n\r\n",
            b"4;\x00\r\n",
        ] {
            assert!(
                matches!(decode_all(bad, 3), Err(HttpError::Malformed(_))),
                "{bad:?}"
            );
        }
        let long_ext = [b"1;".as_slice(), &[b'a'; MAX_CHUNK_EXT_BYTES], b"\r\n"].concat();
        assert!(decode_all(&long_ext, 4096).is_err());
    }

    #[test]
    fn encoder_output_decodes() {
        let mut out = Vec::new();
        encode_chunk(b"hello ", &mut out);
        encode_chunk(b"", &mut out);
        encode_chunk(&[b'x'; 300], &mut out);
        let mut trailers = Headers::new();
        trailers.append("Digest", &b"sha-256=abc"[..]);
        encode_last_chunk(&trailers, &mut out);
        assert!(out.starts_with(b"6\r\nhello \r\n12c\r\n"));
        let (body, t) = decode_all(&out, 5).unwrap();
        assert_eq!(body.len(), 306);
        assert_eq!(t, trailers);
    }
}
