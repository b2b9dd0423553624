//! The SMTP client session (relay and submission) and its helpers.

pub mod outcome;
pub mod session;
mod stuffing;

pub use outcome::{DeliveryStatus, RecipientResult};
pub use session::{ClientConfig, ClientEvent, ClientSession, OutgoingMessage, TlsPolicy};
pub use stuffing::dot_stuff;
