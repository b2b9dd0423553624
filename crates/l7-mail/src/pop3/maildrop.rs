//! The maildrop a POP3 session works on (RFC 1939 §3): a snapshot of one
//! Maildir's `new/` and `cur/` taken at login, numbered from 1 in delivery
//! order. Messages marked deleted are removed only by [`Maildrop::update`],
//! which the session calls in the UPDATE state after QUIT — a connection
//! that drops or is killed never deletes anything.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Longest unique-id listing allowed by RFC 1939 §7 (UIDL).
pub const MAX_UID_LEN: usize = 70;
/// Most messages one session lists; later ones wait for the next session.
pub const MAX_MESSAGES: usize = 100_000;

/// One message of the maildrop.
#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    uid: String,
    size: u64,
    deleted: bool,
}

/// A locked user's messages, as the session sees them.
#[derive(Debug, Clone)]
pub struct Maildrop {
    root: PathBuf,
    entries: Vec<Entry>,
}

/// The message text as it goes on the wire: every bare LF becomes CRLF and
/// a non-empty message ends with CRLF (RFC 1939 §3: lines end in CRLF).
pub fn to_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 32 + 2);
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The Maildir unique name of a file: its name up to the `:2,` info part.
pub fn unique_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.split(':').next().unwrap_or_default().to_string()
}

/// A UIDL value: the unique name with anything outside 0x21..0x7E replaced
/// (RFC 1939 §7), kept within [`MAX_UID_LEN`] characters.
fn uid_of(path: &Path) -> String {
    let name: String = unique_name(path)
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    let skip = name.len().saturating_sub(MAX_UID_LEN);
    name[skip..].to_string()
}

/// The message files of one Maildir subdirectory with their sizes on
/// disk (dot files skipped; a missing directory is empty).
fn files_in(dir: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let meta = e.metadata().ok().filter(fs::Metadata::is_file)?;
                Some((e.path(), meta.len()))
            })
            .filter(|(p, _)| !unique_name(p).starts_with('.'))
            .collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The messages of the Maildir at `root` (`cur/` and `new/`) with their
/// sizes on disk, oldest first: unique names start with the delivery time.
/// The scan POP3's maildrop and IMAP's mailbox both start from.
pub fn message_files(root: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
    let mut paths = files_in(&root.join("cur"))?;
    paths.extend(files_in(&root.join("new"))?);
    paths.sort_by_cached_key(|(p, _)| unique_name(p));
    Ok(paths)
}

impl Maildrop {
    /// Takes the snapshot of the Maildir at `root` (missing is empty).
    pub fn open(root: &Path) -> io::Result<Maildrop> {
        let mut paths = message_files(root)?;
        paths.truncate(MAX_MESSAGES);
        let mut entries = Vec::with_capacity(paths.len());
        for (path, _) in paths {
            let Ok(raw) = fs::read(&path) else {
                continue; // moved or removed since the listing
            };
            entries.push(Entry {
                uid: uid_of(&path),
                size: to_crlf(&raw).len() as u64,
                path,
                deleted: false,
            });
        }
        Ok(Maildrop {
            root: root.to_path_buf(),
            entries,
        })
    }

