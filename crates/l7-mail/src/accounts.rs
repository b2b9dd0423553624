//! User accounts for submission AUTH: a users file with one
//! `address:argon2-PHC-hash` line per user (`#` starts a comment), written
//! atomically, and password hashing with argon2id (the `argon2` crate's
//! defaults: Argon2id v19, m=19456 KiB, t=2, p=1). The salt is passed in —
//! the core draws no randomness — so drivers fill it from the OS RNG.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;

/// Bytes of salt per password (RFC 9106 §3.1 recommends 16).
pub const SALT_LEN: usize = 16;

/// What can go wrong with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// A line of the users file is not `address:hash`.
    #[error("users file line {line}: {reason}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The address is not `local@domain`.
    #[error("not an e-mail address: {0:?}")]
    BadAddress(String),
    /// Hashing failed (bad parameters).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Reading or writing the file failed.
    #[error("users file: {0}")]
    Io(#[from] io::Error),
}

/// Hashes `password` with argon2id and `salt`, as a PHC string.
pub fn hash_password(password: &str, salt: &[u8; SALT_LEN]) -> Result<String, AccountsError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| AccountsError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountsError::Hash(e.to_string()))
}

/// True when `password` matches the PHC `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The users and their password hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accounts {
    users: BTreeMap<String, String>,
}

fn normalise(address: &str) -> Result<String, AccountsError> {
    match address.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !address.contains([':', '\n', ' ']) =>
        {
            Ok(address.to_lowercase())
        }
        _ => Err(AccountsError::BadAddress(address.to_string())),
    }
}

impl Accounts {
    /// No users.
    pub fn new() -> Self {
        Accounts::default()
    }

    /// Parses the users file text.
    pub fn parse(text: &str) -> Result<Accounts, AccountsError> {
        let mut users = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax = |reason| AccountsError::Syntax {
                line: i + 1,
                reason,
            };
            let (address, hash) = line
                .split_once(':')
                .ok_or(syntax("expected address:hash"))?;
            let address = normalise(address).map_err(|_| syntax("bad address"))?;
            PasswordHash::new(hash).map_err(|_| syntax("bad password hash"))?;
            users.insert(address, hash.to_string());
        }
        Ok(Accounts { users })
    }

    /// Reads the users file; a missing file is an empty account list.
    pub fn load(path: &Path) -> Result<Accounts, AccountsError> {
        match fs::read_to_string(path) {
            Ok(text) => Accounts::parse(&text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Accounts::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// The file text.
    pub fn to_text(&self) -> String {
        let mut out = String::from("# l7 mail users: address:argon2id-hash\n");
        for (address, hash) in &self.users {
            out.push_str(&format!("{address}:{hash}\n"));
        }
        out
    }

    /// Writes the users file atomically (tmp, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<(), AccountsError> {
        let tmp = path.with_extension("tmp");
        let mut f = fs::File::create(&tmp)?;
        f.write_all(self.to_text().as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Adds a user or changes a password.
    pub fn add(
        &mut self,
        address: &str,
        password: &str,
        salt: &[u8; SALT_LEN],
    ) -> Result<(), AccountsError> {
        let address = normalise(address)?;
        self.users.insert(address, hash_password(password, salt)?);
        Ok(())
    }

    /// Checks a login. Unknown users cost as much as known ones, so timing
    /// does not reveal who has an account.
    pub fn verify(&self, address: &str, password: &str) -> bool {
        static DUMMY: OnceLock<String> = OnceLock::new();
        match self.users.get(&address.to_lowercase()) {
            Some(hash) => verify_password(password, hash),
            None => {
                let dummy =
                    DUMMY.get_or_init(|| hash_password("", &[0; SALT_LEN]).unwrap_or_default());
                verify_password(password, dummy);
                false
            }
        }
    }

    /// The user addresses, sorted.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.users.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_save_load_verify() {
        let mut accounts = Accounts::new();
        accounts
            .add("Alice@crepes.fr", "ketchup", &[7; SALT_LEN])
            .unwrap();
        accounts
            .add("bob@hamburger.edu", "pickles", &[9; SALT_LEN])
            .unwrap();
        let text = accounts.to_text();
        assert!(text.contains("alice@crepes.fr:$argon2id$v=19$"), "{text}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        accounts.save(&path).unwrap();
        let loaded = Accounts::load(&path).unwrap();
        assert_eq!(loaded, accounts);
        assert!(loaded.verify("alice@crepes.fr", "ketchup"));
        assert!(loaded.verify("ALICE@crepes.fr", "ketchup"));
        assert!(!loaded.verify("alice@crepes.fr", "mustard"));
        assert!(!loaded.verify("carol@crepes.fr", "ketchup"));
        assert_eq!(
            loaded.users().collect::<Vec<_>>(),
            ["alice@crepes.fr", "bob@hamburger.edu"]
        );
        assert!(
            Accounts::load(&dir.path().join("missing"))
                .unwrap()
                .users()
                .next()
                .is_none()
        );
    }

    #[test]
    fn refuses_bad_files_and_addresses() {
        assert!(matches!(
            Accounts::parse("alice"),
            Err(AccountsError::Syntax { line: 1, .. })
        ));
        assert!(matches!(
            Accounts::parse("# c\nalice@x:nothash"),
            Err(AccountsError::Syntax { line: 2, .. })
        ));
        assert!(matches!(
            Accounts::new().add("alice", "x", &[0; SALT_LEN]),
            Err(AccountsError::BadAddress(_))
        ));
    }
}
