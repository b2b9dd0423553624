//! The SMTP server session and what it exchanges with its driver.

pub(crate) mod auth;
pub mod config;
pub mod data;
pub mod event;
pub mod policy;
pub mod session;

pub use config::ServerConfig;
pub use event::{CloseReason, Envelope, ServerEvent};
pub use policy::{CatchAll, RcptContext, RcptVerdict, RecipientPolicy};
pub use session::ServerSession;