    fn entry(&self, n: u32) -> Option<&Entry> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        self.entries.get(i).filter(|e| !e.deleted)
    }

    /// Number and total size of the messages not marked deleted (STAT).
    pub fn stat(&self) -> (usize, u64) {
        self.live()
            .fold((0, 0), |(n, s), (_, size, _)| (n + 1, s + size))
    }

    /// `(number, size, uid)` of every message not marked deleted.
    pub fn live(&self) -> impl Iterator<Item = (u32, u64, &str)> {
        self.entries
            .iter()
            .zip(1u32..)
            .filter(|(e, _)| !e.deleted)
            .map(|(e, n)| (n, e.size, e.uid.as_str()))
    }

    /// Size and uid of message `n`, unless absent or deleted.
    pub fn info(&self, n: u32) -> Option<(u64, &str)> {
        self.entry(n).map(|e| (e.size, e.uid.as_str()))
    }

    /// The text of message `n` with CRLF line ends, `None` if no such
    /// message (or it was deleted).
    pub fn read(&self, n: u32) -> Option<io::Result<Vec<u8>>> {
        let entry = self.entry(n)?;
        Some(
            self.locate(entry)
                .and_then(fs::read)
                .map(|raw| to_crlf(&raw)),
        )
    }

    /// The file of an entry, found again by its unique name if another
    /// reader (IMAP) moved it from `new/` to `cur/` or changed its flags.
    fn locate(&self, entry: &Entry) -> io::Result<PathBuf> {
        if entry.path.exists() {
            return Ok(entry.path.clone());
        }
        let wanted = unique_name(&entry.path);
        for sub in ["cur", "new"] {
            if let Some((p, _)) = files_in(&self.root.join(sub))?
                .into_iter()
                .find(|(p, _)| unique_name(p) == wanted)
            {
                return Ok(p);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "the message was removed by another session",
        ))
    }

    /// Marks message `n` deleted; false if absent or already deleted.
    pub fn mark_deleted(&mut self, n: u32) -> bool {
        let Some(i) = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)) else {
            return false;
        };
        match self.entries.get_mut(i) {
            Some(e) if !e.deleted => {
                e.deleted = true;
                true
            }
            _ => false,
        }
    }

    /// Unmarks every message (RSET).
    pub fn unmark_all(&mut self) {
        self.entries.iter_mut().for_each(|e| e.deleted = false);
    }

    /// The UPDATE state (RFC 1939 §6): removes the messages marked deleted
    /// and returns how many were removed. A message already gone counts as
    /// removed.
    pub fn update(&self) -> io::Result<usize> {
        let mut removed = 0;
        for entry in self.entries.iter().filter(|e| e.deleted) {
            match self.locate(entry).and_then(fs::remove_file) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => removed += 1,
                Err(e) => return Err(e),
            }
        }
        for sub in ["cur", "new"] {
            let dir = self.root.join(sub);
            if dir.is_dir() {
                crate::store::sync_dir(&dir)?;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Maildir, UniqueName};

    #[test]
    fn crlf_and_uids() {
        assert_eq!(to_crlf(b"a\nb\r\nc"), b"a\r\nb\r\nc\r\n");
        assert_eq!(to_crlf(b""), b"");
        assert_eq!(
            uid_of(Path::new("/m/cur/1700000000.1_2.host:2,S")),
            "1700000000.1_2.host"
        );
        assert_eq!(uid_of(Path::new("a b")), "a_b");
        assert_eq!(uid_of(Path::new(&"x".repeat(100))).len(), MAX_UID_LEN);
    }

    #[test]
    fn snapshot_marks_and_update() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::create(dir.path()).unwrap();
        md.deliver(&UniqueName::new(2, 1, 1, "h"), b"Subject: two\n\nb\n")
            .unwrap();
        md.deliver(&UniqueName::new(1, 1, 1, "h"), b"Subject: one\r\n\r\na\r\n")
            .unwrap();
        let mut drop = Maildrop::open(dir.path()).unwrap();
        assert_eq!(drop.stat(), (2, 19 + 19));
        assert_eq!(drop.info(1).unwrap().1, "1.1_1.h");
        assert_eq!(drop.read(2).unwrap().unwrap(), b"Subject: two\r\n\r\nb\r\n");
        assert!(drop.mark_deleted(1) && !drop.mark_deleted(1) && !drop.mark_deleted(3));
        assert!(drop.read(1).is_none());
        assert_eq!(drop.stat(), (1, 19));
        drop.unmark_all();
        assert_eq!(drop.stat().0, 2);
        drop.mark_deleted(2);
        // Another reader moves the message to cur/ with flags: still found.
        let moved = dir.path().join("cur/2.1_1.h:2,S");
        fs::rename(dir.path().join("new/2.1_1.h"), &moved).unwrap();
        assert_eq!(drop.update().unwrap(), 1);
        assert!(!moved.exists());
        assert_eq!(Maildrop::open(dir.path()).unwrap().stat().0, 1);
    }
}
