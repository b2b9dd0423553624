//! Peer wire messages (BEP 3 §peer messages): `<u32 length><u8 id><payload>`,
//! length 0 being a keep-alive; plus the Fast extension's messages (BEP 6)
//! and the extension protocol's envelope (BEP 10, id 20).
//!
//! Length caps: a block is at most 16 KiB ([`BLOCK_SIZE`]); a request for
//! more is a protocol error, and so is any message longer than a piece
//! message carrying a full block ([`MAX_MESSAGE_LEN`]) — except `bitfield`,
//! which grows with the piece count ([`MAX_BITFIELD_LEN`]), and extended
//! messages ([`MAX_EXTENDED_LEN`]).

use l7_wire::{Reader, WireError, WriteExt};

/// The block size every client uses, and the largest request we accept.
pub const BLOCK_SIZE: u32 = 16 * 1024;
/// Longest ordinary message: id + index + begin + a full block.
pub const MAX_MESSAGE_LEN: u32 = 1 + 4 + 4 + BLOCK_SIZE;
/// A PIECE message's bytes before its block: length, id, index, begin.
pub const PIECE_HEADER_LEN: usize = 4 + 1 + 4 + 4;
/// Longest bitfield message (id + 2^21 pieces: 128 GiB at 64 KiB pieces).
pub const MAX_BITFIELD_LEN: u32 = 1 + (1 << 18);
/// Longest extended message (ut_metadata carries a 16 KiB block plus a dictionary).
pub const MAX_EXTENDED_LEN: u32 = 2 + BLOCK_SIZE + 1024;

/// One block: piece index, byte offset inside it, length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockRef {
    /// Piece index.
    pub index: u32,
    /// Offset inside the piece.
    pub begin: u32,
    /// Length in bytes (1..=16 KiB).
    pub length: u32,
}

/// A peer wire message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Length 0.
    KeepAlive,
    /// id 0
    Choke,
    /// id 1
    Unchoke,
    /// id 2
    Interested,
    /// id 3
    NotInterested,
    /// id 4: the sender completed and verified this piece.
    Have(u32),
    /// id 5: raw bits; validate with [`super::Bitfield::from_bytes`] once the piece count is known.
    Bitfield(Vec<u8>),
    /// id 6
    Request(BlockRef),
    /// id 7
    Piece {
        /// Piece index.
        index: u32,
        /// Offset inside the piece.
        begin: u32,
        /// The block.
        data: Vec<u8>,
    },
    /// id 8
    Cancel(BlockRef),
    /// id 9: the sender's DHT port.
    Port(u16),
    /// BEP 6 id 0x0D
    Suggest(u32),
    /// BEP 6 id 0x0E
    HaveAll,
    /// BEP 6 id 0x0F
    HaveNone,
    /// BEP 6 id 0x10
    RejectRequest(BlockRef),
    /// BEP 6 id 0x11
    AllowedFast(u32),
    /// BEP 10 id 20: extended message id (0 = handshake) and bencoded payload.
    Extended {
        /// Extended message id.
        id: u8,
        /// Payload after the id.
        payload: Vec<u8>,
    },
}

mod id {
    pub const CHOKE: u8 = 0;
    pub const UNCHOKE: u8 = 1;
    pub const INTERESTED: u8 = 2;
    pub const NOT_INTERESTED: u8 = 3;
    pub const HAVE: u8 = 4;
    pub const BITFIELD: u8 = 5;
    pub const REQUEST: u8 = 6;
    pub const PIECE: u8 = 7;
    pub const CANCEL: u8 = 8;
    pub const PORT: u8 = 9;
    pub const SUGGEST: u8 = 0x0D;
    pub const HAVE_ALL: u8 = 0x0E;
    pub const HAVE_NONE: u8 = 0x0F;
    pub const REJECT_REQUEST: u8 = 0x10;
    pub const ALLOWED_FAST: u8 = 0x11;
    pub const EXTENDED: u8 = 20;
}

