//! Commands of the Selected state (RFC 3501 §6.4): CHECK, CLOSE, UNSELECT
//! (RFC 3691), EXPUNGE, SEARCH, FETCH, STORE, COPY, MOVE (RFC 6851), their
//! UID forms, and IDLE (RFC 2177). Changes other sessions made (new
//! deliveries, expunges, flags) are reported as untagged EXISTS, EXPUNGE
//! and FETCH FLAGS at NOOP, CHECK, IDLE polls and after each command.

use super::fetch::{self, Item, Needs};
use super::mailbox::{FLAGS, Mailbox};
use super::mailboxes::mailbox_path;
use super::parser::{Command, Value};
use super::search;
use super::sequence::SequenceSet;
use super::session::{ImapSession, Selected, State};
use std::collections::HashMap;

fn letters(flags: &Value) -> Option<String> {
    let list = match flags {
        Value::List(l) => l.clone(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    for f in list.iter().filter_map(Value::text) {
        // Keywords other than the system flags are not kept (PERMANENTFLAGS).
        if let Some((_, l)) = FLAGS.iter().find(|(n, _)| n.eq_ignore_ascii_case(&f)) {
            out.push(*l);
        }
    }
    Some(out)
}

/// Bytes of FETCH responses rendered at a time.
pub const FETCH_CHUNK: usize = 256 * 1024;

/// A FETCH being answered: the messages still to render.
#[derive(Debug)]
pub(crate) struct FetchJob {
    tag: String,
    items: Vec<Item>,
    indexes: Vec<usize>,
    next: usize,
    sets_seen: bool,
    uid: bool,
}

impl ImapSession {
    fn selected(&mut self) -> Option<&mut Selected> {
        match &mut self.state {
            State::Selected { selected, .. } => Some(selected),
            _ => None,
        }
    }

    /// Rescans the selected mailbox (if its directories changed) and
    /// reports what others changed.
    pub(crate) fn report_changes(&mut self) {
        let unix_now = self.unix_now;
        let Some(sel) = self.selected() else { return };
        let before: HashMap<u32, String> = sel
            .mailbox
            .messages
            .iter()
            .map(|m| (m.uid, m.flags.clone()))
            .collect();
        let Ok(vanished) = sel.mailbox.refresh(unix_now) else {
            return;
        };
        let mut lines: Vec<String> = vanished.iter().map(|n| format!("* {n} EXPUNGE")).collect();
        for (i, m) in sel.mailbox.messages.iter().enumerate() {
            if before.get(&m.uid).is_some_and(|old| *old != m.flags) {
                lines.push(format!(
                    "* {} FETCH (FLAGS ({}))",
                    i + 1,
                    m.flag_names().join(" ")
                ));
            }
        }
        let known = before.len() - vanished.len();
        let now = sel.mailbox.messages.len();
        if now != known || !vanished.is_empty() {
            lines.push(format!("* {now} EXISTS"));
        }
        for l in lines {
            self.line(&l);
        }
    }

    /// Message indexes in `set` (by UID when `uid`).
    fn indexes(mailbox: &Mailbox, set: &SequenceSet, uid: bool) -> Vec<usize> {
        let max_seq = mailbox.messages.len() as u32;
        let max_uid = mailbox.messages.last().map_or(0, |m| m.uid);
        mailbox
            .messages
            .iter()
            .enumerate()
            .filter(|(i, m)| {
                if uid {
                    set.contains(m.uid, max_uid)
                } else {
                    set.contains(*i as u32 + 1, max_seq)
                }
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Handles a Selected-state command; false if `c` is not one.
    pub(crate) fn selected_command(&mut self, c: &Command) -> bool {
        let tag = c.tag.clone();
        let (name, args, uid) = if c.name == "UID" {
            let sub = c
                .args
                .first()
                .and_then(Value::text)
                .unwrap_or_default()
                .to_ascii_uppercase();
            (sub, &c.args[c.args.len().min(1)..], true)
        } else {
            (c.name.clone(), &c.args[..], false)
        };
        match name.as_str() {
            "CLOSE" | "UNSELECT" if !uid => {
                if name == "CLOSE"
                    && let Some(sel) = self.selected()
                    && !sel.read_only
                {
                    // RFC 3501 §6.4.2: CLOSE expunges silently.
                    let _ = sel.mailbox.expunge(None);
                }
                if let State::Selected { home, .. } =
                    std::mem::replace(&mut self.state, State::Logout)
                {
                    self.state = State::Authenticated { home };
                }
                self.line(&format!("{tag} OK {name} completed"));
            }
            "EXPUNGE" => self.expunge(&tag, args, uid),
            "SEARCH" => self.search(&tag, args, uid),
            "FETCH" => self.fetch(&tag, args, uid),
            "STORE" => self.store(&tag, args, uid),
            "COPY" | "MOVE" => self.copy(&tag, &name, args, uid),
            "IDLE" if !uid => {
                self.idling = Some(tag);
                self.line("+ idling");
            }
            _ => return false,
        }
        true
    }

    fn expunge(&mut self, tag: &str, args: &[Value], uid: bool) {
        let Some(sel) = self.selected() else { return };
        if sel.read_only {
            self.line(&format!("{tag} NO [READ-ONLY] the mailbox is read-only"));
            return;
        }
        // UID EXPUNGE (RFC 4315 §2.1) removes only the given UIDs.
        let only = if uid {
            let set = args
                .first()
                .and_then(Value::text)
                .and_then(|s| SequenceSet::parse(&s));
            let Some(set) = set else {
                self.line(&format!("{tag} BAD usage: UID EXPUNGE uid-set"));
                return;
            };
            Some(Self::indexes(&sel.mailbox, &set, true))
        } else {
            None
        };
        let result = sel.mailbox.expunge(only.as_deref());
        self.expunged(tag, result);
    }

    fn expunged(&mut self, tag: &str, result: std::io::Result<Vec<u32>>) {
        match result {
            Ok(gone) => {
                for n in gone {
                    self.line(&format!("* {n} EXPUNGE"));
                }
                self.line(&format!("{tag} OK EXPUNGE completed"));
            }
            Err(e) => self.line(&format!("{tag} NO [SERVERBUG] EXPUNGE failed: {e}")),
        }
    }

    fn search(&mut self, tag: &str, args: &[Value], uid: bool) {
        let Some(key) = search::parse(args) else {
            self.line(&format!("{tag} BAD unsupported or malformed search"));
            return;
        };
        let Some(sel) = self.selected() else { return };
        let mb = &sel.mailbox;
        let max = (
            mb.messages.len() as u32,
            mb.messages.last().map_or(0, |m| m.uid),
        );
        let text_needed = search::needs_text(&key);
        let mut hits = Vec::new();
        for (i, m) in mb.messages.iter().enumerate() {
            let text = if text_needed {
                mb.read(i).unwrap_or_default()
            } else {
                Vec::new()
            };
            if search::matches(&key, i as u32 + 1, m, &text, max) {
                hits.push(if uid { m.uid } else { i as u32 + 1 });
            }
        }
        let list: Vec<String> = hits.iter().map(u32::to_string).collect();
        let sep = if list.is_empty() { "" } else { " " };
        self.line(&format!("* SEARCH{sep}{}", list.join(" ")));
        let what = if uid { "UID SEARCH" } else { "SEARCH" };
        self.line(&format!("{tag} OK {what} completed"));
    }

    fn fetch(&mut self, tag: &str, args: &[Value], uid: bool) {
        let set = args
            .first()
            .and_then(Value::text)
            .and_then(|s| SequenceSet::parse(&s));
        let items = args.get(1).and_then(fetch::parse_items);
        let (Some(set), Some(mut items), 2) = (set, items, args.len()) else {
            self.line(&format!("{tag} BAD usage: FETCH sequence-set items"));
            return;
        };
        if uid && !items.contains(&Item::Uid) {
            // RFC 3501 §6.4.8: UID FETCH always returns the UID.
            items.insert(0, Item::Uid);
        }
        let Some(sel) = self.selected() else { return };
        let sets_seen = !sel.read_only && items.iter().any(Item::sets_seen);
        let indexes = Self::indexes(&sel.mailbox, &set, uid);
        // The responses are rendered a chunk at a time as the driver takes
        // them (bounded memory however large the mailbox).
        self.fetching = Some(FetchJob {
            tag: tag.to_string(),
            items,
            indexes,
            next: 0,
            sets_seen,
            uid,
        });
    }

    /// Renders the next chunk of a running FETCH, then its completion.
    pub(crate) fn continue_fetch(&mut self) {
        let Some(mut job) = self.fetching.take() else {
            return;
        };
        let Some(sel) = self.selected() else { return };
        let needs = fetch::needs(&job.items);
        let mut out = Vec::new();
        while out.len() < FETCH_CHUNK && job.next < job.indexes.len() {
            let i = job.indexes[job.next];
            job.next += 1;
            if i >= sel.mailbox.messages.len() {
                continue;
            }
            let text = match needs {
                Needs::Nothing => None,
                Needs::Header => sel.mailbox.read_header(i).ok(),
                Needs::All => sel.mailbox.read(i).ok(),
            };
            if text.is_none() && needs != Needs::Nothing {
                continue; // removed by another session meanwhile
            }
            let mut add_flags = false;
            if job.sets_seen && !sel.mailbox.messages[i].has('S') {
                let flags = format!("{}S", sel.mailbox.messages[i].flags);
                add_flags =
                    sel.mailbox.set_flags(i, &flags).is_ok() && !job.items.contains(&Item::Flags);
            }
            out.extend_from_slice(format!("* {} FETCH ", i + 1).as_bytes());
            let items: &[Item] = &job.items;
            let with_flags;
            let items = if add_flags {
                with_flags = [items, &[Item::Flags]].concat();
                &with_flags[..]
            } else {
                items
            };
            fetch::render(&mut out, items, &sel.mailbox.messages[i], text.as_deref());
            out.extend_from_slice(b"\r\n");
        }
        if !out.is_empty() {
            self.send(out);
        }
        if job.next < job.indexes.len() {
            self.fetching = Some(job);
        } else {
            let what = if job.uid { "UID FETCH" } else { "FETCH" };
            self.line(&format!("{} OK {what} completed", job.tag));
        }
    }

    fn store(&mut self, tag: &str, args: &[Value], uid: bool) {
        let set = args
            .first()
            .and_then(Value::text)
            .and_then(|s| SequenceSet::parse(&s));
        let op = args
            .get(1)
            .and_then(Value::text)
            .map(|s| s.to_ascii_uppercase());
        let flags = args.get(2..).and_then(|rest| match rest {
            [one] => letters(one),
            many => letters(&Value::List(many.to_vec())),
        });
        let (Some(set), Some(op), Some(flags)) = (set, op, flags) else {
            self.line(&format!(
                "{tag} BAD usage: STORE sequence-set [+-]FLAGS[.SILENT] (flags)"
            ));
            return;
        };
        let silent = op.ends_with(".SILENT");
        let mode = op.trim_end_matches(".SILENT");
        if !matches!(mode, "FLAGS" | "+FLAGS" | "-FLAGS") {
            self.line(&format!("{tag} BAD unknown STORE item {op}"));
            return;
        }
        let Some(sel) = self.selected() else { return };
        if sel.read_only {
            self.line(&format!("{tag} NO [READ-ONLY] the mailbox is read-only"));
            return;
        }
        let mut lines = Vec::new();
        for i in Self::indexes(&sel.mailbox, &set, uid) {
            let current = sel.mailbox.messages[i].flags.clone();
            let new: String = match mode {
                "FLAGS" => flags.clone(),
                "+FLAGS" => format!("{current}{flags}"),
                _ => current.chars().filter(|c| !flags.contains(*c)).collect(),
            };
            if sel.mailbox.set_flags(i, &new).is_err() {
                continue;
            }
            if !silent {
                let m = &sel.mailbox.messages[i];
                let uid_part = if uid {
                    format!("UID {} ", m.uid)
                } else {
                    String::new()
                };
                lines.push(format!(
                    "* {} FETCH ({uid_part}FLAGS ({}))",
                    i + 1,
                    m.flag_names().join(" ")
                ));
            }
        }
        for l in lines {
            self.line(&l);
        }
        let what = if uid { "UID STORE" } else { "STORE" };
        self.line(&format!("{tag} OK {what} completed"));
    }

    fn copy(&mut self, tag: &str, name: &str, args: &[Value], uid: bool) {
        let set = args
            .first()
            .and_then(Value::text)
            .and_then(|s| SequenceSet::parse(&s));
        let target = args.get(1).and_then(Value::text);
        let home = match &self.state {
            State::Selected { home, .. } => home.clone(),
            _ => return,
        };
        let (Some(set), Some(target)) = (set, target) else {
            self.line(&format!("{tag} BAD usage: {name} sequence-set mailbox"));
            return;
        };
        let Some(path) = mailbox_path(&home, &target).filter(|p| p.is_dir()) else {
            self.line(&format!("{tag} NO [TRYCREATE] no such mailbox"));
            return;
        };
        let unix = self.unix_now;
        let host = self.config.hostname.clone();
        let pid = std::process::id();
        let mut counter = self.appended;
        let Some(sel) = self.selected() else { return };
        if name == "MOVE" && sel.read_only {
            self.line(&format!("{tag} NO [READ-ONLY] the mailbox is read-only"));
            return;
        }
        let indexes = Self::indexes(&sel.mailbox, &set, uid);
        let result = Mailbox::open(&path, unix).and_then(|mut dest| {
            let (mut from, mut uniques) = (Vec::new(), Vec::new());
            for &i in &indexes {
                let text = sel.mailbox.read(i)?;
                counter += 1;
                let unique = format!("{unix}.l7imap_{pid}_{counter}.{host}");
                dest.write(&unique, &sel.mailbox.messages[i].flags, &text)?;
                from.push(sel.mailbox.messages[i].uid);
                uniques.push(unique);
            }
            let to = dest.uids_of(&uniques)?;
            Ok((
                dest.uidvalidity,
                from.into_iter().zip(to).collect::<Vec<_>>(),
            ))
        });
        self.appended = counter;
        match result {
            Ok((validity, map)) => {
                let from: Vec<String> = map.iter().map(|(a, _)| a.to_string()).collect();
                let to: Vec<String> = map.iter().map(|(_, b)| b.to_string()).collect();
                // RFC 4315 §3: COPYUID.
                let code = if map.is_empty() {
                    String::new()
                } else {
                    format!("[COPYUID {validity} {} {}] ", from.join(","), to.join(","))
                };
                if name == "MOVE" {
                    // RFC 6851 §3.3: COPYUID in an untagged OK, then EXPUNGEs.
                    if !code.is_empty() {
                        self.line(&format!("* OK {code}moved"));
                    }
                    let Some(sel) = self.selected() else { return };
                    for &i in &indexes {
                        let flags = format!("{}T", sel.mailbox.messages[i].flags);
                        let _ = sel.mailbox.set_flags(i, &flags);
                    }
                    let gone = sel.mailbox.expunge(Some(&indexes));
                    match gone {
                        Ok(gone) => {
                            for n in gone {
                                self.line(&format!("* {n} EXPUNGE"));
                            }
                            self.line(&format!("{tag} OK MOVE completed"));
                        }
                        Err(e) => self.line(&format!("{tag} NO [SERVERBUG] MOVE failed: {e}")),
                    }
                } else {
                    self.line(&format!("{tag} OK {code}COPY completed"));
                }
            }
            Err(e) => self.line(&format!("{tag} NO [SERVERBUG] {name} failed: {e}")),
        }
    }
}
