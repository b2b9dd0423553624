//! POP3 (RFC 1939) with CAPA (RFC 2449), STLS (RFC 2595) and AUTH PLAIN
//! (RFC 5034): the command parser, the sans-IO server session and the
//! maildrop it serves from a Maildir. A driver loops over
//! [`Pop3Session`]: `handle_input` → `poll_transmit` (send) → `poll_event`
//! (StartTls; Authenticate → check the password, lock and open the
//! [`Maildrop`], answer `login_accepted`/`login_refused`; Closed) →
//! `poll_timeout`. The fetching client reads replies with [`client`].

pub mod client;
pub mod command;
pub mod maildrop;
pub mod response;
pub mod session;

pub use command::Command;
pub use maildrop::Maildrop;
pub use session::{LoginRefusal, Pop3Config, Pop3Event, Pop3Session};
