//! Mail drivers: one mail server ([`service`]) with its listeners
//! ([`inbound`]: MX, submission with STARTTLS, implicit TLS) accepting into
//! the durable queue with group commit ([`spool`]), its delivery workers
//! ([`delivery`]: local Maildirs, relaying via MX lookup [`mx`] and the
//! SMTP client driver [`outbound`]), over connections that can turn into
//! TLS ([`conn`]); [`setup`] starts one from its description. The mail
//! access servers read the same Maildirs ([`pop3`], sharing [`access`]),
//! and [`fetch`] is the fetching client.

pub mod access;
pub mod conn;
pub mod delivery;
pub mod fetch;
pub mod inbound;
pub mod mx;
pub mod outbound;
pub mod pop3;
pub mod service;
pub mod setup;
pub mod spool;
