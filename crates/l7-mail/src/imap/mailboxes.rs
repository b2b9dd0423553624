//! Mailbox commands of the Authenticated state (RFC 3501 §6.3): SELECT,
//! EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST (with `*`
//! and `%` wildcards, RFC 6154 special-use attributes), LSUB, STATUS and
//! APPEND. Mailboxes are Maildir++ folders: INBOX is the user's Maildir,
//! `Sent` its `.Sent`, `Archive.2024` its `.Archive.2024`; the hierarchy
//! delimiter is `.`.

use super::mailbox::{FLAGS, Mailbox};
use super::parser::{Command, Value};
use super::session::{ImapSession, Selected, State};
use crate::store::Maildir;
use std::path::{Path, PathBuf};

/// Most mailboxes one LIST reports.
pub const MAX_LIST: usize = 10_000;

/// The Maildir of mailbox `name` under `home`; `None` for names that could
/// leave it.
pub fn mailbox_path(home: &Path, name: &str) -> Option<PathBuf> {
    if name.eq_ignore_ascii_case("INBOX") {
        return Some(home.to_path_buf());
    }
    let valid = !name.is_empty()
        && name
            .split('.')
            .all(|level| !level.is_empty() && level != "..")
        && !name.contains(['/', '\\', '\0', '\r', '\n']);
    valid.then(|| home.join(format!(".{name}")))
}

/// LIST pattern matching (RFC 3501 §6.3.8): `*` matches anything, `%`
/// anything but the delimiter. Iterative, so its work is bounded by
/// name × pattern length.
pub fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut back: Option<(usize, usize, bool)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                back = Some((p, n, true));
                p += 1;
            }
            Some(b'%') => {
                back = Some((p, n, false));
                p += 1;
            }
            Some(&c) if c.eq_ignore_ascii_case(&name[n]) => {
                p += 1;
                n += 1;
            }
            _ => match back {
                Some((bp, bn, star)) if star || name[bn] != b'.' => {
                    p = bp + 1;
                    n = bn + 1;
                    back = Some((bp, bn + 1, star));
                }
                _ => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*' || c == b'%')
}

