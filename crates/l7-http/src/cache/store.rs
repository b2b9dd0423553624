//! [`DiskStore`]: the cache's entries as files in one directory, bounded
//! in bytes with least-recently-used eviction. Each entry is written to a
//! temporary file and renamed into place, so a crash leaves the old entry
//! or the new one, never half of one; damaged files are skipped (and
//! removed) when the store opens. The most recently used entries are also
//! kept in memory, decoded (bounded by [`HOT_BYTES`]), so a hit on a hot
//! object reads no file. Core crates may touch their own storage: this is
//! std::fs only, no clock (recency is a counter).

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::Entry;
use crate::wire::Headers;

/// Most variants (Vary) kept for one primary key.
const MAX_VARIANTS: usize = 8;
/// Most bytes of decoded entries kept in memory.
pub const HOT_BYTES: u64 = 32 << 20;
/// Larger entries are always read from disk.
const MAX_HOT_ENTRY: u64 = HOT_BYTES / 8;
/// Bytes read at first from a file when the store opens: most heads fit.
const FIRST_READ: u64 = 4096;
/// A file whose head (all but the body) is longer is damaged: no cached
/// key and response head comes near this.
const MAX_HEAD: usize = 1 << 20;

struct Slot {
    file: String,
    size: u64,
    used: u64,
    /// The decoded entry, while it is among the most recently used.
    hot: Option<Arc<Entry>>,
}

/// Entries on disk, indexed in memory by primary key.
pub struct DiskStore {
    dir: PathBuf,
    max_bytes: u64,
    bytes: u64,
    hot_bytes: u64,
    clock: u64,
    index: HashMap<String, Vec<Slot>>,
}

/// The key of the entry stored in `path`, from the file's head alone (a
/// store of large bodies opens without reading them); `None` if damaged.
fn stored_key(path: &Path) -> Option<String> {
    let mut file = fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut head = Vec::new();
    (&mut file)
        .take(FIRST_READ.min(len))
        .read_to_end(&mut head)
        .ok()?;
    let head_len = Entry::head_len(&head, len).ok()?;
    if head_len > MAX_HEAD {
        return None;
    }
    if head_len > head.len() {
        let more = (head_len - head.len()) as u64;
        (&mut file).take(more).read_to_end(&mut head).ok()?;
    }
    Entry::decode_head(head.get(..head_len)?)
        .ok()
        .map(|e| e.key)
}