fn cap_for(message_id: u8) -> u32 {
    match message_id {
        id::BITFIELD => MAX_BITFIELD_LEN,
        id::EXTENDED => MAX_EXTENDED_LEN,
        _ => MAX_MESSAGE_LEN,
    }
}

fn block_ref(r: &mut Reader<'_>) -> Result<BlockRef, WireError> {
    let b = BlockRef {
        index: r.u32()?,
        begin: r.u32()?,
        length: r.u32()?,
    };
    if b.length == 0 || b.length > BLOCK_SIZE {
        return Err(WireError::invalid(format!(
            "block length {} outside 1..=16384",
            b.length
        )));
    }
    Ok(b)
}

/// A message as read from the input: a PIECE's block (the one large
/// payload) borrowed from it, any other message owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received<'a> {
    /// id 7, the block still in the input.
    Piece {
        /// Piece index.
        index: u32,
        /// Offset in the piece.
        begin: u32,
        /// The block.
        data: &'a [u8],
    },
    /// Any other message.
    Other(Message),
}

impl Received<'_> {
    /// The message, owning its block.
    pub fn into_owned(self) -> Message {
        match self {
            Received::Piece { index, begin, data } => Message::Piece {
                index,
                begin,
                data: data.to_vec(),
            },
            Received::Other(m) => m,
        }
    }
}

impl Message {
    /// Parses one message from the front of `buf`; `Incomplete` until the
    /// whole message has arrived, `Invalid` as soon as a length cap is exceeded.
    pub fn parse(buf: &[u8]) -> Result<(Message, usize), WireError> {
        Self::parse_received(buf).map(|(m, n)| (m.into_owned(), n))
    }

    /// [`Message::parse`] without copying a PIECE's block out of `buf`.
    pub fn parse_received(buf: &[u8]) -> Result<(Received<'_>, usize), WireError> {
        let mut r = Reader::new(buf);
        let len = r.u32()?;
        if len == 0 {
            return Ok((Received::Other(Message::KeepAlive), 4));
        }
        let largest = MAX_MESSAGE_LEN.max(MAX_BITFIELD_LEN).max(MAX_EXTENDED_LEN);
        if len > largest {
            return Err(WireError::invalid(format!(
                "message length {len} over the cap"
            )));
        }
        let message_id = r.peek_u8()?;
        if len > cap_for(message_id) {
            return Err(WireError::invalid(format!(
                "message id {message_id} of length {len} over the cap"
            )));
        }
        let body = r.bytes(len as usize)?;
        let total = 4 + len as usize;
        let mut r = Reader::new(&body[1..]);
        let fixed = |expected: usize| -> Result<(), WireError> {
            if body.len() - 1 != expected {
                return Err(WireError::invalid(format!(
                    "message id {message_id} with {} payload bytes (expected {expected})",
                    body.len() - 1
                )));
            }
            Ok(())
        };
        let msg = match message_id {
            id::CHOKE => fixed(0).map(|_| Message::Choke)?,
            id::UNCHOKE => fixed(0).map(|_| Message::Unchoke)?,
            id::INTERESTED => fixed(0).map(|_| Message::Interested)?,
            id::NOT_INTERESTED => fixed(0).map(|_| Message::NotInterested)?,
            id::HAVE_ALL => fixed(0).map(|_| Message::HaveAll)?,
            id::HAVE_NONE => fixed(0).map(|_| Message::HaveNone)?,
            id::HAVE => {
                fixed(4)?;
                Message::Have(r.u32()?)
            }
            id::SUGGEST => {
                fixed(4)?;
                Message::Suggest(r.u32()?)
            }
            id::ALLOWED_FAST => {
                fixed(4)?;
                Message::AllowedFast(r.u32()?)
            }
            id::BITFIELD => Message::Bitfield(r.rest().to_vec()),
            id::REQUEST => {
                fixed(12)?;
                Message::Request(block_ref(&mut r)?)
            }
            id::CANCEL => {
                fixed(12)?;
                Message::Cancel(block_ref(&mut r)?)
            }
            id::REJECT_REQUEST => {
                fixed(12)?;
                Message::RejectRequest(block_ref(&mut r)?)
            }
            id::PIECE => {
                let index = r
                    .u32()
                    .map_err(|_| WireError::invalid("short piece message"))?;
                let begin = r
                    .u32()
                    .map_err(|_| WireError::invalid("short piece message"))?;
                if r.is_empty() {
                    return Err(WireError::invalid("empty piece block"));
                }
                return Ok((
                    Received::Piece {
                        index,
                        begin,
                        data: r.rest(),
                    },
                    total,
                ));
            }
            id::PORT => {
                fixed(2)?;
                Message::Port(r.u16()?)
            }
            id::EXTENDED => {
                let ext = r
                    .u8()
                    .map_err(|_| WireError::invalid("extended message without id"))?;
                Message::Extended {
                    id: ext,
                    payload: r.rest().to_vec(),
                }
            }
            other => return Err(WireError::invalid(format!("unknown message id {other}"))),
        };
        Ok((Received::Other(msg), total))
    }

