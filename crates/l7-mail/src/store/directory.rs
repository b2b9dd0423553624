//! Who lives here: local domains, users, aliases and plus-addressing
//! (`bob+tag@hamburger.edu` delivers to bob), and the recipient policy
//! built on them, which is what keeps the server from being an open relay:
//! local domains take mail for their users from anyone; any other domain
//! only from an authenticated client (RFC 5321 §3.6.2, RFC 6409 §4.3).

use crate::smtp::address::{ForwardPath, Mailbox};
use crate::smtp::server::{RcptContext, RcptVerdict, RecipientPolicy};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// How deep alias chains may go (loops end here too).
pub const MAX_ALIAS_DEPTH: usize = 8;
/// Most final recipients one address may expand to.
pub const MAX_ALIAS_TARGETS: usize = 100;

/// Where mail for an address goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Local users (`local@domain`, lower case), after aliases.
    Local(Vec<String>),
    /// Not one of our domains: relay it.
    Foreign,
    /// One of our domains, but no such user or alias.
    Unknown,
}

/// Local domains, users and aliases.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    domains: HashSet<String>,
    users: HashSet<String>,
    aliases: HashMap<String, Vec<String>>,
}

/// `local@domain` in lower case without a `+tag` (RFC 5233 subaddress).
pub fn canonical(local: &str, domain: &str) -> String {
    let local = local.split_once('+').map_or(local, |(user, _tag)| user);
    format!("{}@{}", local.to_lowercase(), domain.to_lowercase())
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Directory::default()
    }

    /// Adds a domain we receive mail for.
    pub fn add_domain(&mut self, domain: &str) {
        self.domains.insert(domain.to_lowercase());
    }

    /// Adds a user `local@domain` (its domain becomes local too).
    pub fn add_user(&mut self, address: &str) {
        if let Some((local, domain)) = address.rsplit_once('@') {
            self.add_domain(domain);
            self.users.insert(canonical(local, domain));
        }
    }

    /// Adds an alias: mail for `address` goes to `targets` (local or not).
    pub fn add_alias(&mut self, address: &str, targets: &[&str]) {
        if let Some((local, domain)) = address.rsplit_once('@') {
            let targets = targets.iter().map(|t| t.to_lowercase()).collect();
            self.aliases.insert(canonical(local, domain), targets);
        }
    }

    /// True for one of our domains.
    pub fn is_local_domain(&self, domain: &str) -> bool {
        self.domains.contains(&domain.to_lowercase())
    }

    /// Resolves an address through plus-addressing and aliases.
    pub fn resolve(&self, mailbox: &Mailbox) -> Resolution {
        if !self.is_local_domain(mailbox.domain()) {
            return Resolution::Foreign;
        }
        let mut out = Vec::new();
        self.expand(
            &canonical(mailbox.local_part(), mailbox.domain()),
            0,
            &mut out,
        );
        if out.is_empty() {
            Resolution::Unknown
        } else {
            Resolution::Local(out)
        }
    }

    fn expand(&self, address: &str, depth: usize, out: &mut Vec<String>) {
        if depth > MAX_ALIAS_DEPTH || out.len() >= MAX_ALIAS_TARGETS {
            return;
        }
        if let Some(targets) = self.aliases.get(address) {
            for target in targets {
                self.expand(target, depth + 1, out);
            }
        } else if self.users.contains(address) && !out.iter().any(|a| a == address) {
            out.push(address.to_string());
        }
    }

    /// The Maildir of a local user under `root`: `root/domain/local`.
    pub fn maildir_path(root: &Path, user: &str) -> PathBuf {
        let (local, domain) = user.rsplit_once('@').unwrap_or((user, ""));
        // Path separators cannot appear in a dot-atom, but quoted local-parts
        // could carry them: never let a name leave `root`.
        let clean = |s: &str| {
            s.replace(['/', '\\', '\0'], "_")
                .trim_start_matches('.')
                .to_string()
        };
        root.join(clean(domain)).join(clean(local))
    }
}

