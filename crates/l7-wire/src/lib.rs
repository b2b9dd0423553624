//! Shared plumbing for l7's sans-IO protocol cores: a bounds-checked byte
//! [`Reader`], big-endian writing helpers on `Vec<u8>` ([`WriteExt`]), the
//! [`WireError`] every parser returns, and [`Instant`], the time value that
//! drivers and the simulator pass in (cores never read a clock), and
//! [`units`], the parser for durations, sizes and rates users type, and
//! [`calendar`], UTC date arithmetic for the date formats protocols carry,
//! and [`prefix`], IP networks for allow-lists and longest-prefix routing.
#![forbid(unsafe_code)]

pub mod calendar;
mod error;
pub mod prefix;
mod reader;
mod time;
pub mod units;
mod writer;

pub use error::WireError;
pub use reader::Reader;
pub use time::Instant;
pub use writer::WriteExt;