impl DiskStore {
    /// Opens (creating) the store in `dir`, holding at most `max_bytes`.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<DiskStore> {
        fs::create_dir_all(dir)?;
        let mut files: Vec<(std::time::SystemTime, String, u64, String)> = Vec::new();
        for item in fs::read_dir(dir)? {
            let item = item?;
            let name = item.file_name().to_string_lossy().into_owned();
            let path = item.path();
            if name.ends_with(".tmp") {
                let _ = fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".entry") {
                continue;
            }
            match stored_key(&path) {
                Some(key) => {
                    let meta = item.metadata()?;
                    let mtime = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                    files.push((mtime, name, meta.len(), key));
                }
                None => {
                    let _ = fs::remove_file(&path);
                }
            }
        }
        // Oldest files count as least recently used.
        files.sort();
        let mut store = DiskStore {
            dir: dir.to_path_buf(),
            max_bytes,
            bytes: 0,
            hot_bytes: 0,
            clock: 0,
            index: HashMap::new(),
        };
        for (_, file, size, key) in files {
            store.clock += 1;
            store.bytes += size;
            store.index.entry(key).or_default().push(Slot {
                file,
                size,
                used: store.clock,
                hot: None,
            });
        }
        store.evict();
        Ok(store)
    }

    /// Bytes held on disk.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The stored variant of `key` matching `request`'s Vary fields.
    pub fn get(&mut self, key: &str, request: &Headers<'_>) -> Option<Arc<Entry>> {
        self.clock += 1;
        let clock = self.clock;
        let slots = self.index.get_mut(key)?;
        let mut loaded = 0;
        let mut found = None;
        for slot in slots.iter_mut() {
            let entry = match &slot.hot {
                Some(hot) => hot.clone(),
                None => {
                    let Some(entry) = fs::read(self.dir.join(&slot.file))
                        .ok()
                        .and_then(|b| Entry::decode_shared(b.into()).ok())
                    else {
                        continue;
                    };
                    let entry = Arc::new(entry);
                    if slot.size <= MAX_HOT_ENTRY {
                        slot.hot = Some(entry.clone());
                        loaded += slot.size;
                    }
                    entry
                }
            };
            if entry.key == key && entry.matches(request) {
                slot.used = clock;
                found = Some(entry);
                break;
            }
        }
        self.hot_bytes += loaded;
        self.cool();
        found
    }

    /// Stores `entry`, replacing the variant with the same secondary key.
    pub fn put(&mut self, entry: &Entry) -> io::Result<()> {
        let bytes = entry.encode();
        if bytes.len() as u64 > self.max_bytes {
            return Ok(());
        }
        let file = format!("{}.entry", hex(&entry.key, &entry.vary));
        let tmp = self.dir.join(format!("{file}.tmp"));
        fs::write(&tmp, &bytes)?;
        fs::File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, self.dir.join(&file))?;
        self.clock += 1;
        let size = bytes.len() as u64;
        let hot = (size <= MAX_HOT_ENTRY).then(|| Arc::new(entry.clone()));
        let slots = self.index.entry(entry.key.clone()).or_default();
        let mut dropped = Vec::new();
        if let Some(i) = slots.iter().position(|s| s.file == file) {
            dropped.push(slots.remove(i));
        }
        slots.push(Slot {
            file,
            size,
            used: self.clock,
            hot,
        });
        if slots.len() > MAX_VARIANTS {
            let oldest = slots.remove(0);
            let _ = fs::remove_file(self.dir.join(&oldest.file));
            dropped.push(oldest);
        }
        for slot in &dropped {
            self.forget(slot);
        }
        self.bytes += size;
        if size <= MAX_HOT_ENTRY {
            self.hot_bytes += size;
        }
        self.evict();
        self.cool();
        Ok(())
    }

    /// Removes every variant of `key` (§4.4 invalidation, PURGE).
    pub fn remove(&mut self, key: &str) -> bool {
        let Some(slots) = self.index.remove(key) else {
            return false;
        };
        for slot in &slots {
            self.forget(slot);
            let _ = fs::remove_file(self.dir.join(&slot.file));
        }
        true
    }

    /// Takes a slot that left the index out of the byte counts.
    fn forget(&mut self, slot: &Slot) {
        self.bytes -= slot.size;
        if slot.hot.is_some() {
            self.hot_bytes -= slot.size;
        }
    }

    /// Drops decoded entries from memory, least recently used first,
    /// until the in-memory bound holds.
    fn cool(&mut self) {
        while self.hot_bytes > HOT_BYTES {
            let coldest = self
                .index
                .values_mut()
                .flat_map(|slots| slots.iter_mut())
                .filter(|s| s.hot.is_some())
                .min_by_key(|s| s.used);
            let Some(slot) = coldest else { return };
            slot.hot = None;
            self.hot_bytes -= slot.size;
        }
    }

    /// Drops least recently used entries until the bound holds.
    fn evict(&mut self) {
        while self.bytes > self.max_bytes {
            let victim = self
                .index
                .iter()
                .flat_map(|(k, slots)| {
                    slots
                        .iter()
                        .map(move |s| (s.used, k.clone(), s.file.clone()))
                })
                .min();
            let Some((_, key, file)) = victim else { return };
            if let Some(slots) = self.index.get_mut(&key)
                && let Some(i) = slots.iter().position(|s| s.file == file)
            {
                let slot = slots.remove(i);
                if slots.is_empty() {
                    self.index.remove(&key);
                }
                self.forget(&slot);
                let _ = fs::remove_file(self.dir.join(&slot.file));
            }
        }
    }
}

