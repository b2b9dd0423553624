//! Maildir delivery (the qmail maildir(5) layout) with Maildir++ folders:
//! a message is written to `tmp/` under a unique name, fsynced, renamed
//! into `new/`, and the directory is fsynced, so a delivered message is
//! either complete in `new/` or absent — never partial. POP3 and IMAP
//! (issue 10) read `new/` and `cur/`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The standard Maildir++ folders created for every user.
pub const STANDARD_FOLDERS: [&str; 4] = ["Sent", "Drafts", "Trash", "Junk"];

/// A unique Maildir file name, `time.unique.host` (maildir(5)): `unique`
/// is `pid_seq` for a delivering process, or `queueid_n` for the queue,
/// which makes a repeated delivery of the same queued recipient detectable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueName {
    /// Delivery (or arrival) time, unix seconds (passed in).
    pub unix_time: i64,
    /// What makes the name unique on this host at that second.
    pub unique: String,
    /// The host name.
    pub hostname: String,
}

impl UniqueName {
    /// `time.pid_seq.host`: one process never reuses a sequence number.
    pub fn new(unix_time: i64, pid: u32, seq: u64, hostname: &str) -> Self {
        UniqueName {
            unix_time,
            unique: format!("{pid}_{seq}"),
            hostname: hostname.to_string(),
        }
    }

    /// The file name. maildir(5): `/` and `:` in the host name become
    /// `\057` and `\072`.
    pub fn file_name(&self) -> String {
        let host = self.hostname.replace('/', "\\057").replace(':', "\\072");
        format!("{}.{}.{host}", self.unix_time, self.unique)
    }
}

/// A Maildir: a directory with `tmp/`, `new/` and `cur/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maildir {
    root: PathBuf,
}

