//! The master-file reader (RFC 1035 §5): directives `$ORIGIN`, `$TTL`
//! (RFC 2308 §4), `$INCLUDE`; `@`, relative names, omitted owner, TTL and
//! class; each record located by file and line for error messages.

use std::fmt;
use std::sync::Arc;

use super::lexer::{Entry, Lexer, Token};
use super::rdata_text::{parse_ttl, rdata_from_text};
use crate::wire::{Class, Name, RData, Record, RecordType};

/// How deep `$INCLUDE` files may nest.
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// What is wrong with a zone, and where: prints as `file:line: what`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {what}")]
pub struct ZoneError {
    /// The file, as named to the parser or by `$INCLUDE`.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// Where a record was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File name.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
}

impl Location {
    /// An error at this location.
    pub fn error(&self, what: impl Into<String>) -> ZoneError {
        ZoneError {
            file: self.file.to_string(),
            line: self.line,
            what: what.into(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Supplies the contents of `$INCLUDE`d files, so the core never opens
/// files by itself. Given the including file's name and the path as
/// written, returns the included file's display name and bytes.
pub trait IncludeResolver {
    /// Reads the file `path` named inside `from`.
    fn read(&mut self, from: &str, path: &str) -> Result<(String, Vec<u8>), String>;
}

/// Refuses every `$INCLUDE`.
pub struct NoIncludes;

impl IncludeResolver for NoIncludes {
    fn read(&mut self, _from: &str, path: &str) -> Result<(String, Vec<u8>), String> {
        Err(format!("$INCLUDE {path}: includes are not allowed here"))
    }
}

impl<F: FnMut(&str, &str) -> Result<(String, Vec<u8>), String>> IncludeResolver for F {
    fn read(&mut self, from: &str, path: &str) -> Result<(String, Vec<u8>), String> {
        self(from, path)
    }
}

/// Reads all records of the master file `text` (named `file` in errors),
/// whose initial origin is `origin`.
pub fn parse_master_file(
    text: &[u8],
    file: &str,
    origin: &Name,
    includes: &mut dyn IncludeResolver,
) -> Result<Vec<(Record, Location)>, ZoneError> {
    let mut reader = Reader {
        includes,
        out: Vec::new(),
        default_ttl: None,
        last_ttl: None,
        last_owner: None,
    };
    reader.read_file(text, file.into(), origin.clone(), 0)?;
    Ok(reader.out)
}

struct Reader<'i> {
    includes: &'i mut dyn IncludeResolver,
    out: Vec<(Record, Location)>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    last_owner: Option<Name>,
}

impl Reader<'_> {
    fn read_file(
        &mut self,
        text: &[u8],
        file: Arc<str>,
        mut origin: Name,
        depth: usize,
    ) -> Result<(), ZoneError> {
        let mut lexer = Lexer::new(text);
        loop {
            let entry = match lexer.next_entry() {
                Ok(Some(e)) => e,
                Ok(None) => return Ok(()),
                Err((line, what)) => {
                    return Err(ZoneError {
                        file: file.to_string(),
                        line,
                        what,
                    });
                }
            };
            let at = Location {
                file: file.clone(),
                line: entry.line,
            };
            let first = &entry.tokens[0].text;
            if !entry.owner_omitted && first.starts_with(b"$") {
                self.directive(&entry, &at, &mut origin, depth)?;
            } else {
                let record = self.record(&entry, &origin).map_err(|e| at.error(e))?;
                self.out.push((record, at));
            }
        }
    }

    fn directive(
        &mut self,
        entry: &Entry,
        at: &Location,
        origin: &mut Name,
        depth: usize,
    ) -> Result<(), ZoneError> {
        let args = &entry.tokens[1..];
        let one = |what: &str| match args {
            [a] => Ok(&a.text),
            _ => Err(at.error(format!("{what} takes exactly one argument"))),
        };
        match entry.tokens[0].text.to_ascii_uppercase().as_slice() {
            b"$ORIGIN" => {
                let text = one("$ORIGIN")?;
                *origin =
                    Name::from_text(text, Some(origin)).map_err(|e| at.error(e.to_string()))?;
            }
            b"$TTL" => {
                let ttl = parse_ttl(one("$TTL")?).map_err(|e| at.error(e))?;
                self.default_ttl = Some(ttl);
            }
            b"$INCLUDE" => {
                let (path, new_origin) = match args {
                    [p] => (p, origin.clone()),
                    [p, o] => (
                        p,
                        Name::from_text(&o.text, Some(origin))
                            .map_err(|e| at.error(e.to_string()))?,
                    ),
                    _ => return Err(at.error("$INCLUDE takes a file name and an optional origin")),
                };
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(at.error("$INCLUDE nested too deeply"));
                }
                let path = String::from_utf8_lossy(&path.text).into_owned();
                let (name, bytes) = self
                    .includes
                    .read(&at.file, &path)
                    .map_err(|e| at.error(e))?;
                // RFC 1035 §5.1: the included file does not change the includer's origin.
                self.read_file(&bytes, name.into(), new_origin, depth + 1)?;
            }
            other => {
                return Err(at.error(format!(
                    "unknown directive {}",
                    String::from_utf8_lossy(other)
                )));
            }
        }
        Ok(())
    }

    /// `[owner] [TTL] [class] type rdata` with TTL and class in either order.
    fn record(&mut self, entry: &Entry, origin: &Name) -> Result<Record, String> {
        let mut tokens: &[Token] = &entry.tokens;
        let owner = if entry.owner_omitted {
            self.last_owner
                .clone()
                .ok_or("no owner name given and none before")?
        } else {
            let name = Name::from_text(&tokens[0].text, Some(origin)).map_err(|e| e.to_string())?;
            tokens = &tokens[1..];
            name
        };
        let (mut ttl, mut class) = (None, None);
        while let Some(t) = tokens.first() {
            let text = std::str::from_utf8(&t.text).unwrap_or("");
            if ttl.is_none() && text.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(parse_ttl(&t.text)?);
            } else if class.is_none()
                && let Some(c) = Class::from_mnemonic(text)
            {
                class = Some(c);
            } else {
                break;
            }
            tokens = &tokens[1..];
        }
        let type_token = tokens.first().ok_or("record has no type")?;
        let type_text = std::str::from_utf8(&type_token.text).unwrap_or("");
        let rtype = RecordType::from_mnemonic(type_text)
            .ok_or_else(|| format!("unknown record type {type_text:?}"))?;
        let class = class.unwrap_or(Class::IN);
        if class != Class::IN {
            return Err(format!("class {class} is not served (only IN)"));
        }
        let rdata = rdata_from_text(rtype, &tokens[1..], origin)?;
        // RFC 2308 §4: $TTL, else the last explicit TTL; an SOA without any
        // falls back to its own minimum field, as BIND does.
        let ttl = match (ttl, self.default_ttl, self.last_ttl, &rdata) {
            (Some(t), ..) => t,
            (None, Some(t), ..) | (None, None, Some(t), _) => t,
            (None, None, None, RData::Soa(soa)) => soa.minimum,
            _ => return Err("no TTL given and no $TTL before".into()),
        };
        self.last_owner = Some(owner.clone());
        if self.default_ttl.is_none() {
            self.last_ttl = Some(ttl);
        }
        Ok(Record {
            name: owner,
            class,
            ttl,
            rdata,
        })
    }
}
