//! An IMAP mailbox over a Maildir (RFC 3501 §2.3.1): messages keep UIDs
//! that only grow, under a UIDVALIDITY, persisted in the Maildir's
//! `l7-uidlist` (written to a temporary file, fsynced and renamed, so a
//! crash leaves the old list or the new one). Flags live in the standard
//! Maildir file-name info `:2,DFRST` (maildir(5)), so mutt and Dovecot read
//! the same flags.
//!
//! A rescan does not read every message: the list also keeps each
//! message's size on disk and its size with CRLF line ends, so a file whose
//! size on disk is unchanged (Maildir messages are never rewritten, only
//! renamed) is only `stat`ed. [`Mailbox::refresh`] skips the rescan when
//! neither `cur/` nor `new/` changed since the last one.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::pop3::maildrop::{message_files, to_crlf, unique_name};

/// The file holding UIDVALIDITY, UIDNEXT and the UID of each message.
pub const UIDLIST: &str = "l7-uidlist";
/// Most messages one mailbox shows.
pub const MAX_MESSAGES: usize = 1_000_000;

/// The system flags (RFC 3501 §2.3.2) with their Maildir letters.
pub const FLAGS: [(&str, char); 5] = [
    ("\\Draft", 'D'),
    ("\\Flagged", 'F'),
    ("\\Answered", 'R'),
    ("\\Seen", 'S'),
    ("\\Deleted", 'T'),
];

/// One message of a selected mailbox.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its UID.
    pub uid: u32,
    /// Maildir letters of its flags, sorted (`FS`).
    pub flags: String,
    /// Its size with CRLF line ends.
    pub size: u64,
    /// When it arrived (unix seconds, from the unique name or mtime).
    pub internal_date: i64,
    base: String,
    path: PathBuf,
    /// Its size on disk (the key of the cached `size`).
    raw_size: u64,
}

impl Message {
    /// Flag names as IMAP writes them.
    pub fn flag_names(&self) -> Vec<&'static str> {
        FLAGS
            .iter()
            .filter(|(_, l)| self.flags.contains(*l))
            .map(|(n, _)| *n)
            .collect()
    }

    /// True if the flag letter is set.
    pub fn has(&self, letter: char) -> bool {
        self.flags.contains(letter)
    }
}

/// A Maildir opened as an IMAP mailbox.
#[derive(Debug)]
pub struct Mailbox {
    dir: PathBuf,
    /// UIDVALIDITY (RFC 3501 §2.3.1.1).
    pub uidvalidity: u32,
    /// The UID the next new message gets.
    pub uidnext: u32,
    /// The messages, in UID order (sequence number = index + 1).
    pub messages: Vec<Message>,
    /// The modification times of `cur/` and `new/` at the last rescan,
    /// when they were old enough to be trusted (see [`Mailbox::refresh`]).
    scanned: Option<[SystemTime; 2]>,
}

/// What the UID list remembers of a message: its UID and, when known, its
/// size on disk and with CRLF line ends.
#[derive(Debug, Clone, Copy)]
struct Known {
    uid: u32,
    sizes: Option<(u64, u64)>,
}

fn letters_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut l: Vec<char> = name
        .split_once(":2,")
        .map(|(_, f)| f.chars().filter(char::is_ascii_uppercase).collect())
        .unwrap_or_default();
    l.sort_unstable();
    l.dedup();
    l.into_iter().collect()
}

fn arrival(base: &str, path: &Path) -> i64 {
    base.split('.')
        .next()
        .and_then(|t| t.parse().ok())
        .or_else(|| {
            fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64)
        })
        .unwrap_or(0)
}

impl Mailbox {
    /// Opens the Maildir at `dir`, assigning UIDs to new messages and
    /// saving the UID list. `now_unix` becomes the UIDVALIDITY of a
    /// mailbox seen for the first time.
    pub fn open(dir: &Path, now_unix: i64) -> io::Result<Mailbox> {
        let mut mailbox = Mailbox {
            dir: dir.to_path_buf(),
            uidvalidity: u32::try_from(now_unix.max(1)).unwrap_or(1),
            uidnext: 1,
            messages: Vec::new(),
            scanned: None,
        };
        mailbox.refresh(now_unix)?;
        Ok(mailbox)
    }