    /// Appends the length-prefixed message.
    pub fn emit(&self, out: &mut Vec<u8>) {
        // Room for the whole message at once: a block is copied only once.
        let body = match self {
            Message::Bitfield(b) => b.len(),
            Message::Piece { data, .. } => data.len(),
            Message::Extended { payload, .. } => payload.len(),
            _ => 0,
        };
        out.reserve(4 + 1 + 12 + body);
        let start = out.len();
        out.put_u32(0);
        let put_block = |out: &mut Vec<u8>, message_id: u8, b: &BlockRef| {
            out.put_u8(message_id);
            out.put_u32(b.index);
            out.put_u32(b.begin);
            out.put_u32(b.length);
        };
        match self {
            Message::KeepAlive => {}
            Message::Choke => out.put_u8(id::CHOKE),
            Message::Unchoke => out.put_u8(id::UNCHOKE),
            Message::Interested => out.put_u8(id::INTERESTED),
            Message::NotInterested => out.put_u8(id::NOT_INTERESTED),
            Message::HaveAll => out.put_u8(id::HAVE_ALL),
            Message::HaveNone => out.put_u8(id::HAVE_NONE),
            Message::Have(i) | Message::Suggest(i) | Message::AllowedFast(i) => {
                out.put_u8(match self {
                    Message::Have(_) => id::HAVE,
                    Message::Suggest(_) => id::SUGGEST,
                    _ => id::ALLOWED_FAST,
                });
                out.put_u32(*i);
            }
            Message::Bitfield(bits) => {
                out.put_u8(id::BITFIELD);
                out.extend_from_slice(bits);
            }
            Message::Request(b) => put_block(out, id::REQUEST, b),
            Message::Cancel(b) => put_block(out, id::CANCEL, b),
            Message::RejectRequest(b) => put_block(out, id::REJECT_REQUEST, b),
            Message::Piece { index, begin, data } => put_piece_body(out, *index, *begin, data),
            Message::Port(p) => {
                out.put_u8(id::PORT);
                out.put_u16(*p);
            }
            Message::Extended { id: ext, payload } => {
                out.put_u8(id::EXTENDED);
                out.put_u8(*ext);
                out.extend_from_slice(payload);
            }
        }
        let len = u32::try_from(out.len() - start - 4).unwrap_or(u32::MAX);
        out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    }

    /// Appends a PIECE message carrying `data`, as `emit` would, without
    /// the caller owning the block (an uploader reading from a shared buffer).
    pub fn emit_piece(index: u32, begin: u32, data: &[u8], out: &mut Vec<u8>) {
        out.reserve(PIECE_HEADER_LEN + data.len());
        let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
        Self::emit_piece_header(index, begin, length, out);
        out.extend_from_slice(data);
    }

