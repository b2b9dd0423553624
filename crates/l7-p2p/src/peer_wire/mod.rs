//! The peer wire protocol (BEP 3): the handshake, length-prefixed messages,
//! the Fast extension (BEP 6), the extension protocol (BEP 10) with its
//! handshake and ut_pex (BEP 11), and the piece [`Bitfield`].

mod bitfield;
mod extended;
mod handshake;
mod message;

pub use bitfield::Bitfield;
pub use extended::{ExtendedHandshake, PexMessage, UT_PEX};
pub use handshake::Handshake;
pub use message::{
    BLOCK_SIZE, BlockRef, MAX_BITFIELD_LEN, MAX_EXTENDED_LEN, MAX_MESSAGE_LEN, Message,
    PIECE_HEADER_LEN, Received,
};
