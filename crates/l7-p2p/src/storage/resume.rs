//! The resume file: a bencoded dictionary `{info_hash, piece_count, pieces}`
//! (pieces as a BEP 3 bitfield) listing verified pieces whose data is synced
//! to disk. Written atomically: temporary file, fsync, rename over the old
//! one, fsync of the directory.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use crate::bencode::{self, Value};
use crate::metainfo::InfoHash;
use crate::peer_wire::Bitfield;

/// Writes the resume file for `info_hash` atomically.
pub fn write(path: &Path, info_hash: InfoHash, verified: &Bitfield) -> io::Result<()> {
    let body = Value::dict([
        ("info_hash", Value::bytes(info_hash.0)),
        ("piece_count", Value::Int(i64::from(verified.len()))),
        ("pieces", Value::bytes(verified.as_bytes())),
    ])
    .to_bytes();
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Reads the resume file; `None` if absent, unreadable, or for another torrent or geometry.
pub fn read(path: &Path, info_hash: InfoHash, piece_count: u32) -> Option<Bitfield> {
    let bytes = fs::read(path).ok()?;
    let v = bencode::decode(&bytes).ok()?;
    if v.get("info_hash")?.as_bytes()? != info_hash.0
        || v.get("piece_count")?.as_int()? != i64::from(piece_count)
    {
        return None;
    }
    Bitfield::from_bytes(v.get("pieces")?.as_bytes()?, piece_count).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.resume");
        let mut b = Bitfield::new(10);
        b.set(3);
        write(&path, InfoHash([1; 20]), &b).unwrap();
        assert_eq!(read(&path, InfoHash([1; 20]), 10), Some(b));
        assert_eq!(read(&path, InfoHash([2; 20]), 10), None);
        assert_eq!(read(&path, InfoHash([1; 20]), 11), None);
        assert!(!path.with_extension("tmp").exists());
        fs::write(&path, b"garbage").unwrap();
        assert_eq!(read(&path, InfoHash([1; 20]), 10), None);
    }
}
