//! PUT and DELETE for `--allow-upload`: an upload is written to a temporary
//! file beside its target, synced, and renamed over it, so a reader sees the
//! old file or the new one, never a mix; 201 when it created the file, 204
//! when it replaced one (RFC 9110 §9.3.4).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::path::{SafePath, confine, confine_new};

static NEXT_TMP: AtomicU64 = AtomicU64::new(0);

/// An upload in progress.
#[derive(Debug)]
pub struct Upload {
    tmp: PathBuf,
    target: PathBuf,
    file: File,
    existed: bool,
}

impl Upload {
    /// Starts writing `path` under the canonical `root`. Fails when the
    /// parent directory is missing or outside the root, or the target is a
    /// directory.
    pub fn begin(root: &Path, path: &SafePath) -> io::Result<Upload> {
        if path.segments.is_empty() || path.trailing_slash {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "cannot upload a directory",
            ));
        }
        let target = confine_new(root, &path.relative())?;
        let existed = match std::fs::metadata(&target) {
            Ok(m) if m.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "target is a directory",
                ));
            }
            Ok(_) => true,
            Err(_) => false,
        };
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("upload");
        let n = NEXT_TMP.fetch_add(1, Ordering::Relaxed);
        let tmp = target.with_file_name(format!(".{name}.{}.{n}.l7tmp", std::process::id()));
        let file = File::create_new(&tmp)?;
        Ok(Upload {
            tmp,
            target,
            file,
            existed,
        })
    }

    /// Appends body bytes.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.file.write_all(data)
    }

    /// Syncs and renames into place; returns 201 (created) or 204 (replaced).
    pub fn commit(self) -> io::Result<u16> {
        self.file.sync_all()?;
        std::fs::rename(&self.tmp, &self.target)?;
        Ok(if self.existed { 204 } else { 201 })
    }

    /// Drops the partial upload (client went away, body too large).
    pub fn abort(self) {
        // Best effort: the file is a private temporary.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Deletes the regular file at `path` under the canonical `root`.
pub fn delete(root: &Path, path: &SafePath) -> io::Result<()> {
    let target = confine(root, &path.relative())?;
    if std::fs::metadata(&target)?.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "will not delete a directory",
        ));
    }
    std::fs::remove_file(target)
}