    /// Appends the first [`PIECE_HEADER_LEN`] bytes of a PIECE message
    /// whose `length`-byte block the caller sends right after them (a
    /// zero-copy uploader: sendfile, or generated content).
    pub fn emit_piece_header(index: u32, begin: u32, length: u32, out: &mut Vec<u8>) {
        out.reserve(PIECE_HEADER_LEN);
        // BEP 3: the length prefix counts the id, index and begin (9 bytes).
        out.put_u32(length.saturating_add(9));
        put_piece_fields(out, index, begin);
    }

    /// The encoded message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.emit(&mut out);
        out
    }
}

/// A PIECE message after its length: id, index, begin, block.
fn put_piece_body(out: &mut Vec<u8>, index: u32, begin: u32, data: &[u8]) {
    put_piece_fields(out, index, begin);
    out.extend_from_slice(data);
}

/// A PIECE message's id, index and begin.
fn put_piece_fields(out: &mut Vec<u8>, index: u32, begin: u32) {
    out.put_u8(id::PIECE);
    out.put_u32(index);
    out.put_u32(begin);
}

/// One line per message, for `--trace` (e.g. `request 3:16384+16384`).
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let block = |b: &BlockRef| format!("{}:{}+{}", b.index, b.begin, b.length);
        match self {
            Message::KeepAlive => write!(f, "keep-alive"),
            Message::Choke => write!(f, "choke"),
            Message::Unchoke => write!(f, "unchoke"),
            Message::Interested => write!(f, "interested"),
            Message::NotInterested => write!(f, "not interested"),
            Message::Have(i) => write!(f, "have {i}"),
            Message::Bitfield(bits) => {
                let set: u32 = bits.iter().map(|b| b.count_ones()).sum();
                write!(f, "bitfield ({set} pieces)")
            }
            Message::Request(b) => write!(f, "request {}", block(b)),
            Message::Piece { index, begin, data } => {
                write!(f, "piece {index}:{begin}+{}", data.len())
            }
            Message::Cancel(b) => write!(f, "cancel {}", block(b)),
            Message::Port(p) => write!(f, "port {p}"),
            Message::Suggest(i) => write!(f, "suggest {i}"),
            Message::HaveAll => write!(f, "have all"),
            Message::HaveNone => write!(f, "have none"),
            Message::RejectRequest(b) => write!(f, "reject {}", block(b)),
            Message::AllowedFast(i) => write!(f, "allowed fast {i}"),
            Message::Extended { id, payload } => {
                write!(f, "extended {id} ({} bytes)", payload.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep3_and_bep6_byte_fixtures() {
        let cases: Vec<(Message, &[u8])> = vec![
            (Message::KeepAlive, &[0, 0, 0, 0]),
            (Message::Choke, &[0, 0, 0, 1, 0]),
            (Message::Unchoke, &[0, 0, 0, 1, 1]),
            (Message::Interested, &[0, 0, 0, 1, 2]),
            (Message::NotInterested, &[0, 0, 0, 1, 3]),
            (Message::Have(0x0102_0304), &[0, 0, 0, 5, 4, 1, 2, 3, 4]),
            (
                Message::Bitfield(vec![0xff, 0x80]),
                &[0, 0, 0, 3, 5, 0xff, 0x80],
            ),
            (
                Message::Request(BlockRef {
                    index: 1,
                    begin: 0x4000,
                    length: 0x4000,
                }),
                &[0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0],
            ),
            (
                Message::Piece {
                    index: 2,
                    begin: 0,
                    data: vec![9, 9],
                },
                &[0, 0, 0, 11, 7, 0, 0, 0, 2, 0, 0, 0, 0, 9, 9],
            ),
            (Message::Port(6881), &[0, 0, 0, 3, 9, 0x1a, 0xe1]),
            (Message::HaveAll, &[0, 0, 0, 1, 0x0e]),
            (Message::HaveNone, &[0, 0, 0, 1, 0x0f]),
            (Message::Suggest(7), &[0, 0, 0, 5, 0x0d, 0, 0, 0, 7]),
            (Message::AllowedFast(7), &[0, 0, 0, 5, 0x11, 0, 0, 0, 7]),
            (
                Message::Extended {
                    id: 0,
                    payload: b"de".to_vec(),
                },
                &[0, 0, 0, 4, 20, 0, b'd', b'e'],
            ),
        ];
        for (msg, bytes) in cases {
            if let Message::Piece { index, begin, data } = &msg {
                // Shared-buffer and zero-copy emitters give the same bytes.
                let mut out = Vec::new();
                Message::emit_piece(*index, *begin, data, &mut out);
                assert_eq!(out, bytes);
                out.clear();
                Message::emit_piece_header(*index, *begin, data.len() as u32, &mut out);
                assert_eq!(out, bytes[..PIECE_HEADER_LEN]);
            }
            assert_eq!(msg.to_bytes(), bytes, "{msg:?}");
            assert_eq!(Message::parse(bytes).unwrap(), (msg.clone(), bytes.len()));
            for n in 0..bytes.len() {
                assert_eq!(
                    Message::parse(&bytes[..n]),
                    Err(WireError::Incomplete),
                    "{msg:?} {n}"
                );
            }
        }
    }

    #[test]
    fn trace_lines() {
        let b = BlockRef {
            index: 3,
            begin: 16384,
            length: 16384,
        };
        assert_eq!(Message::Request(b).to_string(), "request 3:16384+16384");
        assert_eq!(
            Message::Bitfield(vec![0xff, 0x80]).to_string(),
            "bitfield (9 pieces)"
        );
        let piece = Message::Piece {
            index: 1,
            begin: 0,
            data: vec![0; 10],
        };
        assert_eq!(piece.to_string(), "piece 1:0+10");
        assert_eq!(Message::NotInterested.to_string(), "not interested");
    }

    #[test]
    fn caps_and_malformed_messages() {
        let big_request = Message::Request(BlockRef {
            index: 0,
            begin: 0,
            length: BLOCK_SIZE + 1,
        });
        assert!(matches!(
            Message::parse(&big_request.to_bytes()),
            Err(WireError::Invalid(_))
        ));
        let zero = Message::Request(BlockRef {
            index: 0,
            begin: 0,
            length: 0,
        });
        assert!(matches!(
            Message::parse(&zero.to_bytes()),
            Err(WireError::Invalid(_))
        ));
        // A piece message longer than one block + header: rejected from its header alone.
        let mut header = (MAX_MESSAGE_LEN + 1).to_be_bytes().to_vec();
        header.push(7);
        assert!(matches!(
            Message::parse(&header),
            Err(WireError::Invalid(_))
        ));
        assert!(matches!(
            Message::parse(&[0xff, 0xff, 0xff, 0xff]),
            Err(WireError::Invalid(_))
        ));
        // A full block is fine.
        let full = Message::Piece {
            index: 0,
            begin: 0,
            data: vec![0; BLOCK_SIZE as usize],
        };
        assert!(Message::parse(&full.to_bytes()).is_ok());
        // Wrong fixed sizes and unknown ids.
        assert!(matches!(
            Message::parse(&[0, 0, 0, 2, 0, 0]),
            Err(WireError::Invalid(_))
        ));
        assert!(matches!(
            Message::parse(&[0, 0, 0, 4, 4, 0, 0, 0]),
            Err(WireError::Invalid(_))
        ));
        assert!(matches!(
            Message::parse(&[0, 0, 0, 1, 99]),
            Err(WireError::Invalid(_))
        ));
        assert!(matches!(
            Message::parse(&[0, 0, 0, 9, 7, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(WireError::Invalid(_))
        ));
        assert!(matches!(
            Message::parse(&[0, 0, 0, 1, 20]),
            Err(WireError::Invalid(_))
        ));
    }
}
