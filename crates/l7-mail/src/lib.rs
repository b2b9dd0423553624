//! The sans-IO e-mail core of l7: SMTP wire types and session state machines
//! ([`smtp`]), RFC 5322/MIME messages ([`message`]), Maildir delivery and the
//! local user directory ([`store`]), the durable outbound queue ([`queue`])
//! and user accounts with argon2id passwords ([`accounts`]).
//!
//! Drivers (tokio in l7-net, the simulator, tests) own sockets and clocks:
//! session calls take an [`l7_wire::Instant`], storage calls a unix time.
//! A receiving driver loops over [`smtp::server::ServerSession`]:
//! `handle_input` → `poll_transmit` (send) → `poll_event` (StartTls,
//! Authenticate, MessageBegin/Data/End → write to a [`queue::Incoming`],
//! stage + commit, then `message_stored`) → `poll_timeout`. A relaying
//! driver takes [`queue::Queue::due`] messages, runs an
//! [`smtp::client::ClientSession`] per MX and feeds its per-recipient
//! results to [`queue::Queue::record_attempt`], which schedules retries
//! and queues bounces.
//!
//! Mail access reads the Maildirs that [`store`] writes: [`pop3`] serves a
//! locked maildrop snapshot (deletions only at QUIT).
#![forbid(unsafe_code)]

pub mod accounts;
pub mod base64;
pub mod message;
pub mod pop3;
pub mod queue;
pub mod smtp;
pub mod store;
