//! Mail drivers: the SMTP receiving server ([`inbound`]), an inbound MX for
//! local domains or a catch-all mail catcher, delivering into Maildirs;
//! the mail access servers reading them ([`pop3`], [`imap`], sharing [`access`]) and
//! the fetching client ([`fetch`]).

pub mod access;
pub mod fetch;
pub mod imap;
pub mod inbound;
pub mod pop3;