fn special_use(name: &str) -> &'static str {
    match name {
        "Sent" => " \\Sent",
        "Drafts" => " \\Drafts",
        "Trash" => " \\Trash",
        "Junk" => " \\Junk",
        _ => "",
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

impl ImapSession {
    fn home(&self) -> Option<PathBuf> {
        match &self.state {
            State::Authenticated { home } | State::Selected { home, .. } => Some(home.clone()),
            _ => None,
        }
    }

    fn arg(c: &Command, i: usize) -> Option<String> {
        c.args.get(i).and_then(Value::text)
    }

    /// Handles a mailbox command; false if `c` is not one.
    pub(crate) fn mailbox_command(&mut self, c: &Command) -> bool {
        let Some(home) = self.home() else {
            return false;
        };
        let tag = c.tag.as_str();
        let name = Self::arg(c, 0).unwrap_or_default();
        let path = mailbox_path(&home, &name);
        match (c.name.as_str(), path) {
            ("SELECT" | "EXAMINE", Some(path)) => self.select(tag, &c.name, &name, &path, home),
            ("CREATE", Some(path)) => {
                let name = name.trim_end_matches('.');
                let made =
                    path.exists() || Maildir::create(&home).and_then(|m| m.folder(name)).is_err();
                if made {
                    self.line(&format!(
                        "{tag} NO [ALREADYEXISTS] cannot create {}",
                        quote(name)
                    ));
                } else {
                    self.line(&format!("{tag} OK CREATE completed"));
                }
            }
            ("DELETE", Some(path)) => {
                if path == home || !path.is_dir() {
                    self.line(&format!(
                        "{tag} NO [NONEXISTENT] cannot delete that mailbox"
                    ));
                } else if std::fs::remove_dir_all(&path).is_ok() {
                    self.line(&format!("{tag} OK DELETE completed"));
                } else {
                    self.line(&format!("{tag} NO [SERVERBUG] delete failed"));
                }
            }
            ("RENAME", Some(from)) => {
                let to = Self::arg(c, 1).and_then(|n| mailbox_path(&home, &n));
                match to {
                    Some(to) if from != home && from.is_dir() && !to.exists() => {
                        if std::fs::rename(&from, &to).is_ok() {
                            self.line(&format!("{tag} OK RENAME completed"));
                        } else {
                            self.line(&format!("{tag} NO [SERVERBUG] rename failed"));
                        }
                    }
                    _ => self.line(&format!("{tag} NO cannot rename that mailbox there")),
                }
            }
            ("SUBSCRIBE" | "UNSUBSCRIBE", _) => {
                // Every mailbox counts as subscribed (LSUB lists them all).
                self.line(&format!("{tag} OK {} completed", c.name));
            }
            ("LIST" | "LSUB", _) => self.list(c, &home),
            ("NAMESPACE", _) => {
                // RFC 2342 §5: one personal namespace, no prefix, `.` delimiter.
                self.line("* NAMESPACE ((\"\" \".\")) NIL NIL");
                self.line(&format!("{tag} OK NAMESPACE completed"));
            }
            ("ENABLE", _) => {
                // RFC 5161 §3.1: none of the extensions offered needs enabling.
                self.line("* ENABLED");
                self.line(&format!("{tag} OK ENABLE completed"));
            }
            ("STATUS", Some(path)) => self.status(c, &name, &path),
            ("APPEND", Some(path)) => self.append(c, &path),
            ("SELECT" | "EXAMINE" | "CREATE" | "DELETE" | "RENAME" | "STATUS" | "APPEND", None) => {
                self.line(&format!("{tag} NO [CANNOT] invalid mailbox name"));
            }
            _ => return false,
        }
        true
    }

    fn select(&mut self, tag: &str, command: &str, name: &str, path: &Path, home: PathBuf) {
        // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
        self.state = State::Authenticated { home: home.clone() };
        if !path.is_dir() {
            self.line(&format!(
                "{tag} NO [NONEXISTENT] no mailbox {}",
                quote(name)
            ));
            return;
        }
        let mailbox = match Mailbox::open(path, self.unix_now) {
            Ok(m) => m,
            Err(e) => {
                self.line(&format!(
                    "{tag} NO [SERVERBUG] cannot open the mailbox: {e}"
                ));
                return;
            }
        };
        let flags: Vec<&str> = FLAGS.iter().map(|(n, _)| *n).collect();
        let flags = flags.join(" ");
        self.line(&format!("* FLAGS ({flags})"));
        self.line(&format!("* OK [PERMANENTFLAGS ({flags})] flags are kept"));
        self.line(&format!("* {} EXISTS", mailbox.messages.len()));
        self.line("* 0 RECENT");
        if let Some(first) = mailbox.messages.iter().position(|m| !m.has('S')) {
            self.line(&format!("* OK [UNSEEN {}] first unseen", first + 1));
        }
        self.line(&format!(
            "* OK [UIDVALIDITY {}] UIDs valid",
            mailbox.uidvalidity
        ));
        self.line(&format!(
            "* OK [UIDNEXT {}] predicted next UID",
            mailbox.uidnext
        ));
        let read_only = command == "EXAMINE";
        let mode = if read_only { "READ-ONLY" } else { "READ-WRITE" };
        self.line(&format!("{tag} OK [{mode}] {command} completed"));
        self.state = State::Selected {
            home,
            selected: Box::new(Selected { mailbox, read_only }),
        };
    }

    fn list(&mut self, c: &Command, home: &Path) {
        let tag = c.tag.as_str();
        let (Some(reference), Some(pattern)) = (Self::arg(c, 0), Self::arg(c, 1)) else {
            self.line(&format!("{tag} BAD usage: {} reference pattern", c.name));
            return;
        };
        if pattern.is_empty() {
            // RFC 3501 §6.3.8: the delimiter and root.
            self.line("* LIST (\\Noselect) \".\" \"\"");
            self.line(&format!("{tag} OK {} completed", c.name));
            return;
        }
        let full = format!("{reference}{pattern}");
        let mut names = vec!["INBOX".to_string()];
        names.extend(
            Maildir::create(home)
                .and_then(|m| m.folders())
                .unwrap_or_default()
                .into_iter()
                .take(MAX_LIST),
        );
        for name in names {
            if !wildcard(full.as_bytes(), name.as_bytes()) {
                continue;
            }
            let children = Maildir::create(home)
                .and_then(|m| m.folders())
                .unwrap_or_default()
                .iter()
                .any(|f| f.starts_with(&format!("{name}.")));
            let kids = if children {
                "\\HasChildren"
            } else {
                "\\HasNoChildren"
            };
            let quoted = quote(&name);
            self.line(&format!(
                "* {} ({kids}{}) \".\" {quoted}",
                c.name,
                special_use(&name)
            ));
        }
        self.line(&format!("{tag} OK {} completed", c.name));
    }

    fn status(&mut self, c: &Command, name: &str, path: &Path) {
        let tag = c.tag.as_str();
        let Some(Value::List(items)) = c.args.get(1) else {
            self.line(&format!("{tag} BAD usage: STATUS mailbox (items)"));
            return;
        };
        if !path.is_dir() {
            self.line(&format!(
                "{tag} NO [NONEXISTENT] no mailbox {}",
                quote(name)
            ));
            return;
        }
        let Ok(mb) = Mailbox::open(path, self.unix_now) else {
            self.line(&format!("{tag} NO [SERVERBUG] cannot open the mailbox"));
            return;
        };
        let mut parts = Vec::new();
        for item in items.iter().filter_map(Value::text) {
            let value = match item.to_ascii_uppercase().as_str() {
                "MESSAGES" => mb.messages.len() as u64,
                "RECENT" => 0,
                "UIDNEXT" => u64::from(mb.uidnext),
                "UIDVALIDITY" => u64::from(mb.uidvalidity),
                "UNSEEN" => mb.messages.iter().filter(|m| !m.has('S')).count() as u64,
                "SIZE" => mb.messages.iter().map(|m| m.size).sum(),
                _ => {
                    self.line(&format!("{tag} BAD unknown STATUS item {item}"));
                    return;
                }
            };
            parts.push(format!("{} {value}", item.to_ascii_uppercase()));
        }
        self.line(&format!("* STATUS {} ({})", quote(name), parts.join(" ")));
        self.line(&format!("{tag} OK STATUS completed"));
    }

    fn append(&mut self, c: &Command, path: &Path) {
        let tag = c.tag.as_str();
        // APPEND mailbox [(flags)] [date-time] literal
        let Some(Value::Str(message)) = c.args.last() else {
            self.line(&format!(
                "{tag} BAD usage: APPEND mailbox [(flags)] [date] {{size}}"
            ));
            return;
        };
        if !path.is_dir() {
            self.line(&format!("{tag} NO [TRYCREATE] no such mailbox"));
            return;
        }
        let mut letters = String::new();
        if let Some(Value::List(flags)) = c.args.get(1) {
            for f in flags.iter().filter_map(Value::text) {
                if let Some((_, l)) = FLAGS.iter().find(|(n, _)| n.eq_ignore_ascii_case(&f)) {
                    letters.push(*l);
                }
            }
        }
        self.appended += 1;
        let unique = format!(
            "{}.l7imap_{}_{}.{}",
            self.unix_now,
            std::process::id(),
            self.appended,
            self.config.hostname
        );
        let result = Mailbox::open(path, self.unix_now).and_then(|mut mb| {
            let uid = mb.append(&unique, &letters, message)?;
            Ok((mb.uidvalidity, uid))
        });
        match result {
            // RFC 4315 §3: APPENDUID.
            Ok((validity, uid)) => {
                self.line(&format!(
                    "{tag} OK [APPENDUID {validity} {uid}] APPEND completed"
                ));
                self.report_changes();
            }
            Err(e) => self.line(&format!("{tag} NO [SERVERBUG] APPEND failed: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_paths() {
        assert!(wildcard(b"*", b"Archive.2024"));
        assert!(wildcard(b"%", b"Sent"));
        assert!(!wildcard(b"%", b"Archive.2024"));
        assert!(wildcard(b"Archive.%", b"Archive.2024"));
        assert!(wildcard(b"inbox", b"INBOX"));
        assert!(!wildcard(b"S*x", b"Sent"));
        assert!(!wildcard(&[b'*'; 50], &[b'a'; 0]) || wildcard(&[b'*'; 50], b""));
        let home = Path::new("/m/bob");
        assert_eq!(mailbox_path(home, "inbox").unwrap(), home);
        assert_eq!(mailbox_path(home, "Sent").unwrap(), home.join(".Sent"));
        for bad in ["", "../x", "a/b", ".x", "a..b"] {
            assert!(mailbox_path(home, bad).is_none(), "{bad}");
        }
    }
}
