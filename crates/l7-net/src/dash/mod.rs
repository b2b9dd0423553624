//! DASH drivers: the packager that runs ffmpeg ([`package`]).
//! The origin is the HTTP file server with DASH's cache policy; pacing to
//! a bandwidth trace lives in [`crate::shape`].

pub mod package;
pub mod player;
