//! Creating a torrent: the caller lists files as (relative path, length),
//! reads each piece's bytes (through [`Layout::piece_spans`]) and hashes them
//! with [`hash_piece`] — pieces are independent, so a driver can hash them in
//! parallel across cores — then hands the hashes to [`TorrentBuilder::build`].

use sha1::{Digest, Sha1};

use super::path::validate_component;
use super::torrent::MAX_PIECE_LENGTH;
use super::{FileEntry, FileSpan, Info, InfoHash, Layout, Metainfo, MetainfoError};

/// SHA-1 of one piece (BEP 3 `pieces`).
pub fn hash_piece(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// Describes a torrent to create.
#[derive(Debug, Clone)]
pub struct TorrentBuilder {
    name: String,
    /// `None`: single file of `single_length` bytes.
    files: Option<Vec<FileEntry>>,
    single_length: u64,
    piece_length: u64,
    trackers: Vec<String>,
    private: bool,
    comment: Option<String>,
    created_by: Option<String>,
    creation_date: Option<i64>,
}

impl TorrentBuilder {
    /// Default piece length: 256 KiB (the course's chunk size).
    pub const DEFAULT_PIECE_LENGTH: u64 = 256 * 1024;

    /// A single-file torrent.
    pub fn single_file(name: &str, length: u64) -> Result<Self, MetainfoError> {
        validate_component(name)?;
        Ok(Self::new(name, None, length))
    }

    /// A multi-file torrent: a directory `name` holding `files`, each a
    /// `/`-separated relative path and a length, in torrent order.
    pub fn multi_file(name: &str, files: &[(String, u64)]) -> Result<Self, MetainfoError> {
        validate_component(name)?;
        if files.is_empty() {
            return Err(MetainfoError::Inconsistent("no files".into()));
        }
        let entries = files
            .iter()
            .map(|(path, length)| {
                let path: Vec<String> = path.split('/').map(str::to_string).collect();
                path.iter().try_for_each(|c| validate_component(c))?;
                Ok(FileEntry {
                    path,
                    length: *length,
                })
            })
            .collect::<Result<Vec<_>, MetainfoError>>()?;
        Ok(Self::new(name, Some(entries), 0))
    }

    fn new(name: &str, files: Option<Vec<FileEntry>>, single_length: u64) -> Self {
        TorrentBuilder {
            name: name.to_string(),
            files,
            single_length,
            piece_length: Self::DEFAULT_PIECE_LENGTH,
            trackers: Vec::new(),
            private: false,
            comment: None,
            created_by: None,
            creation_date: None,
        }
    }

    /// Sets the piece length (1 B ..= 64 MiB).
    pub fn piece_length(mut self, n: u64) -> Result<Self, MetainfoError> {
        if n == 0 || n > MAX_PIECE_LENGTH {
            return Err(MetainfoError::Inconsistent(format!("piece length {n}")));
        }
        self.piece_length = n;
        Ok(self)
    }

    /// Adds a tracker: the first is `announce`; with several, each gets its own BEP 12 tier.
    pub fn tracker(mut self, url: &str) -> Self {
        self.trackers.push(url.to_string());
        self
    }

    /// Sets the BEP 27 private flag.
    pub fn private(mut self, private: bool) -> Self {
        self.private = private;
        self
    }

    /// Sets `comment`.
    pub fn comment(mut self, c: &str) -> Self {
        self.comment = Some(c.to_string());
        self
    }

    /// Sets `created by`.
    pub fn created_by(mut self, c: &str) -> Self {
        self.created_by = Some(c.to_string());
        self
    }

    /// Sets `creation date` (seconds since the Unix epoch, supplied by the caller).
    pub fn creation_date(mut self, t: i64) -> Self {
        self.creation_date = Some(t);
        self
    }

    fn info(&self, pieces: Vec<[u8; 20]>) -> Info {
        Info {
            name: self.name.clone(),
            piece_length: self.piece_length,
            pieces,
            private: self.private,
            files: self.files.clone(),
            length: self.single_length,
        }
    }

    /// The geometry: which file spans each piece covers.
    pub fn layout(&self) -> Layout {
        self.info(Vec::new()).layout()
    }

    /// Builds the metainfo from the piece hashes, in piece order.
    pub fn build(self, pieces: Vec<[u8; 20]>) -> Result<Metainfo, MetainfoError> {
        let expected = self.layout().piece_count() as usize;
        if pieces.len() != expected {
            return Err(MetainfoError::Inconsistent(format!(
                "{} piece hashes given, {expected} pieces",
                pieces.len()
            )));
        }
        let info = self.info(pieces);
        let info_hash = InfoHash::of_info_bytes(&info.to_value().to_bytes());
        let announce_list = if self.trackers.len() > 1 {
            self.trackers.iter().map(|t| vec![t.clone()]).collect()
        } else {
            Vec::new()
        };
        Ok(Metainfo {
            announce: self.trackers.first().cloned(),
            announce_list,
            comment: self.comment,
            created_by: self.created_by,
            creation_date: self.creation_date,
            info,
            info_hash,
        })
    }

    /// Sequential convenience: reads every piece through `read(span, buf)`
    /// (fill `buf` with the span's bytes) and builds.
    pub fn build_reading<E>(
        self,
        mut read: impl FnMut(FileSpan, &mut [u8]) -> Result<(), E>,
    ) -> Result<Metainfo, BuildError<E>> {
        let layout = self.layout();
        let mut buf = Vec::new();
        let mut hashes = Vec::with_capacity(layout.piece_count() as usize);
        for index in 0..layout.piece_count() {
            buf.clear();
            for span in layout.piece_spans(index) {
                let at = buf.len();
                buf.resize(at + span.len as usize, 0);
                read(span, &mut buf[at..]).map_err(BuildError::Read)?;
            }
            hashes.push(hash_piece(&buf));
        }
        self.build(hashes).map_err(BuildError::Metainfo)
    }
}

/// A failure of [`TorrentBuilder::build_reading`].
#[derive(Debug, thiserror::Error)]
pub enum BuildError<E> {
    /// The caller's reader failed.
    #[error("reading file data: {0}")]
    Read(E),
    /// The description was inconsistent.
    #[error(transparent)]
    Metainfo(MetainfoError),
}
