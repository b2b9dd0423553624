//! The durable outbound queue: messages accepted for relaying wait here,
//! with per-recipient state, until delivered, bounced or expired.

pub mod envelope;
pub mod schedule;
pub mod store;

pub use envelope::{QueueEnvelope, QueuedRecipient, RecipientState};
pub use schedule::RetryPolicy;
pub use store::{AttemptOutcome, Incoming, Queue, QueueId, QueuedMessage};
