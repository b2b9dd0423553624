//! Local storage of received mail: Maildir delivery and the directory of
//! local users, aliases and plus-addresses that decides where mail goes.

pub mod directory;
pub mod maildir;

pub use directory::{Directory, Resolution, canonical};
pub use maildir::{Delivery, Maildir, UniqueName, sync_dir};
