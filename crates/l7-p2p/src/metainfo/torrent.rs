//! Parsing and emitting the metainfo dictionary (BEP 3 §metainfo files):
//! `announce`, BEP 12 `announce-list`, and the `info` dictionary with `name`,
//! `piece length`, `pieces`, either `length` (single file) or `files`
//! (multi-file), and the BEP 27 `private` flag. The info-hash is computed
//! over the raw `info` bytes as received, never re-encoded.

use std::collections::HashSet;

use super::path::validate_component;
use super::{InfoHash, Layout, MetainfoError};
use crate::bencode::{self, Value};

/// Largest piece length accepted (BEP 3 does not bound it; 64 MiB is far above practice).
pub const MAX_PIECE_LENGTH: u64 = 64 << 20;
/// Most files accepted in one torrent.
pub const MAX_FILES: usize = 1 << 16;
/// Largest torrent accepted (1 PiB), so offsets never overflow.
pub const MAX_TOTAL_LENGTH: u64 = 1 << 50;

/// One file of a multi-file torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Validated path components below the torrent's directory.
    pub path: Vec<String>,
    /// Length in bytes.
    pub length: u64,
}

/// The `info` dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// Suggested file name (single) or directory name (multi).
    pub name: String,
    /// Bytes per piece.
    pub piece_length: u64,
    /// SHA-1 of each piece.
    pub pieces: Vec<[u8; 20]>,
    /// BEP 27: only use the trackers in the metainfo.
    pub private: bool,
    /// `None` for a single-file torrent of `length` bytes; the file list otherwise.
    pub files: Option<Vec<FileEntry>>,
    /// Length of a single-file torrent (0 for multi-file).
    pub length: u64,
}

impl Info {
    /// The files as (path components relative to the download directory, length):
    /// a single-file torrent is `[name]`, a multi-file one `name/<path>`.
    pub fn file_list(&self) -> Vec<(Vec<String>, u64)> {
        match &self.files {
            None => vec![(vec![self.name.clone()], self.length)],
            Some(files) => files
                .iter()
                .map(|f| {
                    let mut p = vec![self.name.clone()];
                    p.extend(f.path.iter().cloned());
                    (p, f.length)
                })
                .collect(),
        }
    }

    /// Sum of the file lengths.
    pub fn total_length(&self) -> u64 {
        self.layout().total_length()
    }

    /// The piece/file geometry.
    pub fn layout(&self) -> Layout {
        Layout::new(
            self.file_list().into_iter().map(|(_, l)| l).collect(),
            self.piece_length,
        )
    }

    /// The bencoded `info` dictionary (canonical).
    pub fn to_value(&self) -> Value {
        let mut d = vec![
            ("name", Value::from(self.name.as_str())),
            ("piece length", Value::Int(to_i64(self.piece_length))),
            ("pieces", Value::Bytes(self.pieces.concat())),
        ];
        if self.private {
            d.push(("private", Value::Int(1)));
        }
        match &self.files {
            None => d.push(("length", Value::Int(to_i64(self.length)))),
            Some(files) => d.push((
                "files",
                Value::List(
                    files
                        .iter()
                        .map(|f| {
                            Value::dict([
                                ("length", Value::Int(to_i64(f.length))),
                                (
                                    "path",
                                    Value::List(
                                        f.path.iter().map(|c| Value::from(c.as_str())).collect(),
                                    ),
                                ),
                            ])
                        })
                        .collect(),
                ),
            )),
        }
        Value::dict(d)
    }