/// The file name of a variant: SHA-256 of the key and secondary key.
fn hex(key: &str, vary: &[(String, Option<Vec<u8>>)]) -> String {
    let mut h = Sha256::new();
    h.update(key.as_bytes());
    for (name, value) in vary {
        h.update([0]);
        h.update(name.as_bytes());
        h.update([1]);
        h.update(value.as_deref().unwrap_or(b"\xff"));
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::super::Times;
    use super::*;
    use crate::wire::ResponseHead;

    fn entry(key: &str, body: usize) -> Entry {
        Entry {
            key: key.into(),
            vary: Vec::new(),
            times: Times {
                request_time: 1,
                response_time: 1,
            },
            head: ResponseHead::new(200),
            body: vec![b'x'; body].into(),
        }
    }

    #[test]
    fn bounded_lru_that_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let none = Headers::new();
        let mut s = DiskStore::open(dir.path(), 3000).unwrap();
        s.put(&entry("a", 1000)).unwrap();
        s.put(&entry("b", 1000)).unwrap();
        assert!(s.get("a", &none).is_some());
        s.put(&entry("c", 1000)).unwrap();
        // b was least recently used.
        assert!(s.get("b", &none).is_none());
        assert!(s.get("a", &none).is_some() && s.get("c", &none).is_some());
        assert!(s.bytes() <= 3000);
        // A half-written temporary file and a damaged entry are dropped on open.
        fs::write(dir.path().join("junk.entry.tmp"), b"L7CACHE1 1").unwrap();
        fs::write(dir.path().join("junk.entry"), b"L7CACHE1 1 1 99\nk\n").unwrap();
        let mut s = DiskStore::open(dir.path(), 3000).unwrap();
        assert_eq!(s.get("a", &none).unwrap().body.len(), 1000);
        assert!(!dir.path().join("junk.entry").exists());
        assert!(s.remove("a"));
        assert!(s.get("a", &none).is_none());
    }

    #[test]
    fn reopening_reads_heads_only_and_drops_cut_files() {
        let dir = tempfile::tempdir().unwrap();
        let none = Headers::new();
        let mut s = DiskStore::open(dir.path(), 1 << 30).unwrap();
        // A head longer than the first read, and a large body.
        let long_key = format!("GET http://a/{}", "k".repeat(2 * FIRST_READ as usize));
        s.put(&entry(&long_key, 3 << 20)).unwrap();
        s.put(&entry("GET http://a/cut", 5000)).unwrap();
        let cut = dir
            .path()
            .join(format!("{}.entry", hex("GET http://a/cut", &[])));
        let len = fs::metadata(&cut).unwrap().len();
        fs::OpenOptions::new()
            .write(true)
            .open(&cut)
            .unwrap()
            .set_len(len - 100)
            .unwrap();
        let mut s = DiskStore::open(dir.path(), 1 << 30).unwrap();
        assert_eq!(s.get(&long_key, &none).unwrap().body.len(), 3 << 20);
        assert!(s.get("GET http://a/cut", &none).is_none());
        assert!(!cut.exists(), "a file cut short is removed on open");
    }

    #[test]
    fn hot_entries_are_served_from_memory_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let none = Headers::new();
        let mut s = DiskStore::open(dir.path(), 1 << 30).unwrap();
        s.put(&entry("a", 1000)).unwrap();
        for f in fs::read_dir(dir.path()).unwrap() {
            fs::remove_file(f.unwrap().path()).unwrap();
        }
        // The file is gone: the hit came from memory.
        assert_eq!(s.get("a", &none).unwrap().body.len(), 1000);
        // Enough large entries push it out of memory (but not off the store).
        let big = (MAX_HOT_ENTRY - 200) as usize;
        for i in 0..9 {
            s.put(&entry(&format!("big{i}"), big)).unwrap();
        }
        assert!(s.hot_bytes <= HOT_BYTES);
        assert!(
            s.get("a", &none).is_none(),
            "a was cooled, and its file is gone"
        );
        assert!(s.get("big8", &none).is_some());
    }
}
