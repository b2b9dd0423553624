//! The torrent's files under a directory, read and written through the
//! piece/file [`Layout`]. Downloading ([`Storage::create`]) creates missing
//! files sparse at full length (`set_len`); seeding existing data
//! ([`Storage::open_existing`]) opens them read-only and never changes them.
//! Paths come from validated metainfo components, so nothing is ever written
//! outside the directory.
//!
//! Durability: [`Storage::write_piece`] only writes; [`Storage::sync`]
//! fsyncs the files written since the last sync and only then lists those
//! pieces in the resume file (replaced atomically). Drivers call `sync`
//! every second or so and before exiting, which amortises the fsyncs.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::resume;
use crate::metainfo::{InfoHash, Layout, Metainfo, hash_piece};
use crate::peer_wire::Bitfield;

/// A torrent's data on disk plus its resume file.
#[derive(Debug)]
pub struct Storage {
    paths: Vec<PathBuf>,
    handles: Vec<File>,
    writable: bool,
    /// Files that existed at full length before we opened them.
    preexisting: Vec<bool>,
    layout: Layout,
    info_hash: InfoHash,
    piece_hashes: Vec<[u8; 20]>,
    resume_path: PathBuf,
    /// Synced and listed in the resume file.
    verified: Bitfield,
    /// Written since the last sync.
    unsynced: BTreeSet<u32>,
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

impl Storage {
    /// For downloading: opens the files of `metainfo` under `dir`, creating
    /// directories and sparse full-length files as needed. The resume file
    /// lives at `resume_path`.
    pub fn create(dir: &Path, metainfo: &Metainfo, resume_path: &Path) -> io::Result<Storage> {
        Self::open(dir, metainfo, resume_path, true)
    }

    /// For seeding data that is already there: every file must exist at its
    /// exact length; files are opened read-only.
    pub fn open_existing(
        dir: &Path,
        metainfo: &Metainfo,
        resume_path: &Path,
    ) -> io::Result<Storage> {
        Self::open(dir, metainfo, resume_path, false)
    }

    fn open(
        dir: &Path,
        metainfo: &Metainfo,
        resume_path: &Path,
        writable: bool,
    ) -> io::Result<Storage> {
        let layout = metainfo.info.layout();
        let mut paths = Vec::new();
        let mut handles = Vec::new();
        let mut preexisting = Vec::new();
        for (components, length) in metainfo.info.file_list() {
            let path = components.iter().fold(dir.to_path_buf(), |p, c| p.join(c));
            let intact = fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == length);
            let f = if writable {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)?;
                // Sparse: the file system allocates blocks only when written.
                if !intact {
                    f.set_len(length)?;
                }
                f
            } else if intact {
                File::open(&path)?
            } else {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} is missing or not {length} bytes long", path.display()),
                ));
            };
            preexisting.push(intact);
            paths.push(path);
            handles.push(f);
        }
        Ok(Storage {
            paths,
            handles,
            writable,
            preexisting,
            verified: Bitfield::new(layout.piece_count()),
            unsynced: BTreeSet::new(),
            layout,
            info_hash: metainfo.info_hash,
            piece_hashes: metainfo.info.pieces.clone(),
            resume_path: resume_path.to_path_buf(),
        })
    }

    /// Paths of the files, in torrent order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Pieces synced to disk and listed in the resume file.
    pub fn verified(&self) -> &Bitfield {
        &self.verified
    }

    /// Reads `len` bytes at `begin` inside piece `index`.
    pub fn read_block(&self, index: u32, begin: u32, len: u32) -> io::Result<Vec<u8>> {
        if index >= self.layout.piece_count()
            || u64::from(begin) + u64::from(len) > self.layout.piece_size(index)
        {
            return Err(invalid("block outside the torrent"));
        }
        let mut out = vec![0; len as usize];
        let mut at = 0;
        for span in self
            .layout
            .block_spans(index, u64::from(begin), u64::from(len))
        {
            let n = span.len as usize;
            self.handles[span.file_index].read_exact_at(&mut out[at..at + n], span.file_offset)?;
            at += n;
        }
        Ok(out)
    }

    /// Writes a verified piece (not yet durable: see [`Storage::sync`]).
    pub fn write_piece(&mut self, index: u32, data: &[u8]) -> io::Result<()> {
        if !self.writable {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "storage opened for seeding only",
            ));
        }
        if index >= self.layout.piece_count() || data.len() as u64 != self.layout.piece_size(index)
        {
            return Err(invalid("piece of the wrong size"));
        }
        let mut at = 0;
        for span in self.layout.piece_spans(index) {
            let n = span.len as usize;
            self.handles[span.file_index].write_all_at(&data[at..at + n], span.file_offset)?;
            at += n;
        }
        self.unsynced.insert(index);
        Ok(())
    }

    /// Makes written pieces durable: fsyncs the files they touch, then lists
    /// them in the resume file (atomically) — in that order. Returns them.
    pub fn sync(&mut self) -> io::Result<Vec<u32>> {
        if self.unsynced.is_empty() {
            return Ok(Vec::new());
        }
        let files: BTreeSet<usize> = self
            .unsynced
            .iter()
            .flat_map(|&i| self.layout.piece_spans(i))
            .map(|s| s.file_index)
            .collect();
        for f in files {
            self.handles[f].sync_data()?;
        }
        let synced: Vec<u32> = std::mem::take(&mut self.unsynced).into_iter().collect();
        synced.iter().for_each(|&i| self.verified.set(i));
        resume::write(&self.resume_path, self.info_hash, &self.verified)?;
        Ok(synced)
    }

    /// Finds the verified pieces after a (re)start. Pieces listed in the
    /// resume file are trusted without reading them (their data was synced
    /// before they were listed), unless a file they touch was missing or
    /// short when opened; every other piece whose files were intact is hashed
    /// from disk. Returns the verified set (and rewrites the resume file if it changed).
    pub fn recheck(&mut self) -> io::Result<&Bitfield> {
        let n = self.layout.piece_count();
        let trusted =
            resume::read(&self.resume_path, self.info_hash, n).unwrap_or_else(|| Bitfield::new(n));
        let mut verified = Bitfield::new(n);
        for index in 0..n {
            let files_intact = self
                .layout
                .piece_spans(index)
                .iter()
                .all(|s| self.preexisting[s.file_index]);
            if !files_intact {
                continue;
            }
            if trusted.get(index) {
                verified.set(index);
            } else {
                let size = self.layout.piece_size(index) as u32;
                if hash_piece(&self.read_block(index, 0, size)?)
                    == self.piece_hashes[index as usize]
                {
                    verified.set(index);
                }
            }
        }
        let changed = verified != trusted;
        self.verified = verified;
        if changed {
            resume::write(&self.resume_path, self.info_hash, &self.verified)?;
        }
        Ok(&self.verified)
    }
}