    fn load_uids(&mut self) -> io::Result<HashMap<String, Known>> {
        let mut uids = HashMap::new();
        let text = match fs::read_to_string(self.dir.join(UIDLIST)) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(uids),
            Err(e) => return Err(e),
        };
        let mut lines = text.lines();
        if let Some(head) = lines.next() {
            let mut f = head.split(' ');
            if let (Some("1"), Some(v), Some(n)) = (f.next(), f.next(), f.next()) {
                self.uidvalidity = v.parse().unwrap_or(self.uidvalidity);
                self.uidnext = n.parse().unwrap_or(1);
            }
        }
        // `uid base [disk-size crlf-size]` (older lists have no sizes; a
        // base name may hold spaces, so the sizes are taken from the end).
        for line in lines {
            let Some((uid, rest)) = line.split_once(' ') else {
                continue;
            };
            let Ok(uid) = uid.parse() else { continue };
            let mut tail = rest.rsplitn(3, ' ');
            let (crlf, raw, base) = (tail.next(), tail.next(), tail.next());
            let (base, sizes) = match (raw.map(str::parse), crlf.map(str::parse), base) {
                (Some(Ok(raw)), Some(Ok(crlf)), Some(base)) => (base, Some((raw, crlf))),
                _ => (rest, None),
            };
            uids.insert(base.to_string(), Known { uid, sizes });
        }
        Ok(uids)
    }

    fn save_uids(&self) -> io::Result<()> {
        let mut text = format!("1 {} {}\n", self.uidvalidity, self.uidnext);
        for m in &self.messages {
            text.push_str(&format!("{} {} {} {}\n", m.uid, m.base, m.raw_size, m.size));
        }
        let tmp = self.dir.join(format!("{UIDLIST}.tmp"));
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, self.dir.join(UIDLIST))
    }

    /// Rescans only if `cur/` or `new/` changed since the last rescan (a
    /// delivery, an expunge or a flag change renames or removes a file
    /// there). A directory time within a second or two of `now_unix` is not
    /// trusted (file systems with coarse times could hide a second change in
    /// the same tick), so such a mailbox is rescanned again next time.
    /// Returns what [`Self::rescan`] returns.
    pub fn refresh(&mut self, now_unix: i64) -> io::Result<Vec<u32>> {
        let times = self.dir_times();
        if times.is_some() && times == self.scanned {
            return Ok(Vec::new());
        }
        let vanished = self.rescan()?;
        let old_enough = |t: &SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .is_ok_and(|d| (d.as_secs() as i64) < now_unix.saturating_sub(1))
        };
        self.scanned = times.filter(|t| t.iter().all(old_enough));
        Ok(vanished)
    }

    fn dir_times(&self) -> Option<[SystemTime; 2]> {
        let time = |sub: &str| fs::metadata(self.dir.join(sub)).and_then(|m| m.modified());
        Some([time("cur").ok()?, time("new").ok()?])
    }

    /// Reads the Maildir again: new deliveries get UIDs, files removed by
    /// others disappear, flags follow the file names. Returns the sequence
    /// numbers (as before the rescan, descending) of messages that vanished.
    pub fn rescan(&mut self) -> io::Result<Vec<u32>> {
        fs::create_dir_all(self.dir.join("cur"))?;
        fs::create_dir_all(self.dir.join("new"))?;
        fs::create_dir_all(self.dir.join("tmp"))?;
        self.scanned = None;
        let known = self.load_uids()?;
        let paths = message_files(&self.dir)?;
        let mut found: Vec<Message> = Vec::with_capacity(paths.len());
        let mut fresh = Vec::new();
        let mut changed = false;
        for (path, raw_size) in paths.into_iter().take(MAX_MESSAGES) {
            let base = unique_name(&path);
            let cached = known.get(&base).and_then(|k| k.sizes);
            let size = match cached {
                Some((raw, crlf)) if raw == raw_size => crlf,
                _ => match fs::read(&path) {
                    Ok(raw) => {
                        changed = true;
                        to_crlf(&raw).len() as u64
                    }
                    Err(_) => continue,
                },
            };
            let message = Message {
                uid: 0,
                flags: letters_of(&path),
                size,
                internal_date: arrival(&base, &path),
                base: base.clone(),
                path,
                raw_size,
            };
            match known.get(&base) {
                Some(k) => found.push(Message {
                    uid: k.uid,
                    ..message
                }),
                None => fresh.push(message),
            }
        }
        found.sort_by_key(|m| m.uid);
        changed |= !fresh.is_empty() || found.len() != known.len();
        for mut m in fresh {
            m.uid = self.uidnext;
            self.uidnext += 1;
            found.push(m);
        }
        let present: HashSet<u32> = found.iter().map(|m| m.uid).collect();
        let mut vanished: Vec<u32> = self
            .messages
            .iter()
            .zip(1u32..)
            .filter(|(m, _)| !present.contains(&m.uid))
            .map(|(_, n)| n)
            .collect();
        vanished.reverse();
        self.messages = found;
        if changed || !self.dir.join(UIDLIST).exists() {
            self.save_uids()?;
        }
        Ok(vanished)
    }

    /// The message text with CRLF line ends.
    pub fn read(&self, index: usize) -> io::Result<Vec<u8>> {
        let m = self
            .messages
            .get(index)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such message"))?;
        fs::read(&m.path).map(|raw| to_crlf(&raw))
    }

    /// The header of a message, through its blank line, with CRLF line
    /// ends: what ENVELOPE and header sections need, without the body.
    pub fn read_header(&self, index: usize) -> io::Result<Vec<u8>> {
        let m = self
            .messages
            .get(index)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such message"))?;
        let mut file = fs::File::open(&m.path)?;
        let mut raw = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = file.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            let from = raw.len().saturating_sub(2);
            raw.extend_from_slice(&chunk[..n]);
            // RFC 5322 §2.1: the header ends at the first empty line
            // (`\n\n` or `\n\r\n`, whichever comes first).
            let start = from.saturating_sub(1);
            let blank = raw[start..].windows(3).enumerate().find_map(|(p, w)| {
                if w.starts_with(b"\n\n") {
                    Some(start + p + 2)
                } else if w == b"\n\r\n" {
                    Some(start + p + 3)
                } else {
                    None
                }
            });
            let blank = blank.or_else(|| raw.ends_with(b"\n\n").then_some(raw.len()));
            if let Some(end) = blank {
                raw.truncate(end);
                break;
            }
        }
        Ok(to_crlf(&raw))
    }

    /// Sets the flags of a message (Maildir letters), renaming its file
    /// into `cur/` with the new info part.
    pub fn set_flags(&mut self, index: usize, letters: &str) -> io::Result<()> {
        let Some(m) = self.messages.get_mut(index) else {
            return Ok(());
        };
        let mut l: Vec<char> = letters.chars().collect();
        l.sort_unstable();
        l.dedup();
        let letters: String = l.into_iter().collect();
        let target = self
            .dir
            .join("cur")
            .join(format!("{}:2,{}", m.base, letters));
        if target != m.path {
            fs::rename(&m.path, &target)?;
            m.path = target;
        }
        m.flags = letters;
        Ok(())
    }

    /// Removes the messages flagged `\Deleted` (only those at `only`'s
    /// indexes, when given: UID EXPUNGE, MOVE); returns their sequence
    /// numbers, highest first (the order EXPUNGE responses go out in).
    pub fn expunge(&mut self, only: Option<&[usize]>) -> io::Result<Vec<u32>> {
        let doomed = |i: usize, m: &Message| m.has('T') && only.is_none_or(|o| o.contains(&i));
        let mut gone = Vec::new();
        for (i, m) in self.messages.iter().enumerate().rev() {
            if doomed(i, m) {
                match fs::remove_file(&m.path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                gone.push(i as u32 + 1);
            }
        }
        let mut i = 0;
        self.messages.retain(|m| {
            i += 1;
            !doomed(i - 1, m)
        });
        self.save_uids()?;
        Ok(gone)
    }

    /// Adds a message (APPEND): [`Self::write`], then [`Self::uids_of`].
    pub fn append(&mut self, unique: &str, letters: &str, bytes: &[u8]) -> io::Result<u32> {
        self.write(unique, letters, bytes)?;
        Ok(self.uids_of(&[unique.to_string()])?[0])
    }

    /// Writes a message into the Maildir: to `tmp/`, fsynced, renamed into
    /// `cur/` with its flags. It gets its UID at the next rescan, so a COPY
    /// of many messages rescans once, not once per message.
    pub fn write(&self, unique: &str, letters: &str, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.dir.join("tmp").join(unique);
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(
            &tmp,
            self.dir.join("cur").join(format!("{unique}:2,{letters}")),
        )
    }

    /// Rescans and returns the UIDs of the messages written under these
    /// unique names (an error if one is gone).
    pub fn uids_of(&mut self, uniques: &[String]) -> io::Result<Vec<u32>> {
        self.rescan()?;
        let by_name: HashMap<&str, u32> = self
            .messages
            .iter()
            .map(|m| (m.base.as_str(), m.uid))
            .collect();
        uniques
            .iter()
            .map(|u| {
                by_name.get(u.as_str()).copied().ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "a message written is gone")
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Maildir, UniqueName};

    #[test]
    fn uids_survive_reopen_and_grow() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::create(dir.path()).unwrap();
        md.deliver(&UniqueName::new(10, 1, 1, "h"), b"a\n").unwrap();
        md.deliver(&UniqueName::new(11, 1, 2, "h"), b"b\n").unwrap();
        let mut mb = Mailbox::open(dir.path(), 1234).unwrap();
        assert_eq!((mb.uidvalidity, mb.uidnext), (1234, 3));
        assert_eq!(
            mb.messages.iter().map(|m| m.uid).collect::<Vec<_>>(),
            [1, 2]
        );
        mb.set_flags(0, "TS").unwrap();
        assert_eq!(mb.messages[0].flag_names(), ["\\Seen", "\\Deleted"]);
        assert_eq!(mb.expunge(None).unwrap(), [1]);
        md.deliver(&UniqueName::new(12, 1, 3, "h"), b"c\n").unwrap();
        let again = Mailbox::open(dir.path(), 9999).unwrap();
        assert_eq!(again.uidvalidity, 1234, "UIDVALIDITY is kept");
        assert_eq!(
            again.messages.iter().map(|m| m.uid).collect::<Vec<_>>(),
            [2, 3]
        );
        assert_eq!(again.read(0).unwrap(), b"b\r\n");
        md.deliver(
            &UniqueName::new(13, 1, 4, "h"),
            b"S: x\nT: y\n\nbody\n\nmore\n",
        )
        .unwrap();
        let again = Mailbox::open(dir.path(), 9999).unwrap();
        assert_eq!(again.read_header(2).unwrap(), b"S: x\r\nT: y\r\n\r\n");
    }

    #[test]
    fn sizes_are_cached_by_size_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::create(dir.path()).unwrap();
        md.deliver(&UniqueName::new(10, 1, 1, "h"), b"a\nb\n")
            .unwrap();
        let mb = Mailbox::open(dir.path(), 1234).unwrap();
        assert_eq!(mb.messages[0].size, 6);
        let list = fs::read_to_string(dir.path().join(UIDLIST)).unwrap();
        assert!(list.ends_with(" 4 6\n"), "{list}");
        // The cached size is used while the size on disk matches...
        fs::write(dir.path().join(UIDLIST), list.replace(" 4 6\n", " 4 99\n")).unwrap();
        assert_eq!(
            Mailbox::open(dir.path(), 1234).unwrap().messages[0].size,
            99
        );
        // ...and the file is read again when it does not.
        fs::write(dir.path().join(UIDLIST), list.replace(" 4 6\n", " 5 99\n")).unwrap();
        let mut mb = Mailbox::open(dir.path(), 1234).unwrap();
        assert_eq!(mb.messages[0].size, 6);
        // Nothing changed in cur/ or new/ since an old enough scan: no rescan.
        mb.refresh(i64::MAX).unwrap();
        mb.messages.clear();
        assert!(mb.refresh(i64::MAX).unwrap().is_empty());
        assert!(mb.messages.is_empty());
        md.deliver(&UniqueName::new(11, 1, 2, "h"), b"c\n").unwrap();
        mb.refresh(i64::MAX).unwrap();
        assert_eq!(mb.messages.len(), 2);
    }
}
