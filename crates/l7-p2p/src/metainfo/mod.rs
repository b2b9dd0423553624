//! Metainfo (.torrent files): BEP 3 single- and multi-file torrents, BEP 12
//! announce-list, BEP 27 private flag; the [`InfoHash`], magnet links
//! (BEP 9), the piece/file [`Layout`] and the [`TorrentBuilder`].

mod builder;
mod info_hash;
mod layout;
mod magnet;
mod path;
mod torrent;

pub use builder::{BuildError, TorrentBuilder, hash_piece};
pub use info_hash::InfoHash;
pub use layout::{FileSpan, Layout};
pub use magnet::magnet_link;
pub use path::validate_component;
pub use torrent::{FileEntry, Info, Metainfo};

use crate::bencode::BencodeError;

/// Why a .torrent file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetainfoError {
    /// Not valid, strict bencode.
    #[error("not valid bencode: {0}")]
    Bencode(#[from] BencodeError),
    /// A required key is absent or has the wrong type.
    #[error("missing or mistyped field `{0}`")]
    Field(&'static str),
    /// A path component that could escape the download directory.
    #[error("unsafe path component {0:?}")]
    UnsafePath(String),
    /// Fields that contradict each other (piece count, lengths...).
    #[error("inconsistent metainfo: {0}")]
    Inconsistent(String),
}
