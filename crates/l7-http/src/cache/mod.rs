//! The HTTP cache (RFC 9111), sans-IO: Cache-Control directives
//! ([`CacheControl`]), storability, freshness and age ([`freshness`]), the
//! reuse / revalidate / invalidate decisions ([`decide`]), stored entries
//! with their Vary secondary keys ([`Entry`]), a bounded store on disk
//! ([`DiskStore`]) and ranges answered from stored responses ([`ranged`]).
//! The same core serves `l7 get --cache` (a private cache) and `l7 proxy`
//! (a shared one); time is always passed in.

mod control;
pub mod decide;
mod entry;
pub mod freshness;
pub mod ranged;
mod store;

pub use control::CacheControl;
pub use entry::{Entry, secondary_key, vary_names};
pub use freshness::{CacheKind, Exchange, Times, current_age, freshness_lifetime, storable};
pub use store::DiskStore;
