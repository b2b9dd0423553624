//! Static-file serving decisions for `l7 http serve`: safe paths, media
//! types, listings, redirects, cache policy, validators and conditional requests, ranges,
//! content codings and uploads. Pure functions over the request and file
//! metadata, plus the std::fs reads they need and the files held open for
//! sendfile(2) ([`OpenFile`]).

pub mod cache_policy;
pub mod encoding;
mod file_cache;
pub mod listing;
pub mod mime;
mod open_file;
pub mod path;
pub mod range;
pub mod redirects;
mod response;
mod serve;
pub mod upload;
pub mod validators;

pub use file_cache::TTL as CACHE_TTL;
pub use open_file::{OpenFile, ZERO_COPY_MIN};
pub use response::{Body, FileResponse, read_range};
pub use serve::{FileServer, FilesConfig};
