//! Mail drivers: the SMTP receiving server ([`inbound`]), an inbound MX for
//! local domains or a catch-all mail catcher, delivering into Maildirs.

pub mod inbound;