    fn from_value(v: &Value) -> Result<Info, MetainfoError> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or(MetainfoError::Field("name"))?;
        validate_component(name)?;
        let piece_length = non_negative(v.get("piece length"), "piece length")?;
        if piece_length == 0 || piece_length > MAX_PIECE_LENGTH {
            return Err(MetainfoError::Inconsistent(format!(
                "piece length {piece_length} outside 1..={MAX_PIECE_LENGTH}"
            )));
        }
        let raw_pieces = v
            .get("pieces")
            .and_then(Value::as_bytes)
            .ok_or(MetainfoError::Field("pieces"))?;
        if !raw_pieces.len().is_multiple_of(20) {
            return Err(MetainfoError::Inconsistent(
                "pieces is not a multiple of 20 bytes".into(),
            ));
        }
        let pieces = raw_pieces
            .chunks_exact(20)
            .map(|c| c.try_into().unwrap_or([0; 20]))
            .collect();
        // BEP 27: "private=1"; any other value means public.
        let private = v.get("private").and_then(Value::as_int) == Some(1);
        let (files, length) = match (v.get("length"), v.get("files")) {
            (Some(len), None) => (None, non_negative(Some(len), "length")?),
            (None, Some(files)) => (Some(parse_files(files)?), 0),
            _ => return Err(MetainfoError::Field("length or files (exactly one)")),
        };
        let info = Info {
            name: name.to_string(),
            piece_length,
            pieces,
            private,
            files,
            length,
        };
        let total = info
            .file_list()
            .iter()
            .try_fold(0u64, |sum, (_, len)| sum.checked_add(*len))
            .filter(|&t| t <= MAX_TOTAL_LENGTH)
            .ok_or_else(|| MetainfoError::Inconsistent("total length over 1 PiB".into()))?;
        let expected = total.div_ceil(piece_length);
        if info.pieces.len() as u64 != expected {
            return Err(MetainfoError::Inconsistent(format!(
                "{} piece hashes for {} bytes in pieces of {piece_length} (expected {expected})",
                info.pieces.len(),
                total
            )));
        }
        Ok(info)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn non_negative(v: Option<&Value>, field: &'static str) -> Result<u64, MetainfoError> {
    v.and_then(Value::as_int)
        .and_then(|i| u64::try_from(i).ok())
        .ok_or(MetainfoError::Field(field))
}

fn parse_files(v: &Value) -> Result<Vec<FileEntry>, MetainfoError> {
    let list = v.as_list().ok_or(MetainfoError::Field("files"))?;
    if list.is_empty() || list.len() > MAX_FILES {
        return Err(MetainfoError::Inconsistent(format!("{} files", list.len())));
    }
    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(list.len());
    for f in list {
        let length = non_negative(f.get("length"), "files.length")?;
        let path = f
            .get("path")
            .and_then(Value::as_list)
            .filter(|p| !p.is_empty())
            .ok_or(MetainfoError::Field("files.path"))?
            .iter()
            .map(|c| {
                let c = c.as_str().ok_or(MetainfoError::Field("files.path"))?;
                validate_component(c)?;
                Ok(c.to_string())
            })
            .collect::<Result<Vec<_>, MetainfoError>>()?;
        if !seen.insert(path.clone()) {
            return Err(MetainfoError::Inconsistent(format!(
                "file {} listed twice",
                path.join("/")
            )));
        }
        files.push(FileEntry { path, length });
    }
    // A file may not also be a directory of another file.
    for f in &files {
        if (1..f.path.len()).any(|n| seen.contains(&f.path[..n])) {
            return Err(MetainfoError::Inconsistent(format!(
                "{} lies below a file",
                f.path.join("/")
            )));
        }
    }
    Ok(files)
}

/// A parsed .torrent file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metainfo {
    /// BEP 3 `announce`.
    pub announce: Option<String>,
    /// BEP 12 `announce-list`: tiers of tracker URLs.
    pub announce_list: Vec<Vec<String>>,
    /// Optional `comment`.
    pub comment: Option<String>,
    /// Optional `created by`.
    pub created_by: Option<String>,
    /// Optional `creation date` (seconds since the Unix epoch).
    pub creation_date: Option<i64>,
    /// The `info` dictionary.
    pub info: Info,
    /// SHA-1 of the raw `info` bytes.
    pub info_hash: InfoHash,
}

impl Metainfo {
    /// Parses a .torrent file strictly.
    pub fn parse(bytes: &[u8]) -> Result<Metainfo, MetainfoError> {
        let root = bencode::decode(bytes)?;
        // BEP 3: the info-hash is over the info value exactly as it appears in the file.
        let raw_info =
            bencode::raw_dict_value(bytes, b"info")?.ok_or(MetainfoError::Field("info"))?;
        let info_value = root.get("info").ok_or(MetainfoError::Field("info"))?;
        let info = Info::from_value(info_value)?;
        let text = |k: &str| root.get(k).and_then(Value::as_str).map(str::to_string);
        let announce_list = root
            .get("announce-list")
            .and_then(Value::as_list)
            .map(|tiers| {
                tiers
                    .iter()
                    .filter_map(Value::as_list)
                    .map(|tier| {
                        tier.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .filter(|tier| !tier.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Metainfo {
            announce: text("announce"),
            announce_list,
            comment: text("comment"),
            created_by: text("created by"),
            creation_date: root.get("creation date").and_then(Value::as_int),
            info,
            info_hash: InfoHash::of_info_bytes(raw_info),
        })
    }

    /// Canonical bencoding of the whole file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut d = vec![("info", self.info.to_value())];
        if let Some(a) = &self.announce {
            d.push(("announce", Value::from(a.as_str())));
        }
        if !self.announce_list.is_empty() {
            d.push((
                "announce-list",
                Value::List(
                    self.announce_list
                        .iter()
                        .map(|tier| {
                            Value::List(tier.iter().map(|u| Value::from(u.as_str())).collect())
                        })
                        .collect(),
                ),
            ));
        }
        if let Some(c) = &self.comment {
            d.push(("comment", Value::from(c.as_str())));
        }
        if let Some(c) = &self.created_by {
            d.push(("created by", Value::from(c.as_str())));
        }
        if let Some(t) = self.creation_date {
            d.push(("creation date", Value::Int(t)));
        }
        Value::dict(d).to_bytes()
    }

    /// Every tracker URL, tiers first (BEP 12), then `announce` if not already listed.
    pub fn trackers(&self) -> Vec<String> {
        let mut out: Vec<String> = self.announce_list.iter().flatten().cloned().collect();
        if let Some(a) = &self.announce
            && !out.contains(a)
        {
            out.push(a.clone());
        }
        out
    }
}