/// fsync a directory so a rename or a new entry in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Maildir {
    /// Opens (creating if needed) the Maildir at `root`.
    pub fn create(root: impl Into<PathBuf>) -> io::Result<Maildir> {
        let root = root.into();
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(Maildir { root })
    }

    /// The Maildir's directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// A Maildir++ folder (`Sent`, `Archive.2024`): the directory
    /// `.Sent` beside `cur/`, marked with a `maildirfolder` file. Names with
    /// `/`, empty levels or a leading dot are refused.
    pub fn folder(&self, name: &str) -> io::Result<Maildir> {
        let valid = !name.is_empty()
            && name.split('.').all(|level| !level.is_empty())
            && !name.contains(['/', '\\', '\0']);
        if !valid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad Maildir++ folder name {name:?}"),
            ));
        }
        let folder = Maildir::create(self.root.join(format!(".{name}")))?;
        File::create(folder.root.join("maildirfolder"))?;
        Ok(folder)
    }

    /// Creates the [`STANDARD_FOLDERS`].
    pub fn create_standard_folders(&self) -> io::Result<()> {
        STANDARD_FOLDERS
            .iter()
            .try_for_each(|f| self.folder(f).map(drop))
    }

    /// The Maildir++ folder names present (without the leading dot).
    pub fn folders(&self) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = fs::read_dir(&self.root)?
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_prefix('.'))
                    .map(str::to_string)
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// Starts a delivery: a new file in `tmp/`, to be written and committed.
    pub fn begin(&self, name: &UniqueName) -> io::Result<Delivery> {
        let file_name = name.file_name();
        let tmp = self.root.join("tmp").join(&file_name);
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        Ok(Delivery {
            file,
            tmp,
            new: self.root.join("new").join(file_name),
            done: false,
        })
    }

    /// Delivers a whole message; returns its path in `new/`.
    pub fn deliver(&self, name: &UniqueName, message: &[u8]) -> io::Result<PathBuf> {
        let mut delivery = self.begin(name)?;
        delivery.write(message)?;
        delivery.commit()
    }

    /// Delivers a message already durable in a file on this file system
    /// (the queue's data file): hard-linked into `tmp/`, renamed into
    /// `new/`, `new/` fsynced, so no byte is copied or synced twice. Falls
    /// back to a copy when the link fails (another file system).
    pub fn deliver_file(&self, name: &UniqueName, source: &Path) -> io::Result<PathBuf> {
        let file_name = name.file_name();
        let tmp = self.root.join("tmp").join(&file_name);
        if fs::hard_link(source, &tmp).is_err() {
            return self.deliver(name, &fs::read(source)?);
        }
        let new = self.root.join("new").join(file_name);
        fs::rename(&tmp, &new)?;
        sync_dir(&self.root.join("new"))?;
        Ok(new)
    }

    /// True when a message with this unique name was already delivered
    /// (in `new/`, or moved to `cur/` with an info suffix `:2,...` by a
    /// reader). Lets the queue make redelivery after a crash idempotent.
    pub fn contains(&self, name: &UniqueName) -> io::Result<bool> {
        let file_name = name.file_name();
        if self.root.join("new").join(&file_name).exists() {
            return Ok(true);
        }
        let prefix = format!("{file_name}:");
        Ok(fs::read_dir(self.root.join("cur"))?
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n == file_name || n.starts_with(&prefix))
            }))
    }

    /// The messages in `new/`, sorted by name.
    pub fn new_messages(&self) -> io::Result<Vec<PathBuf>> {
        let mut paths: Vec<PathBuf> = fs::read_dir(self.root.join("new"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        paths.sort();
        Ok(paths)
    }
}

/// A message being written into `tmp/`. Dropped without `commit`, the
/// temporary file is removed.
#[derive(Debug)]
pub struct Delivery {
    file: File,
    tmp: PathBuf,
    new: PathBuf,
    done: bool,
}

impl Delivery {
    /// Appends message bytes (as they stream in from DATA).
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    /// fsync the file, rename it into `new/`, fsync `new/`; returns the path.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        self.file.sync_all()?;
        fs::rename(&self.tmp, &self.new)?;
        self.done = true;
        if let Some(dir) = self.new.parent() {
            sync_dir(dir)?;
        }
        Ok(self.new.clone())
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: a leftover tmp file is harmless (maildir(5) says
            // readers ignore tmp/), so a failure here is not reported.
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(seq: u64) -> UniqueName {
        UniqueName::new(1_700_000_000, 42, seq, "hamburger.edu")
    }

    #[test]
    fn delivers_into_new_via_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::create(dir.path().join("bob")).unwrap();
        let path = md
            .deliver(&name(1), b"Subject: hi\r\n\r\nketchup\r\n")
            .unwrap();
        assert_eq!(
            path,
            dir.path().join("bob/new/1700000000.42_1.hamburger.edu")
        );
        assert_eq!(fs::read(&path).unwrap(), b"Subject: hi\r\n\r\nketchup\r\n");
        assert_eq!(fs::read_dir(md.path().join("tmp")).unwrap().count(), 0);
        assert_eq!(md.new_messages().unwrap().len(), 1);
        assert!(md.contains(&name(1)).unwrap() && !md.contains(&name(9)).unwrap());
        fs::rename(
            &path,
            md.path().join("cur/1700000000.42_1.hamburger.edu:2,S"),
        )
        .unwrap();
        assert!(
            md.contains(&name(1)).unwrap(),
            "a message a reader moved to cur/ still counts"
        );
    }

    #[test]
    fn aborted_delivery_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::create(dir.path()).unwrap();
        let mut d = md.begin(&name(2)).unwrap();
        d.write(b"partial").unwrap();
        drop(d);
        assert_eq!(fs::read_dir(md.path().join("tmp")).unwrap().count(), 0);
        assert!(md.new_messages().unwrap().is_empty());
    }

    #[test]
    fn maildir_plus_plus_folders() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::create(dir.path()).unwrap();
        md.create_standard_folders().unwrap();
        md.folder("Archive.2024").unwrap();
        assert_eq!(
            md.folders().unwrap(),
            ["Archive.2024", "Drafts", "Junk", "Sent", "Trash"]
        );
        assert!(
            dir.path().join(".Sent/cur").is_dir()
                && dir.path().join(".Sent/maildirfolder").is_file()
        );
        for bad in ["", "../x", "a..b", ".hidden", "a/b"] {
            assert!(md.folder(bad).is_err(), "{bad}");
        }
        assert_eq!(
            UniqueName::new(1_700_000_000, 42, 3, "a/b:c").file_name(),
            "1700000000.42_3.a\\057b\\072c"
        );
    }
}
