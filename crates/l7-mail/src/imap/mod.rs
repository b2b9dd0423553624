//! IMAP4rev1 (RFC 3501) with the extensions clients rely on (LITERAL+,
//! IDLE, UIDPLUS, MOVE, UNSELECT, SPECIAL-USE, NAMESPACE, ID, ENABLE): the
//! command parser, the sans-IO server session (one file per command family) and mailboxes over
//! Maildir++ folders with persistent UIDs. A driver loops over
//! [`ImapSession`] like over the POP3 session: `set_unix_time` →
//! `handle_input` → `poll_transmit` → `poll_event` (StartTls;
//! Authenticate → `login_accepted(home)`/`login_refused`; Closed) →
//! `poll_timeout`.

pub mod any_state;
pub mod bodystructure;
pub mod client;
pub mod envelope;
pub mod fetch;
pub mod mailbox;
pub mod mailboxes;
pub mod parser;
pub mod part_header;
pub mod search;
pub mod section;
pub mod selected;
pub mod sequence;
pub mod session;

pub use session::{ImapConfig, ImapEvent, ImapSession};
