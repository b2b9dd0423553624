//! Pieces on disk (synchronous; drivers call it on blocking threads): the
//! torrent's files laid out under a download directory ([`Storage`]), and
//! the resume file recording verified pieces ([`resume`]). Ordering rule: a
//! piece's data is fsynced before the resume file lists it, and the resume
//! file is replaced atomically, so after a crash every listed piece is on
//! disk.

mod files;
pub mod resume;

pub use files::Storage;
