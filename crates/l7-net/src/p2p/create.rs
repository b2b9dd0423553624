//! Making a torrent from files on disk: list a file or a directory tree
//! (sorted, so the same tree always gives the same info-hash), then hash the
//! pieces on every core — pieces are independent, so threads take batches
//! of consecutive pieces from a shared counter and read them with positioned
//! reads. The metainfo itself is built by l7-p2p's [`TorrentBuilder`].

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use l7_p2p::metainfo::{Layout, MetainfoError, TorrentBuilder, hash_piece};

/// Pieces a hashing thread claims at once (consecutive, so reads stay sequential).
const BATCH: u32 = 16;

/// Why a torrent could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Reading the files failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// Which file or directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// A name that cannot go into a torrent, or no files at all.
    #[error("{0} — rename it or pick another path")]
    Metainfo(#[from] MetainfoError),
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> CreateError + '_ {
    move |source| CreateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The files a torrent will hold, in torrent order.
#[derive(Debug, Clone)]
pub struct Source {
    /// The torrent's name: the file's or directory's own name.
    pub name: String,
    /// On-disk path, `/`-separated path inside the torrent, length.
    pub files: Vec<(PathBuf, String, u64)>,
    /// A single file rather than a directory.
    pub single: bool,
}

impl Source {
    /// Lists `path`: one file, or every regular file below a directory
    /// (symbolic links are followed; entries sorted by name at each level).
    pub fn scan(path: &Path) -> Result<Source, CreateError> {
        let meta = fs::metadata(path).map_err(at(path))?;
        let name = path
            .canonicalize()
            .map_err(at(path))?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files = Vec::new();
        if meta.is_file() {
            files.push((path.to_path_buf(), name.clone(), meta.len()));
        } else {
            walk(path, "", &mut files)?;
        }
        Ok(Source {
            name,
            single: meta.is_file(),
            files,
        })
    }

    /// A builder for these files (trackers and flags are added by the caller).
    pub fn builder(&self) -> Result<TorrentBuilder, MetainfoError> {
        if self.single {
            return TorrentBuilder::single_file(&self.name, self.files[0].2);
        }
        let list: Vec<(String, u64)> = self
            .files
            .iter()
            .map(|(_, inside, len)| (inside.clone(), *len))
            .collect();
        TorrentBuilder::multi_file(&self.name, &list)
    }

    /// Total bytes.
    pub fn total_length(&self) -> u64 {
        self.files.iter().map(|f| f.2).sum()
    }
}

fn walk(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(PathBuf, String, u64)>,
) -> Result<(), CreateError> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(at(dir))?
        .collect::<Result<_, _>>()
        .map_err(at(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let inside = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let meta = fs::metadata(&path).map_err(at(&path))?;
        if meta.is_dir() {
            walk(&path, &inside, out)?;
        } else if meta.is_file() {
            out.push((path, inside, meta.len()));
        }
    }
    Ok(())
}

/// SHA-1 of every piece of `files` (laid out by `layout`), on `threads` threads.
pub fn hash_pieces(
    files: &[PathBuf],
    layout: &Layout,
    threads: usize,
) -> Result<Vec<[u8; 20]>, CreateError> {
    let count = layout.piece_count();
    let next = AtomicU32::new(0);
    let hashes = Mutex::new(vec![[0u8; 20]; count as usize]);
    let worker = || -> Result<(), CreateError> {
        let handles = files
            .iter()
            .map(|p| File::open(p).map_err(at(p)))
            .collect::<Result<Vec<_>, _>>()?;
        // One buffer per thread, filled in place (never zeroed again).
        let mut buf = vec![0u8; layout.piece_length() as usize];
        let mut done = Vec::with_capacity(BATCH as usize);
        loop {
            let first = next.fetch_add(BATCH, Ordering::Relaxed);
            if first >= count {
                return Ok(());
            }
            done.clear();
            for index in first..(first + BATCH).min(count) {
                let mut len = 0;
                for span in layout.piece_spans(index) {
                    let end = len + span.len as usize;
                    handles[span.file_index]
                        .read_exact_at(&mut buf[len..end], span.file_offset)
                        .map_err(at(&files[span.file_index]))?;
                    len = end;
                }
                done.push((index, hash_piece(&buf[..len])));
            }
            let mut all = hashes.lock().unwrap_or_else(|p| p.into_inner());
            for (i, h) in &done {
                all[*i as usize] = *h;
            }
        }
    };
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1)).map(|_| s.spawn(worker)).collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })?;
    Ok(hashes.into_inner().unwrap_or_else(|p| p.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_hashes_match_sequential_across_file_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        fs::create_dir_all(root.join("b")).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        fs::write(root.join("a.bin"), &data[..30_000]).unwrap();
        fs::write(root.join("b/c.bin"), &data[30_000..]).unwrap();
        fs::write(root.join("b/empty"), b"").unwrap();
        let src = Source::scan(&root).unwrap();
        let inside: Vec<&str> = src.files.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(inside, ["a.bin", "b/c.bin", "b/empty"]);
        assert_eq!(src.name, "tree");
        let b = src.builder().unwrap().piece_length(16384).unwrap();
        let layout = b.layout();
        let paths: Vec<PathBuf> = src.files.iter().map(|f| f.0.clone()).collect();
        let parallel = hash_pieces(&paths, &layout, 3).unwrap();
        let expected: Vec<[u8; 20]> = data.chunks(16384).map(hash_piece).collect();
        assert_eq!(parallel, expected);
    }
}