impl RecipientPolicy for Directory {
    fn check_recipient(&self, rcpt: &ForwardPath, ctx: &RcptContext<'_>) -> RcptVerdict {
        let mailbox = match rcpt {
            // RFC 5321 §4.5.1: postmaster must always be accepted.
            ForwardPath::Postmaster => return RcptVerdict::Accept,
            ForwardPath::Mailbox(m) => m,
        };
        match self.resolve(mailbox) {
            Resolution::Local(_) => RcptVerdict::Accept,
            Resolution::Unknown if mailbox.local_part().eq_ignore_ascii_case("postmaster") => {
                RcptVerdict::Accept
            }
            Resolution::Unknown => RcptVerdict::UnknownUser,
            Resolution::Foreign if ctx.authenticated.is_some() => RcptVerdict::Accept,
            Resolution::Foreign => RcptVerdict::RelayDenied,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::ReversePath;

    fn directory() -> Directory {
        let mut d = Directory::new();
        d.add_user("bob@hamburger.edu");
        d.add_user("carol@hamburger.edu");
        d.add_alias(
            "team@hamburger.edu",
            &[
                "bob@hamburger.edu",
                "carol@hamburger.edu",
                "team@hamburger.edu",
            ],
        );
        d.add_alias("loop1@hamburger.edu", &["loop2@hamburger.edu"]);
        d.add_alias("loop2@hamburger.edu", &["loop1@hamburger.edu"]);
        d
    }

    fn resolve(d: &Directory, s: &str) -> Resolution {
        d.resolve(&Mailbox::parse(s).unwrap())
    }

    #[test]
    fn plus_addresses_aliases_and_loops() {
        let d = directory();
        assert_eq!(
            resolve(&d, "bob+ketchup@Hamburger.EDU"),
            Resolution::Local(vec!["bob@hamburger.edu".into()])
        );
        assert_eq!(
            resolve(&d, "Bob@hamburger.edu"),
            Resolution::Local(vec!["bob@hamburger.edu".into()])
        );
        assert_eq!(
            resolve(&d, "team@hamburger.edu"),
            Resolution::Local(vec![
                "bob@hamburger.edu".into(),
                "carol@hamburger.edu".into()
            ])
        );
        assert_eq!(resolve(&d, "loop1@hamburger.edu"), Resolution::Unknown);
        assert_eq!(resolve(&d, "dave@hamburger.edu"), Resolution::Unknown);
        assert_eq!(resolve(&d, "alice@crepes.fr"), Resolution::Foreign);
        assert_eq!(
            Directory::maildir_path(Path::new("/m"), "bob@hamburger.edu"),
            Path::new("/m/hamburger.edu/bob")
        );
        assert_eq!(
            Directory::maildir_path(Path::new("/m"), "../x@..y/z"),
            Path::new("/m/y_z/_x")
        );
    }

    #[test]
    fn no_open_relay() {
        let d = directory();
        let sender = ReversePath::Null;
        let anon = RcptContext {
            sender: &sender,
            authenticated: None,
            tls: false,
        };
        let authed = RcptContext {
            sender: &sender,
            authenticated: Some("alice@crepes.fr"),
            tls: true,
        };
        let rcpt = |s: &str| ForwardPath::Mailbox(Mailbox::parse(s).unwrap());
        assert_eq!(
            d.check_recipient(&rcpt("bob@hamburger.edu"), &anon),
            RcptVerdict::Accept
        );
        assert_eq!(
            d.check_recipient(&rcpt("eve@hamburger.edu"), &anon),
            RcptVerdict::UnknownUser
        );
        assert_eq!(
            d.check_recipient(&rcpt("alice@crepes.fr"), &anon),
            RcptVerdict::RelayDenied
        );
        assert_eq!(
            d.check_recipient(&rcpt("alice@crepes.fr"), &authed),
            RcptVerdict::Accept
        );
        assert_eq!(
            d.check_recipient(&ForwardPath::Postmaster, &anon),
            RcptVerdict::Accept
        );
        assert_eq!(
            d.check_recipient(&rcpt("postmaster@hamburger.edu"), &anon),
            RcptVerdict::Accept
        );
    }
}
