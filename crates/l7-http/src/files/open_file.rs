//! [`OpenFile`]: a regular file the file server holds open between
//! requests (as nginx's `open_file_cache` does), shared by every response
//! that sends it, together with its bytes when the server also keeps them
//! in memory.
//!
//! A response body over an open file ([`super::Body::Open`]) tells the
//! driver it may send the range without copying it through user space:
//! [`super::Body::zero_copy`] hands out the file and range for sendfile(2)
//! when the range is at least [`ZERO_COPY_MIN`] bytes. A driver that cannot
//! (TLS, HTTP/2, content coding done in memory) slices the kept bytes or
//! reads the range with one positioned read, never reopening the path.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use bytes::Bytes;

/// Ranges this long and longer go by sendfile(2) on a plain TCP socket;
/// shorter ones cost less as one write from memory, head included.
pub const ZERO_COPY_MIN: u64 = 16 * 1024;

#[derive(Debug)]
struct Inner {
    file: File,
    len: u64,
    content: Option<Bytes>,
}

/// An open regular file of `len` bytes, cheap to clone.
#[derive(Debug, Clone)]
pub struct OpenFile(Arc<Inner>);

impl OpenFile {
    /// Wraps `file`, which had `len` bytes when it was checked; `content`
    /// is its whole content when kept in memory.
    pub(super) fn new(file: File, len: u64, content: Option<Bytes>) -> Self {
        OpenFile(Arc::new(Inner { file, len, content }))
    }

    /// The open file, for sendfile(2).
    pub fn file(&self) -> &File {
        &self.0.file
    }

    /// The file's length when it was checked.
    pub fn len(&self) -> u64 {
        self.0.len
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// Bytes `offset..offset + len` from memory, when the file's bytes are
    /// kept there (the range must lie within the file).
    pub fn bytes(&self, offset: u64, len: u64) -> Option<Bytes> {
        let c = self.0.content.as_ref()?;
        let end = offset.checked_add(len)?;
        (end <= c.len() as u64).then(|| c.slice(offset as usize..end as usize))
    }

    /// Reads bytes `offset..offset + len`: from memory when kept, else by
    /// one positioned read (an error if the file has shrunk since).
    pub fn read_at(&self, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        if let Some(b) = self.bytes(offset, len) {
            return Ok(b.to_vec());
        }
        let mut out = vec![0u8; usize::try_from(len).map_err(io::Error::other)?];
        self.0.file.read_exact_at(&mut out, offset).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(e.kind(), "file shrank while serving")
            } else {
                e
            }
        })?;
        Ok(out)
    }
}

/// Two handles are equal when they share one open file.
impl PartialEq for OpenFile {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for OpenFile {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_come_from_memory_or_the_file_and_agree() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        std::fs::write(&path, &data).unwrap();
        let on_disk = OpenFile::new(File::open(&path).unwrap(), 70_000, None);
        let in_memory = OpenFile::new(
            File::open(&path).unwrap(),
            70_000,
            Some(Bytes::from(data.clone())),
        );
        assert_eq!(on_disk.bytes(0, 10), None);
        for (offset, len) in [(0, 70_000), (5, 1), (69_999, 1), (1000, 20_000)] {
            let want = &data[offset as usize..(offset + len) as usize];
            assert_eq!(on_disk.read_at(offset, len).unwrap(), want);
            assert_eq!(in_memory.read_at(offset, len).unwrap(), want);
            assert_eq!(in_memory.bytes(offset, len).unwrap(), want);
        }
        assert_eq!(in_memory.bytes(69_999, 2), None);
        assert_eq!(in_memory.bytes(u64::MAX, 2), None);
        let err = on_disk.read_at(69_990, 20).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(on_disk, on_disk.clone());
        assert_ne!(on_disk, in_memory);
    }
}
