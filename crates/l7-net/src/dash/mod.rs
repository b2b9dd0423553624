//! DASH drivers: the packager that runs ffmpeg ([`package`]), the origin's
//! request handler ([`origin`]), and the headless player ([`player`]).
//! Pacing to a bandwidth trace lives in [`crate::shape`].

pub mod origin;
pub mod package;
pub mod player;
